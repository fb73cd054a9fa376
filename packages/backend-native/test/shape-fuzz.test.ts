import { describe, expect, it } from 'vitest';
import { loadAddon } from '../src/index.js';
import { cudaTargets } from './cuda-helpers.js';

/**
 * Every addon entry point refuses shapes that do not fit its buffers, and never crashes, whatever
 * JS passes. Two parts, run against the CPU addon and (when built) the CUDA addon's emulation
 * build and GPU build:
 * 1. deterministic: each shape-bound array of each entry point one element short, one element
 *    long, and a claimed dim far past its buffer must be refused with a coded error (E_SHAPE,
 *    E_VALUE or E_DTYPE) before any kernel runs;
 * 2. fuzz: seeded random mutations of valid calls (dims +-1, 0, -1, 2^31, fractions, NaN; arrays
 *    resized, re-typed or replaced; fields dropped) either succeed or throw a coded error.
 * Under tools/sanitize/run.sh the same cases run against an AddressSanitizer build, which also
 * catches a read past a buffer that happened not to crash.
 */

type Arr = Float32Array | Float64Array | Int32Array;
type Call = unknown[];

interface Spec {
  name: string;
  /** A valid call (arguments as the CPU addon takes them). */
  make(): Call;
  /** Paths (into the call) of arrays whose length is fixed by the shapes/dims given with them. */
  bound: (string | number)[][];
  /** Sizes of the output that no input buffer bounds (padding, scatterAdd's rows): a huge value is
   * a legitimate (if absurd) request, so these are only mutated within small values. */
  free?: number[];
}

const f64 = (n: number, v = 0.5) => new Float64Array(n).fill(v);
const i32 = (xs: number[]) => Int32Array.from(xs);
const [B, T, I, H] = [2, 3, 2, 4];

function seqOpts(mode: number, G: number, extra: Record<string, unknown>) {
  return {
    mode, batch: B, steps: T, input: I, hidden: H, x: f64(B * T * I), h0: f64(B * H), c0: mode === 2 ? f64(B * H) : null,
    weightIh: f64(G * H * I), weightHh: f64(G * H * H), lengths: i32([3, 2]), reverse: false, ...extra,
  };
}

function treeOpts(extra: Record<string, unknown>) {
  const [N, TI, TH] = [3, 2, 4];
  return {
    nodes: N, input: TI, hidden: TH, x: f64(N * TI), hL: f64(N * TH), cL: f64(N * TH), hR: f64(N * TH), cR: f64(N * TH),
    weight: f64(5 * TH * TI), weightH: f64(10 * TH * TH), ...extra,
  };
}

const SPECS: Spec[] = [
  { name: 'binary', make: () => [0, f64(6), [2, 3], f64(3), [3], [2, 3]], bound: [[1], [3]] },
  { name: 'where', make: () => [f64(6), [2, 3], f64(6), [2, 3], f64(1), [1], [2, 3]], bound: [[0], [2], [4]] },
  { name: 'reduce', make: () => [0, f64(24), [2, 3, 4], [1]], bound: [[1]] },
  { name: 'argmax', make: () => [f64(12), [3, 4], 1], bound: [[0]] },
  { name: 'matmul', make: () => [f64(12), [2, 2, 3], f64(12), [3, 4], false, false], bound: [[0], [2]] },
  { name: 'transpose', make: () => [f64(24), [2, 3, 4], [2, 0, 1]], bound: [[0]] },
  { name: 'slice', make: () => [f64(24), [2, 3, 4], [1, 0, 1], [1, 2, 3]], bound: [[0]] },
  { name: 'pad', make: () => [f64(6), [2, 3], [1, 0], [0, 2]], bound: [[0]], free: [2, 3] },
  { name: 'concat', make: () => [[f64(6), f64(4)], [[2, 3], [2, 2]], 1], bound: [[0, 0], [0, 1]] },
  { name: 'gather', make: () => [f64(8), [4, 2], i32([3, 0, 1])], bound: [[0]] },
  { name: 'scatterAdd', make: () => [i32([1, 0, 1]), [3], f64(6), [3, 2], 4], bound: [[0], [2]], free: [4] },
  {
    name: 'sequenceForward',
    make: () => [{ ...seqOpts(2, 4, { biasIh: f64(16), biasHh: f64(16), training: true }) }],
    bound: [[0, 'x'], [0, 'h0'], [0, 'c0'], [0, 'weightIh'], [0, 'weightHh'], [0, 'biasIh'], [0, 'biasHh'], [0, 'lengths']],
  },
  {
    name: 'sequenceBackward',
    make: () => [{ ...seqOpts(3, 3, { reserve: f64(B * T * H * 5), dy: f64(B * T * H), dhN: f64(B * H), dcN: null }) }],
    bound: [[0, 'x'], [0, 'h0'], [0, 'weightIh'], [0, 'weightHh'], [0, 'reserve'], [0, 'dy'], [0, 'dhN'], [0, 'lengths']],
  },
  {
    name: 'treeLevelForward',
    make: () => [treeOpts({ bias: f64(20), training: true })],
    bound: [[0, 'x'], [0, 'hL'], [0, 'cL'], [0, 'hR'], [0, 'cR'], [0, 'weight'], [0, 'weightH'], [0, 'bias']],
  },
  {
    name: 'treeLevelBackward',
    make: () => [treeOpts({ reserve: f64(6 * 3 * 4), dh: f64(12), dc: f64(12) })],
    bound: [[0, 'x'], [0, 'hL'], [0, 'weightH'], [0, 'reserve'], [0, 'dh'], [0, 'dc']],
  },
  {
    name: 'adamStep',
    make: () => [{ param: f64(5), grad: f64(5), m: f64(5), v: f64(5), lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 1, weightDecay: 0, decoupled: true }],
    bound: [[0, 'grad'], [0, 'm'], [0, 'v']],
  },
];

