import {
  ConfigError,
  NumericalError,
  Rng,
  ShapeError,
  argmax,
  backward,
  cast,
  eq,
  fmt,
  gather,
  gt,
  mean,
  noGrad,
  sum,
  tensor,
  type Tensor,
} from '@rnn/core';
import { getLoss, type LossFn, type LossName } from '../losses.js';
import { clipGradNorm, clipGradValue, getOptimizer, type Optimizer, type OptimizerSpec } from '../optimizers/index.js';
import { Recurrent } from '../layers/recurrent.js';
import type { Callback, Logs } from './callbacks.js';
import type { Sequential } from './sequential.js';

export type MetricName = 'mae' | 'mse' | 'accuracy';

export interface CompileOptions {
  optimizer: OptimizerSpec;
  loss: LossName | LossFn | { name: 'huber'; delta: number };
  metrics?: MetricName[];
  /** Clip gradients by global norm before each step (`clip_grad_norm_`). */
  clipNorm?: number;
  /** Clip each gradient to ±value before each step (`clip_grad_value_`). */
  clipValue?: number;
}

export interface FitOptions {
  epochs?: number;
  batchSize?: number;
  /** Shuffle rows every epoch (default true). false: consecutive slices in row order. */
  shuffle?: boolean;
  /** Hold out this fraction of rows (the last ones, before shuffling) for validation. */
  validationSplit?: number;
  validationData?: [Tensor, Tensor];
  callbacks?: Callback[];
  /** Seeds shuffling and dropout. */
  seed?: number;
  /** Per-row valid lengths for variable-length sequence batches. */
  lengths?: readonly number[];
  /** Check the loss and gradients for NaN/Inf at every step (default true). */
  checkNumerics?: boolean;
  /** Start counting epochs here (resuming). */
  initialEpoch?: number;
  /**
   * With `initialEpoch`: skip that epoch's first batches (resuming mid-epoch). Its shuffle is drawn
   * again, so the generator must hold its state from the start of that epoch (a callback restores it).
   */
  initialBatch?: number;
}

export interface History {
  epochs: Logs[];
}

export interface Compiled {
  optimizer: Optimizer;
  loss: LossFn;
  lossName: string;
  metrics: MetricName[];
  clipNorm?: number;
  clipValue?: number;
}

export function compile(o: CompileOptions): Compiled {
  const lossName = typeof o.loss === 'string' ? o.loss : typeof o.loss === 'function' ? o.loss.name || 'custom' : 'huber';
  return {
    optimizer: getOptimizer(o.optimizer),
    loss: getLoss(o.loss),
    lossName,
    metrics: o.metrics ?? [],
    clipNorm: o.clipNorm,
    clipValue: o.clipValue,
  };
}

/** Refuse a target that cannot match the model's output, before any training happens. */
export function checkTarget(model: Sequential, x: Tensor, y: Tensor, c: Compiled, what = 'y'): void {
  if (x.shape[0] !== y.shape[0]) {
    throw new ShapeError(`fit: x has ${x.shape[0]} rows but ${what} has ${y.shape[0]} (${fmt(x.shape)} vs ${fmt(y.shape)})`);
  }
  const out = model.outputShapeFor(x);
  const classIds = c.lossName === 'crossentropy';
  const want = classIds ? out.slice(0, -1) : out;
  if (want.length === y.rank && want.every((d, i) => d === y.shape[i])) return;
  let hint = '';
  if (y.rank === want.length + 1 && !classIds) {
    const last = [...model.layers].reverse().find((l) => 'returnSequences' in l);
    hint =
      ` — ${what} has a time axis the output lacks: either set returnSequences: true on the last recurrent layer` +
      `${last ? ` ('${last.name}')` : ''} to predict every step, or give ${what} as ${fmt([y.shape[0]!, ...y.shape.slice(2)])} (one target per sequence)`;
  } else if (y.rank === want.length - 1 && !classIds) {
    hint = ` — the model predicts every time step; give ${what} a time axis, or set returnSequences: false on the last recurrent layer`;
  } else if (classIds) {
    hint = ' — crossentropy takes integer class ids, one per output position';
  }
  throw new ShapeError(
    `fit: ${what} has shape ${fmt(y.shape)} but the model's output is ${fmt(out)}${classIds ? ` (class ids expected: ${fmt(want)})` : ''}${hint}`,
  );
}

