import { z } from 'zod';
import { parseOptions } from '../options/parse.js';
import { bool, lengthsSchema, tensorSchema } from '../options/schemas.js';
import { DTypeError, ShapeError, ValueError } from '../errors.js';
import { fmt } from '../shape.js';
import { isGradEnabled, needsGrad, recordFused, wrap } from '../engine.js';
import type { CrfNllKernelArgs } from '../backend.js';
import type { Tensor } from '../tensor.js';
import { tensor } from './creation.js';
import { add, sub } from './elementwise.js';
import { logSumExp } from './composite.js';
import { sum } from './reduce.js';
import { concat, gather, reshape, split, where } from './shape-ops.js';
import { backendOf, requireFloat } from './util.js';

/**
 * Linear-chain CRF (Lafferty et al. 2001; the BiLSTM-CRF of Huang et al. 2015, Lample et al. 2016)
 * over `K` tags, with pytorch-crf's conventions. For one sentence of length `L`, tags `y`:
 *
 *   score(y) = start[y0] + Σ_{t<L} e[t, y_t] + Σ_{0<t<L} trans[y_{t-1}, y_t] + end[y_{L-1}]
 *   log Z    = log Σ_y exp score(y)      (forward algorithm, in log space)
 *   nll      = log Z − score(gold)
 *
 * Steps past a row's length are padding: they change neither the score nor the partition.
 * `transitions[i][j]` scores moving from tag i to tag j.
 */
const int32ArrayOrTensor = z.custom<Int32Array | Tensor>(
  (v) => v instanceof Int32Array || (typeof v === 'object' && v !== null && typeof (v as Tensor).data === 'function' && Array.isArray((v as Tensor).shape)),
  { error: 'an Int32Array [batch*time] or an int32 Tensor [batch, time]' },
);

const crfCommon = {
  /** `[B, T, K]` per-step tag scores. */
  emissions: tensorSchema(),
  /** Valid steps per row, each in 1..T. */
  lengths: lengthsSchema(),
  /** `[K, K]`: `transitions[i][j]` scores tag i followed by tag j. */
  transitions: tensorSchema(),
  /** `[K]` score of starting on each tag. */
  start: tensorSchema(),
  /** `[K]` score of ending on each tag. */
  end: tensorSchema(),
};

const crfNllArgs = z.strictObject({
  ...crfCommon,
  /** Gold tags, row-major `[B*T]` (values at padded steps are ignored). */
  tags: int32ArrayOrTensor,
});
const crfDecodeArgs = z.strictObject(crfCommon);
const crfOptions = z.strictObject({
  /** Use the backend's fused CRF kernel when it has one (default true); false forces the composed ops. */
  fused: bool().optional(),
});

export type CrfNllArgs = z.infer<typeof crfNllArgs>;
export type CrfDecodeArgs = z.infer<typeof crfDecodeArgs>;
export type CrfOptions = z.infer<typeof crfOptions>;

export interface CrfDecodeResult {
  /** Best tag path of each row, `lengths[b]` long. */
  tags: number[][];
  /** Score of each best path (`score(y)` above, not normalised). */
  scores: number[];
}

/** Checked CRF arguments: sizes and the lengths/tags as plain int arrays. */
export interface CrfChecked {
  B: number;
  T: number;
  K: number;
  lengths: Int32Array;
  /** `[B*T]`, only for `crfNll`. */
  tags: Int32Array | null;
}

