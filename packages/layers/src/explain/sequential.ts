import { ConfigError, Rng, ShapeError, cast, mul, noGrad, sum, tensor, type Tensor } from '@rnn/core';
import { Embedding } from '../layers/embedding.js';
import type { CallContext, LayerTrace } from '../layers/layer.js';
import type { Sequential } from '../model/sequential.js';
import type { ScalarFn } from './attribute.js';

/**
 * A `Sequential` seen by the attribution methods: the continuous input they attribute to (the
 * features of a sequence model, the embedding vectors of a text model: a token's attribution is
 * then the sum over its vector), and `f`, the model from that input to one chosen output number.
 */
export interface SequentialView {
  /** The input attributions are computed for: `[B, T, F]`. */
  input: Tensor;
  /** Whether `input` is embedding vectors of token ids (sum over the last axis for per-token scores). */
  embedded: boolean;
  /** The model's output `[B, O]` or `[B, T, O]`. */
  output: Tensor;
  /** f over stacked copies of `input`. */
  f: ScalarFn;
  /** Output column attributed per row, and (per-step outputs) the step. */
  target: number[];
  step: number[] | null;
}

export interface ViewOptions {
  lengths?: readonly number[] | null;
  /** Output column per row (or one for all); default: the largest output for more than one column, else 0. */
  target?: number | readonly number[];
  /** For a model with per-step outputs: the step per row; default each row's last valid step. */
  step?: number | readonly number[];
}

function contextOf(model: Sequential, lengths: readonly number[] | null, record?: (t: LayerTrace) => void): CallContext {
  const params = model.params;
  if (!params) throw new ConfigError('explain: the model is not built; load a trained model file');
  return { training: false, lengths, rng: new Rng(0), param: (n) => params.get(n), ...(record ? { record } : {}) };
}

/** Runs the layers after the embedding (if any) on `h`. */
function rest(model: Sequential, h: Tensor, lengths: readonly number[] | null, record?: (t: LayerTrace) => void): Tensor {
  const ctx = contextOf(model, lengths, record);
  const layers = model.layers[0] instanceof Embedding ? model.layers.slice(1) : model.layers;
  for (const l of layers) h = l.call(h, ctx);
  return h;
}

/** The model's input as attributions see it: embedding vectors for token ids, else the features. */
export function continuousInput(model: Sequential, x: Tensor): { input: Tensor; embedded: boolean } {
  const params = model.params;
  if (!params) throw new ConfigError('explain: the model is not built; load a trained model file');
  const first = model.layers[0]!;
  if (first instanceof Embedding) {
    if (x.rank !== 2) throw new ShapeError(`explain: a text model reads [batch, time] token ids, found ${x.describe()}`);
    return { input: noGrad(() => first.call(cast(x, 'int32'), contextOf(model, null))), embedded: true };
  }
  model.checkInput(x);
  const dt = params.values.dtype;
  return { input: x.dtype === dt ? x : noGrad(() => cast(x, dt)), embedded: false };
}

function perRow(v: number | readonly number[] | undefined, B: number, what: string): number[] | null {
  if (v === undefined) return null;
  if (typeof v === 'number') return new Array<number>(B).fill(v);
  if (v.length !== B) throw new ShapeError(`explain: ${what} has ${v.length} entries, expected one per row (${B})`);
  return [...v];
}

export function sequentialView(model: Sequential, x: Tensor, options: ViewOptions = {}): SequentialView {
  const { input, embedded } = continuousInput(model, x);
  const [B, T] = input.shape as [number, number];
  const lengths = options.lengths ?? null;
  const output = noGrad(() => rest(model, input, lengths));
  const perStep = output.rank === 3;
  const O = output.shape[output.rank - 1]!;
  const step = perStep ? (perRow(options.step, B, 'step') ?? Array.from({ length: B }, (_, b) => (lengths ? lengths[b]! : T) - 1)) : null;
  if (!perStep && options.step !== undefined) throw new ConfigError('explain: step is for models with an output per step; this model has one output per sequence');
  step?.forEach((s, b) => {
    if (!Number.isInteger(s) || s < 0 || s >= T) throw new ShapeError(`explain: step ${s} for row ${b} is outside 0..${T - 1}`);
  });
  const out = output.data();
  const target =
    perRow(options.target, B, 'target') ??
    Array.from({ length: B }, (_, b) => {
      if (O === 1) return 0;
      const o = perStep ? (b * T + step![b]!) * O : b * O;
      let best = 0;
      for (let j = 1; j < O; j++) if (out[o + j]! > out[o + best]!) best = j;
      return best;
    });
  target.forEach((t, b) => {
    if (!Number.isInteger(t) || t < 0 || t >= O) throw new ShapeError(`explain: target ${t} for row ${b} is outside the model's ${O} outputs (0..${O - 1})`);
  });
  const f: ScalarFn = (h, rows) => {
    const y = rest(model, h, lengths ? rows.map((r) => lengths[r]!) : null);
    // one-hot selector of each row's target (and step): the output number as a differentiable sum
    const sel = new Float64Array(y.size);
    rows.forEach((r, i) => (sel[perStep ? (i * T + step![r]!) * O + target[r]! : i * O + target[r]!] = 1));
    const m = tensor(sel, y.shape, { dtype: y.dtype, backend: y.backend });
    return sum(mul(y, m), perStep ? [1, 2] : [1]);
  };
  return { input, embedded, output, f, target, step };
}

/** Runs the model once with recording on: every recurrent layer direction's trace, and the output. */
export function recordSequential(model: Sequential, x: Tensor, lengths: readonly number[] | null = null): { traces: LayerTrace[]; output: Tensor } {
  const { input } = continuousInput(model, x);
  const traces: LayerTrace[] = [];
  const output = noGrad(() => rest(model, input, lengths, (t) => traces.push(t)));
  return { traces, output };
}