function rows(t: Tensor, idx: Int32Array): Tensor {
  return gather(t, tensor(idx, [idx.length], { dtype: 'int32', backend: t.backend }));
}

function computeMetrics(metrics: MetricName[], pred: Tensor, y: Tensor, lossName: string): Record<string, number> {
  const out: Record<string, number> = {};
  noGrad(() => {
    for (const m of metrics) {
      if (m === 'accuracy') {
        if (lossName === 'crossentropy') out[m] = mean(cast(eq(argmax(pred, -1), y), 'float32')).item();
        else if (pred.shape[pred.rank - 1] === 1 || lossName.startsWith('bce')) {
          const thr = lossName === 'bceWithLogits' ? 0 : 0.5;
          out[m] = mean(cast(eq(cast(gt(pred, thr), 'int32'), cast(y, 'int32')), 'float32')).item();
        } else out[m] = mean(cast(eq(argmax(pred, -1), argmax(cast(y, pred.dtype), -1)), 'float32')).item();
      } else {
        const fn = getLoss(m);
        out[m] = fn(pred, y).item();
      }
    }
  });
  return out;
}

/** Loss and metrics over a whole dataset, in batches, without gradients. */
export function evaluate(model: Sequential, c: Compiled, x: Tensor, y: Tensor, batchSize = 256, lengths?: readonly number[]): Record<string, number> {
  checkTarget(model, x, y, c);
  const n = x.shape[0]!;
  let lossSum = 0;
  const metricSums: Record<string, number> = {};
  noGrad(() => {
    for (let i = 0; i < n; i += batchSize) {
      const idx = Int32Array.from({ length: Math.min(batchSize, n - i) }, (_, k) => i + k);
      const xb = rows(x, idx);
      const yb = rows(y, idx);
      const pred = model.forward(xb, { lengths: lengths ? Array.from(idx, (k) => lengths[k]!) : null });
      lossSum += c.loss(pred, yb).item() * idx.length;
      for (const [k, v] of Object.entries(computeMetrics(c.metrics, pred, yb, c.lossName))) metricSums[k] = (metricSums[k] ?? 0) + v * idx.length;
    }
  });
  const out: Record<string, number> = { loss: lossSum / n };
  for (const [k, v] of Object.entries(metricSums)) out[k] = v / n;
  return out;
}

/** One optimizer step on one mini-batch; returns the loss before the step. */
export function trainStep(model: Sequential, c: Compiled, xb: Tensor, yb: Tensor, ctx: { rng: Rng; lengths: readonly number[] | null; where: string; check: boolean }): number {
  const params = model.params!;
  params.zeroGrad();
  const pred = model.forward(xb, { training: true, lengths: ctx.lengths, rng: ctx.rng });
  const loss = c.loss(pred, yb);
  const value = loss.item();
  if (ctx.check && !Number.isFinite(value)) throw numericalError(model, c, `the loss is ${value}`, ctx.where, { x: xb, y: yb });
  backward(loss);
  if (ctx.check) {
    const g = noGrad(() => sum(params.grads).item());
    if (!Number.isFinite(g)) throw numericalError(model, c, 'a gradient is not finite', ctx.where);
  }
  if (c.clipValue !== undefined) clipGradValue(params, c.clipValue);
  if (c.clipNorm !== undefined) clipGradNorm(params, c.clipNorm);
  c.optimizer.step(params);
  if (ctx.check && !Number.isFinite(noGrad(() => sum(params.values).item()))) {
    // Caught here, not at the next step: otherwise the epoch could end and a checkpoint callback
    // overwrite the last good model file with these weights (or fit return them). The sum can
    // overflow with huge but finite weights, so only an element that is not finite counts.
    const culprit = findCulprit(model);
    if (culprit) throw numericalError(model, c, 'the optimizer step made a parameter non-finite', ctx.where);
  }
  return value;
}