/** @internal the one place a user's CRF arguments are checked (sizes, dtypes, ranges). */
export function checkCrf(op: string, a: CrfDecodeArgs & { tags?: Int32Array | Tensor }): CrfChecked {
  const e = a.emissions;
  requireFloat(op, e, 'emissions');
  if (e.rank !== 3) throw new ShapeError(`${op}: emissions must be [batch, time, tags], found ${e.describe()}`);
  const [B, T, K] = e.shape as [number, number, number];
  if (T < 1 || K < 1) throw new ShapeError(`${op}: emissions ${e.describe()} needs at least one step and one tag`);
  const want: [Tensor, number[], string][] = [
    [a.transitions, [K, K], 'transitions'],
    [a.start, [K], 'start'],
    [a.end, [K], 'end'],
  ];
  for (const [t, shape, what] of want) {
    if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new ShapeError(`${op}: ${what} must have shape ${fmt(shape)} for ${K} tags (the last axis of emissions), found ${t.describe()}`);
    }
    if (t.dtype !== e.dtype) {
      throw new DTypeError(`${op}: ${what} is ${t.describe()} but emissions is ${e.describe()}; cast it to ${e.dtype} with cast() first`);
    }
  }
  backendOf(op, e, a.transitions, a.start, a.end);
  if (a.lengths.length !== B) {
    throw new ShapeError(`${op}: lengths has ${a.lengths.length} entries, expected one per batch row (${B})`);
  }
  const lengths = Int32Array.from(a.lengths);
  for (let b = 0; b < B; b++) {
    const l = a.lengths[b]!;
    if (!Number.isInteger(l) || l < 1 || l > T) {
      throw new ShapeError(`${op}: lengths[${b}] = ${l}, expected an integer in 1..${T} (the time axis of emissions)`);
    }
  }
  let tags: Int32Array | null = null;
  if (a.tags !== undefined) {
    if (a.tags instanceof Int32Array) {
      if (a.tags.length !== B * T) {
        throw new ShapeError(`${op}: tags has ${a.tags.length} entries, expected batch*time = ${B}*${T} = ${B * T} (row-major, like emissions)`);
      }
      tags = a.tags;
    } else {
      const t = a.tags;
      if (t.dtype !== 'int32') throw new DTypeError(`${op}: tags must be int32, found ${t.describe()}`);
      if (t.rank !== 2 || t.shape[0] !== B || t.shape[1] !== T) {
        throw new ShapeError(`${op}: tags must have shape ${fmt([B, T])} (batch and time of emissions), found ${t.describe()}`);
      }
      tags = t.data() as Int32Array;
    }
    for (let b = 0; b < B; b++) {
      for (let t = 0; t < lengths[b]!; t++) {
        const y = tags[b * T + t]!;
        if (!(y >= 0 && y < K)) {
          throw new ValueError(`${op}: tags[${b}][${t}] = ${y}, expected a tag index in 0..${K - 1} (emissions has ${K} tags)`);
        }
      }
    }
  }
  return { B, T, K, lengths, tags };
}

/**
 * Negative log-likelihood of the gold tags under the CRF, per row: `[B]`. Differentiable in
 * emissions, transitions, start and end.
 */
export function crfNll(args: CrfNllArgs, options: CrfOptions = {}): Tensor {
  parseOptions(crfNllArgs, args, 'crfNll');
  parseOptions(crfOptions, options, 'crfNll options');
  const c = checkCrf('crfNll', args);
  const backend = args.emissions.backend;
  if (options.fused === false || !backend.crfNllForward || !backend.crfNllBackward) return crfNllComposed(args, c);
  const { emissions, transitions, start, end } = args;
  const inputs = [emissions, transitions, start, end];
  const kargs: CrfNllKernelArgs = {
    emissions,
    transitions,
    start,
    end,
    lengths: c.lengths,
    tags: c.tags!,
    training: isGradEnabled() && inputs.some(needsGrad),
  };
  const res = backend.crfNllForward(kargs);
  const nll = wrap(backend, res.nll, [c.B], emissions.dtype);
  recordFused(
    'crfNll',
    inputs,
    [nll],
    ([dnll]) => {
      const r = backend.crfNllBackward!({ ...kargs, forward: res, dnll: dnll! });
      return [r.dEmissions, r.dTransitions, r.dStart, r.dEnd].map((s, i) => wrap(backend, s, inputs[i]!.shape, emissions.dtype));
    },
    () => backend.disposeReserve?.(res.reserve),
  );
  return nll;
}

