import { normAxis } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { add, exp, sub } from './elementwise.js';
import { matmul } from './matmul.js';
import { logSumExp } from './composite.js';
import { reshape } from './shape-ops.js';

/** `log softmax(x)` along `axis`: `x - logΣexp(x)`, stable. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const a = normAxis('logSoftmax', axis, x.rank);
  return sub(x, logSumExp(x, a, true));
}

export function softmax(x: Tensor, axis = -1): Tensor {
  return exp(logSoftmax(x, axis));
}

/**
 * `x W^T + b` on the last axis of `x` (any rank ≥ 1), PyTorch `nn.Linear` layout: `weight`
 * `[out, in]`, `bias` `[out]`.
 */
export function linear(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor {
  const lead = x.shape.slice(0, -1);
  const x2 = x.rank === 2 ? x : reshape(x, [-1, x.shape[x.rank - 1]!]);
  let y = matmul(x2, weight, { transB: true });
  if (bias) y = add(y, bias);
  return x.rank === 2 ? y : reshape(y, [...lead, weight.shape[0]!]);
}