const GATE_NAMES: Record<string, string[]> = {
  lstm: ['i (input)', 'f (forget)', 'g (cell)', 'o (output)'],
  gru: ['r (reset)', 'z (update)', 'n (new)'],
};

/** Where element `k` of parameter `name` sits: its layer, and for recurrent weights the gate and unit. */
function describeParam(model: Sequential, name: string, k: number, shape: readonly number[]): string {
  const layer = model.layers.find((l) => name.startsWith(`${l.name}.`));
  if (!layer) return '';
  const m = /\.(?:weight|bias)_(?:ih|hh)_l(\d+)(_reverse)?$/.exec(name);
  const mode = layer instanceof Recurrent ? layer.cell.kernel : undefined;
  if (!m || mode === undefined) return ` (layer '${layer.name}')`;
  const H = (layer as Recurrent).hiddenSize;
  const row = shape.length === 2 ? Math.floor(k / shape[1]!) : k;
  const gates = GATE_NAMES[mode];
  const parts = [`layer '${layer.name}'`];
  if (gates) parts.push(`gate ${gates[Math.floor(row / H)]}`);
  parts.push(`hidden unit ${row % H}`);
  if ((layer as Recurrent).numLayers > 1) parts.push(`stacked layer ${m[1]}`);
  if (m[2]) parts.push('reverse direction');
  return ` (${parts.join(', ')})`;
}

/** The first parameter holding a non-finite value, else the first non-finite gradient; '' if none. */
function findCulprit(model: Sequential): string {
  const params = model.params!;
  const grads = params.grads.data();
  const values = params.values.data();
  for (const [i, t] of params.tensors.entries()) {
    const off = params.offsets[i]!;
    for (let k = 0; k < t.size; k++) {
      if (!Number.isFinite(values[off + k]!)) {
        return `; parameter '${t.name}'${describeParam(model, t.name!, k, t.shape)} holds ${values[off + k]} at element ${k}`;
      }
      if (!Number.isFinite(grads[off + k]!)) {
        return `; the first non-finite gradient is in '${t.name}'${describeParam(model, t.name!, k, t.shape)} (element ${k}: ${grads[off + k]})`;
      }
    }
  }
  return '';
}

/** A non-finite value in the batch itself (no amount of clipping helps then); '' if none. */
function findInBatch(batch: { x: Tensor; y: Tensor }): string {
  for (const [label, t] of [['x', batch.x], ['y', batch.y]] as const) {
    if (t.dtype === 'int32' || t.size === 0) continue;
    const d = t.data();
    for (let i = 0; i < d.length; i++) {
      if (!Number.isFinite(d[i]!)) {
        const row = Math.floor(i / (t.size / t.shape[0]!));
        return `; the batch's ${label} holds ${d[i]} in its row ${row} (flat index ${i}): the data is not finite, so clean it first`;
      }
    }
  }
  return '';
}

/** The parameter element of largest magnitude: what exploded when everything is still finite. */
function largestParam(model: Sequential): string {
  const params = model.params!;
  const values = params.values.data();
  let best = -1;
  for (let k = 0; k < values.length; k++) if (best < 0 || Math.abs(values[k]!) > Math.abs(values[best]!)) best = k;
  if (best < 0) return '';
  let i = 0;
  while (i + 1 < params.tensors.length && params.offsets[i + 1]! <= best) i++;
  const t = params.tensors[i]!;
  const k = best - params.offsets[i]!;
  return `; the largest weight is parameter '${t.name}'${describeParam(model, t.name!, k, t.shape)} element ${k} = ${values[best]!.toExponential(2)}`;
}

function numericalError(model: Sequential, c: Compiled, what: string, where: string, batch?: { x: Tensor; y: Tensor }): NumericalError {
  let culprit = findCulprit(model);
  const inData = culprit === '' && batch ? findInBatch(batch) : '';
  if (culprit === '' && inData === '') culprit = largestParam(model);
  const hint = inData
    ? ''
    : c.clipNorm === undefined && c.clipValue === undefined
      ? ' Gradients are not clipped: try clipNorm (CLI: --clip-norm 1.0) or a lower learning rate.'
      : ' Try a lower learning rate.';
  return new NumericalError(`training diverged at ${where}: ${what}${culprit}${inData}.${hint}`);
}

