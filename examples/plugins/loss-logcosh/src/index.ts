import { ShapeError, abs, add, cast, exp, fmt, log, mean, mul, sub, type Tensor } from '@rnn/core';
import type { LossFn } from '@rnn/layers';

/**
 * Log-cosh loss: the mean over every element of log(cosh(pred − target)). It is ≈ d²/2 for small
 * errors and ≈ |d| − log 2 for large ones, so it behaves like Huber loss but is smooth
 * everywhere (its gradient is tanh(d) / n).
 *
 * Written with @rnn/core ops, so autodiff and every backend come for free. For stability it uses
 * log cosh(d) = |d| + log(1 + e^{−2|d|}) − log 2, which never overflows.
 *
 *   model.compile({ optimizer: 'adam', loss: logCosh });
 */
export const logCosh: LossFn = function logCosh(pred: Tensor, target: Tensor): Tensor {
  if (pred.rank !== target.rank || pred.shape.some((d, i) => d !== target.shape[i])) {
    throw new ShapeError(`logCosh: the target's shape ${fmt(target.shape)} does not match the model output ${fmt(pred.shape)}`);
  }
  const a = abs(sub(pred, cast(target, pred.dtype)));
  return mean(sub(add(a, log(add(exp(mul(a, -2)), 1))), Math.LN2));
};