/** The same call for an addon (the CUDA one takes DeviceBuffers). */
interface Target {
  name: string;
  addon: Record<string, (...a: unknown[]) => unknown>;
  prefix: RegExp;
  adapt(spec: string, call: Call): Call;
  /** Surfaces errors kernels found on the device (index values) after the call. */
  settle(): void;
}

function getPath(call: Call, path: (string | number)[]): unknown {
  let v: unknown = call;
  for (const k of path) v = (v as Record<string | number, unknown>)[k];
  return v;
}

function setPath(call: Call, path: (string | number)[], value: unknown): void {
  let v: unknown = call;
  for (const k of path.slice(0, -1)) v = (v as Record<string | number, unknown>)[k];
  (v as Record<string | number, unknown>)[path.at(-1)!] = value;
}

function resized(a: Arr, n: number): Arr {
  const C = a.constructor as new (n: number) => Arr;
  const out = new C(Math.max(0, n));
  out.set(a.subarray(0, Math.min(a.length, out.length)));
  return out;
}

const CODES = ['E_SHAPE', 'E_VALUE', 'E_DTYPE', 'E_BACKEND', 'E_DISPOSED'];

/** Runs one call: 'ok', or the error's code (anything else fails the test). */
function attempt(t: Target, spec: string, call: Call): string {
  try {
    t.addon[spec]!(...t.adapt(spec, call));
    t.settle();
    return 'ok';
  } catch (err) {
    const e = err as Error & { code?: string };
    if (!(e instanceof Error) || !CODES.includes(e.code ?? '') || !t.prefix.test(e.message)) {
      throw new Error(`${t.name}.${spec}: threw something other than a coded addon error: ${String(e?.code)} ${String(e?.message ?? e)}`);
    }
    return e.code!;
  }
}

// ---- seeded fuzzing ----

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

const WEIRD = [-1, 0, 1, 2147483647, 2147483648, 2 ** 53, 1.5, NaN, Infinity, -0, 1e300];

/** Every leaf path of a call (numbers, booleans, typed arrays, nulls), for mutation. */
function leaves(v: unknown, path: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  if (ArrayBuffer.isView(v) || v === null || typeof v !== 'object') {
    if (path.length) out.push(path);
    return out;
  }
  if (Array.isArray(v)) {
    out.push(path); // the array itself (a shape): grow or shrink it
    v.forEach((x, i) => leaves(x, [...path, i], out));
  } else {
    for (const [k, x] of Object.entries(v as object)) leaves(x, [...path, k], out);
  }
  return out;
}

function mutate(spec: Spec, call: Call, r: () => number): Call {
  const c = structuredClone(call) as Call;
  const paths = leaves(c);
  const path = paths[Math.floor(r() * paths.length)]!;
  const v = getPath(c, path);
  const pick = <X>(xs: X[]) => xs[Math.floor(r() * xs.length)]!;
  if (typeof v === 'number' && spec.free?.includes(path[0] as number)) {
    setPath(c, path, pick([-1, 0, 1.5, NaN, v + 3]));
    return c;
  }
  let next: unknown;
  if (ArrayBuffer.isView(v)) {
    const a = v as Arr;
    next = pick<unknown>([
      resized(a, a.length - 1),
      resized(a, a.length + 1),
      resized(a, 0),
      a instanceof Float64Array ? Float32Array.from(a) : Float64Array.from(a),
      Array.from(a),
      null,
      a instanceof Int32Array ? Int32Array.from(a, (x, i) => (i === 0 ? pick([-1, 2147483647, 99]) : x)) : a,
    ]);
  } else if (Array.isArray(v)) {
    next = r() < 0.5 ? [...v, pick([1, 2, 3])] : v.slice(0, -1);
  } else if (typeof v === 'number') {
    next = r() < 0.5 ? v + pick([-1, 1]) : pick(WEIRD);
  } else if (typeof v === 'boolean') {
    next = pick<unknown>([1, 'yes', null]);
  } else {
    next = pick<unknown>([f64(3), 0, undefined]);
  }
  if (path.length === 0) return pick<Call>([[], [null], c.slice(0, -1)]);
  setPath(c, path, next);
  return c;
}

