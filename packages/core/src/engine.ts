import type { Backend, Storage } from './backend.js';
import type { DType } from './dtype.js';
import type { Shape } from './shape.js';
import { DataRef, Tensor, type GradNode } from './tensor.js';

/**
 * The recording half of reverse-mode autodiff on a dynamic (define-by-run) graph, as in
 * micrograd: each op records its inputs and outputs (`record`); `autodiff.ts` walks the graph
 * back. Also tensor lifetimes (`tidy`, `keep`). This module imports no op, so ops can import it.
 */

let gradEnabled = true;
const scopes: Tensor[][] = [];

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Run `fn` without recording the graph (inference, optimizer updates). */
export function noGrad<T>(fn: () => T): T {
  const prev = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = prev;
  }
}

/** @internal wrap backend storage in a tensor and track it in the current `tidy` scope */
export function wrap(backend: Backend, storage: Storage, shape: Shape, dtype: DType): Tensor {
  const t = new Tensor(new DataRef(backend, storage), shape, dtype);
  scopes[scopes.length - 1]?.push(t);
  return t;
}

/** @internal a tensor sharing `src`'s storage under another shape (reshape) */
export function alias(src: Tensor, shape: Shape): Tensor {
  src.ref.refs++;
  const t = new Tensor(src.ref, shape, src.dtype);
  scopes[scopes.length - 1]?.push(t);
  return t;
}

/**
 * Run `fn` and dispose every tensor it created except those it returns (in an array or object,
 * one level deep) and those passed to `keep()`. For backends with device memory this is how a
 * loop frees its intermediates deterministically.
 */
export function tidy<T>(fn: () => T): T {
  const scope: Tensor[] = [];
  scopes.push(scope);
  let result: T;
  try {
    result = fn();
  } finally {
    scopes.pop();
  }
  const kept = new Set<Tensor>();
  const collect = (v: unknown) => {
    if (v instanceof Tensor) kept.add(v);
  };
  if (Array.isArray(result)) result.forEach(collect);
  else if (result && typeof result === 'object' && !(result instanceof Tensor)) Object.values(result).forEach(collect);
  else collect(result);
  const parent = scopes[scopes.length - 1];
  for (const t of scope) {
    if (kept.has(t) || keptForever.has(t)) {
      parent?.push(t);
      continue;
    }
    t.dispose();
  }
  return result;
}

const keptForever = new WeakSet<Tensor>();

/** Exempt a tensor from disposal by enclosing `tidy` scopes. */
export function keep<T extends Tensor>(t: T): T {
  keptForever.add(t);
  return t;
}

/**
 * @internal record that `outputs` came from `inputs` via `op`; the gradient is the table entry
 * for `op` in `ops/grads.ts`, which reads `attrs` (axes, permutations, …) besides the inputs and
 * outputs. Nothing is recorded when gradients are off or no input needs a gradient.
 */
export function record(op: string, inputs: Tensor[], outputs: Tensor[], attrs: GradNode['attrs'] = {}): void {
  if (!gradEnabled || !inputs.some(needsGrad)) return;
  const node: GradNode = { op, inputs, outputs, attrs };
  for (const o of outputs) o.node = node;
}

/**
 * @internal record a fused kernel, whose gradient is a kernel of its own (`backward`) rather than
 * a table entry; `release` frees what its forward saved (e.g. a reserve), once backward has run
 * or at once when nothing is recorded.
 */
export function recordFused(
  op: string,
  inputs: Tensor[],
  outputs: Tensor[],
  backward: NonNullable<GradNode['backward']>,
  release?: () => void,
): void {
  if (!gradEnabled || !inputs.some(needsGrad)) {
    release?.();
    return;
  }
  const node: GradNode = { op, inputs, outputs, attrs: {}, backward, release };
  for (const o of outputs) o.node = node;
}

export function needsGrad(t: Tensor): boolean {
  return t.requiresGrad || t.node !== null;
}
