import { z } from 'zod';
import {
  ConfigError,
  parseOptions,
  schemas,
  ShapeError,
  ValueError,
  abs,
  cast,
  div,
  exp,
  fmt,
  log,
  logSoftmax,
  maximum,
  mean,
  minimum,
  mul,
  neg,
  sub,
  sum,
  square,
  tensor,
  add,
  gather,
  reshape,
  type Tensor,
} from '@rnn/core';

/** A loss maps (prediction, target) to a scalar. Custom losses are plain functions of core ops. */
export type LossFn = (pred: Tensor, target: Tensor) => Tensor;
export const LOSS_NAMES = ['mse', 'mae', 'huber', 'crossentropy', 'categoricalCrossentropy', 'bce', 'bceWithLogits'] as const;
export type LossName = (typeof LOSS_NAMES)[number];

/** A loss by name, a function `(pred, target) => scalar`, or `{ name: 'huber', delta }`. */
export const lossSpec = z.union(
  [
    z.enum(LOSS_NAMES),
    schemas.fn<LossFn>('a function (pred, target) => scalar'),
    z.strictObject({ name: z.literal('huber'), delta: schemas.positiveNumber() }),
  ],
  { error: `a loss: one of ${LOSS_NAMES.join(', ')}, a function (pred, target) => scalar tensor, or { name: 'huber', delta }` },
);
export type LossSpec = z.infer<typeof lossSpec>;

function sameShape(loss: string, pred: Tensor, target: Tensor): void {
  if (pred.rank !== target.rank || pred.shape.some((d, i) => d !== target.shape[i])) {
    throw new ShapeError(
      `${loss}: the target's shape ${fmt(target.shape)} does not match the model output ${fmt(pred.shape)}` +
        (pred.rank === target.rank - 1
          ? ' (the target has a time axis the output lacks: set returnSequences: true on the last recurrent layer, or give one target per sequence)'
          : ''),
    );
  }
}

/** Mean squared error over every element (`nn.MSELoss()`). */
export const mse: LossFn = (pred, target) => {
  sameShape('mse', pred, target);
  return mean(square(sub(pred, cast(target, pred.dtype))));
};

/** Mean absolute error (`nn.L1Loss()`). */
export const mae: LossFn = (pred, target) => {
  sameShape('mae', pred, target);
  return mean(abs(sub(pred, cast(target, pred.dtype))));
};

/** Huber loss (`nn.HuberLoss(delta)`): quadratic within ±delta, linear outside. */
export function huber(delta = 1): LossFn {
  return (pred, target) => {
    sameShape('huber', pred, target);
    const a = abs(sub(pred, cast(target, pred.dtype)));
    const q = minimum(a, delta);
    // 0.5 q² + delta (a - q): equals 0.5 a² inside and delta (a - delta/2) outside
    return mean(add(mul(square(q), 0.5), mul(sub(a, q), delta)));
  };
}

/**
 * Where each class id's log-probability sits in the flattened `[…, classes]` logits: row i's
 * entry `i·classes + id` (the one-hot matrix's nonzeros, without its rows of zeros).
 */
function classPicks(ids: Tensor, classes: number, what: string): Int32Array {
  const d = ids.data();
  const picks = new Int32Array(d.length);
  for (let i = 0; i < d.length; i++) {
    const c = d[i]!;
    if (!Number.isInteger(c) || c < 0 || c >= classes) {
      throw new ValueError(`${what}: class id ${c} at flat index ${i} is outside 0..${classes - 1} (the model has ${classes} outputs)`);
    }
    picks[i] = i * classes + c;
  }
  return picks;
}

/**
 * Cross-entropy from logits with integer class ids (`nn.CrossEntropyLoss()`): the mean over every
 * position of `-log softmax(logits)[y]`; on `[B, T, C]` logits, per time step. The targets'
 * log-probabilities are gathered rather than multiplied by a one-hot matrix: the same gradient
 * (-1/n at each target, 0 elsewhere), without a `[B·T, C]` one-hot matrix built on the host and
 * two more passes over it every step.
 */
export const crossEntropy: LossFn = (logits, target) => {
  const lead = logits.shape.slice(0, -1);
  if (target.rank !== lead.length || target.shape.some((d, i) => d !== lead[i])) {
    throw new ShapeError(
      `crossentropy: targets must be class ids of shape ${fmt(lead)} for logits ${fmt(logits.shape)}, found ${fmt(target.shape)}`,
    );
  }
  const C = logits.shape[logits.rank - 1]!;
  const picks = classPicks(target, C, 'crossentropy');
  const logp = reshape(logSoftmax(logits, -1), [logits.size]);
  const picked = gather(logp, tensor(picks, [picks.length], { dtype: 'int32', backend: logits.backend }));
  return div(neg(sum(picked)), target.size);
};

/** Cross-entropy from logits against class probabilities / one-hot targets of the same shape. */
export const categoricalCrossEntropy: LossFn = (logits, target) => {
  sameShape('categoricalCrossentropy', logits, target);
  const n = logits.size / logits.shape[logits.rank - 1]!;
  return div(neg(sum(mul(logSoftmax(logits, -1), cast(target, logits.dtype)))), n);
};

/** Binary cross-entropy on probabilities (`nn.BCELoss()`, logs clamped at -100 like PyTorch). */
export const bce: LossFn = (p, target) => {
  sameShape('bce', p, target);
  const y = cast(target, p.dtype);
  const lp = maximum(log(p), -100);
  const l1p = maximum(log(sub(1, p)), -100);
  return neg(mean(add(mul(y, lp), mul(sub(1, y), l1p))));
};

/**
 * Binary cross-entropy from logits (`nn.BCEWithLogitsLoss()`), stable:
 * `max(x,0) - x y + log(1 + e^{-|x|})`, with `max(x,0)` written `(x + |x|)/2` so that the gradient
 * at exactly 0 is PyTorch's `σ(0) - y` rather than a one-sided subgradient.
 */
export const bceWithLogits: LossFn = (x, target) => {
  sameShape('bceWithLogits', x, target);
  const y = cast(target, x.dtype);
  const ax = abs(x);
  const pos = mul(add(x, ax), 0.5);
  return mean(add(sub(pos, mul(x, y)), log(add(1, exp(neg(ax))))));
};

export function getLoss(spec: LossSpec, where = 'getLoss'): LossFn {
  const loss = parseOptions(lossSpec, spec, where);
  if (typeof loss === 'function') return loss;
  if (typeof loss === 'object') return huber(loss.delta);
  const table: Record<LossName, LossFn> = {
    mse,
    mae,
    huber: huber(1),
    crossentropy: crossEntropy,
    categoricalCrossentropy: categoricalCrossEntropy,
    bce,
    bceWithLogits,
  };
  const f = table[loss];
  if (!f) throw new ConfigError(`unknown loss '${loss}'; expected one of ${Object.keys(table).join(', ')}, or a function (pred, target) => scalar`);
  return f;
}

