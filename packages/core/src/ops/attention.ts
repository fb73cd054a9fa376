import { z } from 'zod';
import { arrayFor } from '../dtype.js';
import { ConfigError, DTypeError, ShapeError } from '../errors.js';
import { parseOptions } from '../options/parse.js';
import { bool, lengthsSchema, tensorSchema } from '../options/schemas.js';
import { fmt } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { tensor } from './creation.js';
import { add, tanh } from './elementwise.js';
import { matmul } from './matmul.js';
import { softmax } from './nn.js';
import { expandDims, reshape } from './shape-ops.js';
import { backendOf, requireFloat } from './util.js';

/**
 * `attention`: one attention step of an encoder–decoder, batched over rows and query steps.
 *
 *   dot       score[b,i,j] = q[b,i] · k[b,j]                 (Luong; "general" = caller passes q W)
 *   additive  score[b,i,j] = v · tanh(q[b,i] + k[b,j])       (Bahdanau; q, k already projected)
 *   weights[b,i,:] = softmax over j < lengths[b] of score[b,i,:], exactly 0 for j ≥ lengths[b]
 *   context[b,i]   = Σ_j weights[b,i,j] values[b,j]
 *
 * The composed path below is built from primitive ops, so autodiff differentiates it and it is the
 * reference every fused kernel is checked against (STYLE.md habit 1).
 */
const attentionArgs = z.strictObject({
  /** `[B, Tq, D]`; Tq = 1 when decoding one step. */
  query: tensorSchema(),
  /** `[B, Ts, D]` */
  keys: tensorSchema(),
  /** `[B, Ts, Dv]` */
  values: tensorSchema(),
  /** Valid source steps per row, each in 1..Ts; steps past it get weight exactly 0. */
  lengths: lengthsSchema().nullish(),
  score: z.enum(['dot', 'additive'], { error: "'dot' or 'additive'" }),
  /** `[D]`, the additive score's output vector (additive only). */
  v: tensorSchema().nullish(),
});

const attentionOptions = z.strictObject({
  /** Use the backend's fused kernel when it has one (default true); false forces the composed ops. */
  fused: bool().optional(),
});

export type AttentionArgs = z.infer<typeof attentionArgs>;
export type AttentionOptions = z.infer<typeof attentionOptions>;

export interface AttentionResult {
  /** `[B, Tq, Dv]` */
  context: Tensor;
  /** `[B, Tq, Ts]`, each row summing to 1 over its valid steps, 0 past them. */
  weights: Tensor;
}

/** What `check` derived from valid arguments. */
export interface AttentionShape {
  B: number;
  Tq: number;
  Ts: number;
  D: number;
  Dv: number;
  /** null when every row uses all Ts steps. */
  lengths: Int32Array | null;
}

/** Shapes, dtypes, lengths and `v` against the score, with the messages users see. */
export function checkAttention(args: AttentionArgs): AttentionShape {
  const { query, keys, values } = args;
  const op = `attention(${args.score})`;
  const named: [Tensor, string][] = [
    [query, 'query'],
    [keys, 'keys'],
    [values, 'values'],
  ];
  if (args.v) named.push([args.v, 'v']);
  for (const [t, what] of named) {
    requireFloat(op, t, what);
    if (t.dtype !== query.dtype) throw new DTypeError(`${op}: ${what} is ${t.describe()} but query is ${query.describe()}; cast it to ${query.dtype} with cast() first`);
  }
  const layouts: [Tensor, string, string][] = [
    [query, 'query', '[batch, query steps, features]'],
    [keys, 'keys', '[batch, source steps, features]'],
    [values, 'values', '[batch, source steps, value features]'],
  ];
  for (const [t, what, layout] of layouts) {
    if (t.rank !== 3) throw new ShapeError(`${op}: ${what} must be ${layout}, found ${t.describe()}`);
  }
  const [B, Tq, D] = query.shape as [number, number, number];
  const [Ts, Dv] = [keys.shape[1]!, values.shape[2]!];
  const expect = (t: Tensor, shape: readonly number[], what: string) => {
    if (t.rank !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
      throw new ShapeError(`${op}: ${what} must have shape ${fmt(shape)}, found ${t.describe()}`);
    }
  };
  expect(keys, [B, Ts, D], `keys (batch and features as query ${query.describe()})`);
  expect(values, [B, Ts, Dv], `values (batch and source steps as keys ${keys.describe()})`);
  if (Ts < 1) throw new ShapeError(`${op}: keys has no source steps (${keys.describe()}); attention needs at least one`);
  if (args.score === 'additive') {
    if (!args.v) throw new ConfigError(`${op}: the additive score needs v, a [${D}] tensor (score = v · tanh(q + k)); pass { v }`);
    expect(args.v, [D], 'v (one weight per feature of query and keys)');
  } else if (args.v) {
    throw new ConfigError(`${op}: v is only used by the additive score, found v ${args.v.describe()}; drop it or pass score: 'additive'`);
  }
  let lengths: Int32Array | null = null;
  if (args.lengths) {
    if (args.lengths.length !== B) throw new ShapeError(`${op}: lengths has ${args.lengths.length} entries, expected one per batch row (${B})`);
    lengths = Int32Array.from(args.lengths);
    for (let b = 0; b < B; b++) {
      const l = args.lengths[b]!;
      if (!Number.isInteger(l) || l < 1 || l > Ts) {
        throw new ShapeError(`${op}: lengths[${b}] = ${l}, expected an integer in 1..${Ts} (the source steps of keys)`);
      }
    }
    if (lengths.every((l) => l === Ts)) lengths = null;
  }
  backendOf(op, ...named.map((n) => n[0]));
  return { B, Tq, Ts, D, Dv, lengths };
}

/** Attention over a batch of source sequences (fused when the backend can). */
export function attention(args: AttentionArgs, options: AttentionOptions = {}): AttentionResult {
  parseOptions(attentionArgs, args, 'attention');
  parseOptions(attentionOptions, options, 'attention options');
  const s = checkAttention(args);
  return attentionComposed(args, s);
}

/** The scores `[B, Tq, Ts]` before masking. */
function scores(args: AttentionArgs, s: AttentionShape): Tensor {
  if (args.score === 'dot') return matmul(args.query, args.keys, { transB: true });
  // q + k broadcast to [B, Tq, Ts, D], then one matmul with v over the flattened rows
  const t = tanh(add(expandDims(args.query, 2), expandDims(args.keys, 1)));
  const e = matmul(reshape(t, [-1, s.D]), reshape(args.v!, [s.D, 1]));
  return reshape(e, [s.B, s.Tq, s.Ts]);
}

/**
 * The composed reference. Padded steps get a score of -Infinity before the softmax, so their
 * weight is exp(-Inf) = exactly 0 and no gradient reaches them (adding a large negative number
 * instead would leave a tiny weight, and a different one per dtype).
 */
export function attentionComposed(args: AttentionArgs, s: AttentionShape = checkAttention(args)): AttentionResult {
  let e = scores(args, s);
  if (s.lengths) {
    const bias = arrayFor(args.query.dtype, s.B * s.Ts);
    for (let b = 0; b < s.B; b++) bias.fill(-Infinity, b * s.Ts + s.lengths[b]!, (b + 1) * s.Ts);
    e = add(e, tensor(bias, [s.B, 1, s.Ts], { dtype: args.query.dtype, backend: args.query.backend }));
  }
  const weights = softmax(e, -1);
  const context = matmul(weights, args.values);
  return { context, weights };
}
