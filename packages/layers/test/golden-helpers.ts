/**
 * Shared helpers for the PyTorch-reference ("golden") tests. The reference files are described in
 * tools/golden/README.md; they are read here exactly as documented there.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tensor, type Tensor } from '@rnn/core';

export const GOLDEN_DIR = join(dirname(fileURLToPath(import.meta.url)), 'golden');

/** A golden tensor: `{ shape, data }`, row-major. */
export interface GT {
  shape: number[];
  data: number[];
}

export function loadGolden<T = unknown>(file: string): T {
  return JSON.parse(readFileSync(join(GOLDEN_DIR, file), 'utf8')) as T;
}

/** A float32 tensor from a golden tensor (the inputs are exactly representable in float32). */
export function f32(t: GT, requiresGrad = false): Tensor {
  const x = tensor(Float32Array.from(t.data), t.shape, { dtype: 'float32' });
  x.requiresGrad = requiresGrad;
  return x;
}

/** An int32 tensor (token ids, class ids). */
export function i32(t: GT): Tensor {
  return tensor(Int32Array.from(t.data), t.shape, { dtype: 'int32' });
}

export interface Tol {
  rtol: number;
  atol: number;
}
export const FORWARD: Tol = { rtol: 1e-4, atol: 1e-5 };
export const GRAD: Tol = { rtol: 1e-3, atol: 1e-5 };

/**
 * Worst errors seen per category, for the report: the largest `|got - want| / max(|want|, 1e-2)`
 * (relative error with 1e-2 as the smallest denominator, as the README measures) and the largest
 * absolute error.
 */
const stats = new Map<string, { rel: number; abs: number; where: string; n: number }>();

export function record(category: string, rel: number, abs: number, where: string): void {
  const s = stats.get(category) ?? { rel: 0, abs: 0, where: '', n: 0 };
  s.n++;
  if (rel > s.rel) {
    s.rel = rel;
    s.where = where;
  }
  s.abs = Math.max(s.abs, abs);
  stats.set(category, s);
}

export function report(title: string): void {
  const lines = [...stats.entries()].map(
    ([k, s]) => `  ${k.padEnd(34)} max rel ${s.rel.toExponential(2)}  max abs ${s.abs.toExponential(2)}  (${s.n} checks; worst: ${s.where})`,
  );
  console.log(`${title} — measured errors vs PyTorch (float32 on the js backend):\n${lines.join('\n')}`);
}

/**
 * Assert `|got - want| <= rtol*|want| + atol` elementwise, with the shape checked when `got` is a
 * tensor; records the errors under `category`. The failure message names the worst element.
 */
export function expectClose(
  got: Tensor | ArrayLike<number> | number,
  want: GT | ArrayLike<number> | number,
  tol: Tol,
  label: string,
  category: string,
): void {
  let g: ArrayLike<number>;
  let w: ArrayLike<number>;
  if (typeof got === 'number') g = [got];
  else if ('shape' in got && 'dtype' in got) {
    if (typeof want === 'object' && 'shape' in want) {
      const ws = (want as GT).shape;
      if (got.shape.length !== ws.length || got.shape.some((d, i) => d !== ws[i])) {
        throw new Error(`${label}: shape [${got.shape.join(', ')}] but PyTorch's is [${ws.join(', ')}]`);
      }
    }
    g = got.data();
  } else g = got as ArrayLike<number>;
  if (typeof want === 'number') w = [want];
  else if ('data' in want && 'shape' in want) w = (want as GT).data;
  else w = want as ArrayLike<number>;
  if (g.length !== w.length) throw new Error(`${label}: ${g.length} values but PyTorch has ${w.length}`);
  let worstExcess = -Infinity;
  let worstI = -1;
  let maxRel = 0;
  let maxAbs = 0;
  for (let i = 0; i < w.length; i++) {
    const a = g[i]!;
    const b = w[i]!;
    const d = Math.abs(a - b);
    if (!Number.isFinite(a)) {
      worstExcess = Infinity;
      worstI = i;
      break;
    }
    maxAbs = Math.max(maxAbs, d);
    maxRel = Math.max(maxRel, d / Math.max(Math.abs(b), 1e-2));
    const excess = d - (tol.rtol * Math.abs(b) + tol.atol);
    if (excess > worstExcess) {
      worstExcess = excess;
      worstI = i;
    }
  }
  record(category, maxRel, maxAbs, label);
  if (worstExcess > 0) {
    const a = g[worstI]!;
    const b = w[worstI]!;
    throw new Error(
      `${label}: element ${worstI} is ${a}, PyTorch ${b} (|diff| ${Math.abs(a - b).toExponential(3)} > ` +
        `${tol.rtol}*|want| + ${tol.atol}); got [${Array.from(g).slice(0, 8).map((v) => v.toPrecision(6)).join(', ')}${g.length > 8 ? ', ...' : ''}]`,
    );
  }
}

/** `[B, T, ...]` nested arrays from a golden tensor (as the CLI's JSON files hold them). */
export function nested(t: GT): unknown {
  const build = (dim: number, off: number): unknown => {
    if (dim === t.shape.length) return t.data[off];
    const stride = t.shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: t.shape[dim]! }, (_, i) => build(dim + 1, off + i * stride));
  };
  return build(0, 0);
}