/** The composed reference: the forward algorithm as core ops, so autodiff gives the gradient. */
export function crfNllComposed(args: CrfNllArgs, checked?: CrfChecked): Tensor {
  const c = checked ?? checkCrf('crfNll', args);
  const { B, T, K, lengths } = c;
  const tags = c.tags!;
  const { emissions: e, transitions, start, end } = args;
  const opts = { dtype: e.dtype, backend: e.backend };

  // the gold path's score by gathering its terms (never multiplying by 0: a forbidden transition of
  // -Infinity elsewhere in the matrix must not turn the sum into NaN); padded steps pick an appended 0
  const emitIdx = new Int32Array(B * T).fill(B * T * K);
  const transIdx = new Int32Array(B * Math.max(T - 1, 1)).fill(K * K);
  const firstIdx = new Int32Array(B);
  const lastIdx = new Int32Array(B);
  const T1 = Math.max(T - 1, 1);
  for (let b = 0; b < B; b++) {
    const L = lengths[b]!;
    for (let t = 0; t < L; t++) {
      const y = tags[b * T + t]!;
      emitIdx[b * T + t] = (b * T + t) * K + y;
      if (t > 0) transIdx[b * T1 + t - 1] = tags[b * T + t - 1]! * K + y;
    }
    firstIdx[b] = tags[b * T]!;
    lastIdx[b] = tags[b * T + L - 1]!;
  }
  const int = (v: Int32Array, shape: number[]) => tensor(v, shape, { dtype: 'int32', backend: e.backend });
  const zero = tensor([[0]], [1, 1], opts);
  const pick = (src: Tensor, n: number, idx: Int32Array, shape: number[]) =>
    sum(gather(concat([reshape(src, [n, 1]), zero], 0), int(idx, shape)), [1, 2]);
  const gold = add(
    add(pick(e, B * T * K, emitIdx, [B, T]), pick(transitions, K * K, transIdx, [B, T1])),
    add(reshape(gather(reshape(start, [K, 1]), int(firstIdx, [B])), [B]), reshape(gather(reshape(end, [K, 1]), int(lastIdx, [B])), [B])),
  );

  // alpha[b, j] = log Σ over paths ending in tag j at step t; rows already finished keep theirs
  const steps = T > 1 ? split(e, new Array<number>(T).fill(1), 1).map((s) => reshape(s, [B, K])) : [reshape(e, [B, K])];
  let alpha = add(start, steps[0]!);
  const trans = reshape(transitions, [1, K, K]);
  for (let t = 1; t < T; t++) {
    const next = logSumExp(add(add(reshape(alpha, [B, K, 1]), trans), reshape(steps[t]!, [B, 1, K])), 1);
    if (lengths.every((l) => l > t)) alpha = next;
    else alpha = where(tensor(Float64Array.from(lengths, (l) => (l > t ? 1 : 0)), [B, 1], opts), next, alpha);
  }
  const logZ = logSumExp(add(alpha, end), 1);
  return sub(logZ, gold);
}

/** Best tag path per row (Viterbi) and its score. No gradient. */
export function crfDecode(args: CrfDecodeArgs, options: CrfOptions = {}): CrfDecodeResult {
  parseOptions(crfDecodeArgs, args, 'crfDecode');
  parseOptions(crfOptions, options, 'crfDecode options');
  const c = checkCrf('crfDecode', args);
  const backend = args.emissions.backend;
  if (options.fused !== false && backend.crfViterbi) {
    const r = backend.crfViterbi({ emissions: args.emissions, transitions: args.transitions, start: args.start, end: args.end, lengths: c.lengths });
    const tags = Array.from(c.lengths, (l, b) => Array.from(r.tags.subarray(b * c.T, b * c.T + l)));
    return { tags, scores: Array.from(r.scores) };
  }
  return viterbiHost(c, args.emissions.data(), args.transitions.data(), args.start.data(), args.end.data());
}

/**
 * @internal Viterbi on host arrays in float64: the reference every backend's kernel is checked
 * against. Ties go to the lowest previous tag (and the lowest final tag), as an argmax does.
 */
export function viterbiHost(
  c: { B: number; T: number; K: number; lengths: ArrayLike<number> },
  e: ArrayLike<number>,
  trans: ArrayLike<number>,
  start: ArrayLike<number>,
  end: ArrayLike<number>,
): CrfDecodeResult {
  const { B, T, K } = c;
  const tags: number[][] = [];
  const scores: number[] = [];
  let score = new Float64Array(K);
  let next = new Float64Array(K);
  const back = new Int32Array(T * K);
  for (let b = 0; b < B; b++) {
    const L = c.lengths[b]!;
    const row = b * T * K;
    for (let j = 0; j < K; j++) score[j] = start[j]! + e[row + j]!;
    for (let t = 1; t < L; t++) {
      for (let j = 0; j < K; j++) {
        let best = -Infinity;
        let arg = 0;
        for (let i = 0; i < K; i++) {
          const v = score[i]! + trans[i * K + j]!;
          if (v > best) {
            best = v;
            arg = i;
          }
        }
        next[j] = best + e[row + t * K + j]!;
        back[t * K + j] = arg;
      }
      [score, next] = [next, score];
    }
    let best = -Infinity;
    let arg = 0;
    for (let j = 0; j < K; j++) {
      const v = score[j]! + end[j]!;
      if (v > best) {
        best = v;
        arg = j;
      }
    }
    const path = new Array<number>(L);
    path[L - 1] = arg;
    for (let t = L - 1; t > 0; t--) path[t - 1] = back[t * K + path[t]!]!;
    tags.push(path);
    scores.push(best);
  }
  return { tags, scores };
}