/** Keras-style training loop. Async: yields to the event loop between batches. */
export async function fit(model: Sequential, c: Compiled, x: Tensor, y: Tensor, o: FitOptions = {}): Promise<History> {
  const epochs = o.epochs ?? 1;
  const batchSize = o.batchSize ?? 32;
  if (!Number.isInteger(epochs) || epochs < 1) throw new ConfigError(`fit: epochs must be a positive integer, found ${o.epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new ConfigError(`fit: batchSize must be a positive integer, found ${o.batchSize}`);
  if (!model.built) model.build({ inputSize: x.shape[x.rank - 1], seed: o.seed });
  model.checkInput(x, 'fit: x');
  checkTarget(model, x, y, c);
  let n = x.shape[0]!;
  let val = o.validationData;
  let lengths = o.lengths;
  let valLengths: readonly number[] | undefined;
  if (o.validationSplit) {
    if (!(o.validationSplit > 0 && o.validationSplit < 1)) throw new ConfigError(`fit: validationSplit must be in (0, 1), found ${o.validationSplit}`);
    const nVal = Math.max(1, Math.floor(n * o.validationSplit));
    const tr = Int32Array.from({ length: n - nVal }, (_, i) => i);
    const va = Int32Array.from({ length: nVal }, (_, i) => n - nVal + i);
    val = [rows(x, va), rows(y, va)];
    if (lengths) valLengths = lengths.slice(n - nVal);
    x = rows(x, tr);
    y = rows(y, tr);
    if (lengths) lengths = lengths.slice(0, n - nVal);
    n -= nVal;
  }
  if (val) {
    model.checkInput(val[0], 'fit: validation x');
    checkTarget(model, val[0], val[1], c, 'validation y');
  }
  const rng = new Rng(o.seed ?? 0);
  const callbacks = o.callbacks ?? [];
  const history: History = { epochs: [] };
  const batches = Math.ceil(n / batchSize);
  const start = o.initialEpoch ?? 0;
  for (const cb of callbacks) await cb.onTrainBegin?.({ model, compiled: c, epochs, batches, rng });
  let stop = false;
  for (let epoch = start; epoch < epochs && !stop; epoch++) {
    for (const cb of callbacks) await cb.onEpochBegin?.(epoch);
    const order = o.shuffle === false ? Int32Array.from({ length: n }, (_, i) => i) : rng.permutation(n);
    let lossSum = 0;
    let seen = 0;
    const t0 = performance.now();
    for (let b = epoch === start ? (o.initialBatch ?? 0) : 0; b < batches; b++) {
      for (const cb of callbacks) if ((await cb.onBatchBegin?.(b, epoch)) === 'stop') stop = true;
      if (stop) break;
      const idx = order.subarray(b * batchSize, Math.min(n, (b + 1) * batchSize));
      const loss = trainStep(model, c, rows(x, idx), rows(y, idx), {
        rng,
        lengths: lengths ? Array.from(idx, (k) => lengths![k]!) : null,
        where: `epoch ${epoch + 1}, batch ${b + 1}`,
        check: o.checkNumerics ?? true,
      });
      lossSum += loss * idx.length;
      seen += idx.length;
      for (const cb of callbacks) await cb.onBatchEnd?.(b, { loss, batch: b, epoch, size: idx.length });
      // let timers and I/O run between batches, so a server stays responsive during training
      await new Promise<void>((r) => setImmediate(r));
    }
    // an epoch cut short by a callback has no epoch-end logs
    if (stop) break;
    const logs: Logs = { epoch, loss: lossSum / seen, seconds: (performance.now() - t0) / 1000, lr: c.optimizer.lr };
    if (val) {
      const v = evaluate(model, c, val[0], val[1], 256, valLengths);
      for (const [k, value] of Object.entries(v)) logs[`val_${k}`] = value;
    }
    history.epochs.push(logs);
    for (const cb of callbacks) if ((await cb.onEpochEnd?.(epoch, logs)) === 'stop') stop = true;
  }
  for (const cb of callbacks) await cb.onTrainEnd?.(history);
  return history;
}