// ---- the targets ----

/** gather takes the indices' shape too (both addons share one glue: native/napi/glue.h). */
function withIndexShape(spec: string, call: Call): Call {
  return spec === 'gather' && ArrayBuffer.isView(call[2]) ? [...call, [(call[2] as Arr).length]] : call;
}

function nativeTarget(): Target | string {
  try {
    const addon = loadAddon() as unknown as Target['addon'];
    return { name: 'native', addon, prefix: /^rnn native: /, adapt: withIndexShape, settle: () => {} };
  } catch (err) {
    return (err as Error).message;
  }
}

function cudaTarget(which: 'gpu' | 'emulation'): Target | string {
  const t = cudaTargets().find((x) => x.name === which)!;
  if (!t.addon) return t.why;
  const addon = t.addon as unknown as Target['addon'];
  const write = (v: unknown, key?: string | number): unknown => {
    if (ArrayBuffer.isView(v)) return key === 'lengths' ? v : addon['write']!(v);
    if (Array.isArray(v)) return v.map((x, i) => write(x, i));
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, write(x, k)]));
    return v;
  };
  return {
    name: `cuda-${which}`,
    addon,
    prefix: /^rnn cuda: /,
    adapt: (spec, call) => withIndexShape(spec, call).map((x) => write(x)),
    settle: () => addon['synchronize']!(),
  };
}

const targets: [string, Target | string][] = [
  ['native', nativeTarget()],
  ['cuda emulation', cudaTarget('emulation')],
  ['cuda gpu', cudaTarget('gpu')],
];

for (const [label, t] of targets) {
  if (typeof t === 'string') {
    console.warn(`[backend-native] skipping the shape fuzz on ${label}: ${t}`);
    describe.skip(`addon entry points refuse bad shapes: ${label}`, () => it(`needs the ${label} addon: ${t}`, () => {}));
    continue;
  }
  describe(`addon entry points refuse bad shapes: ${label}`, () => {
    it('every spec is valid as written', () => {
      for (const s of SPECS) expect(attempt(t, s.name, s.make()), s.name).toBe('ok');
    });

    it('a shape-bound array one element short or long, or claimed far larger, is refused', () => {
      for (const s of SPECS) {
        for (const path of s.bound) {
          for (const delta of [-1, 1]) {
            const call = s.make();
            const a = getPath(call, path) as Arr;
            setPath(call, path, resized(a, a.length + delta));
            const code = attempt(t, s.name, call);
            expect(code, `${s.name} with ${path.join('.')} of length ${a.length + delta} instead of ${a.length}`).toMatch(/^E_(SHAPE|VALUE)$/);
          }
        }
        // every dim of every shape argument claimed 2^31-1: far past any buffer passed
        for (const path of leaves(s.make())) {
          const call = s.make();
          const v = getPath(call, path);
          const inShape = path.length >= 2 && Array.isArray(getPath(call, path.slice(0, -1)));
          const isDim = typeof v === 'number' && (inShape || ['batch', 'steps', 'input', 'hidden', 'nodes'].includes(String(path.at(-1))));
          const notShape = (s.name === 'reduce' && path[0] === 3) || (s.name === 'transpose' && path[0] === 2);
          if (!isDim || notShape || s.free?.includes(path[0] as number)) continue;
          setPath(call, path, 2147483647);
          expect(attempt(t, s.name, call), `${s.name} with ${path.join('.')} = 2^31-1`).not.toBe('ok');
        }
      }
    });

    it('index values out of range are refused (gather, scatterAdd, lengths)', () => {
      expect(attempt(t, 'gather', [f64(8), [4, 2], i32([0, 4])])).toBe('E_VALUE');
      expect(attempt(t, 'gather', [f64(8), [4, 2], i32([-1])])).toBe('E_VALUE');
      expect(attempt(t, 'scatterAdd', [i32([4]), [1], f64(2), [1, 2], 4])).toBe('E_VALUE');
      const fwd = SPECS.find((s) => s.name === 'sequenceForward')!.make();
      (fwd[0] as { lengths: Int32Array }).lengths = i32([4, 1]);
      expect(attempt(t, 'sequenceForward', fwd)).toBe('E_VALUE');
    });

    it('3000 seeded random mutations: each call succeeds or throws a coded error, none crashes', () => {
      const r = rng(20261129);
      const tally: Record<string, number> = {};
      for (let i = 0; i < 3000; i++) {
        const s = SPECS[i % SPECS.length]!;
        const code = attempt(t, s.name, mutate(s, s.make(), r));
        tally[code] = (tally[code] ?? 0) + 1;
      }
      console.log(`[shape-fuzz:${t.name}] outcomes of 3000 mutated calls: ${JSON.stringify(tally)}`);
      // most mutations break a call; the fuzzer must be exercising the checks
      expect((tally['ok'] ?? 0) / 3000).toBeLessThan(0.5);
    });
  });
}
