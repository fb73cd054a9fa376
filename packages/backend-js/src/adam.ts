import type { AdamStepArgs } from '@rnn/core';
import { floatData, sizeOf } from './layout.js';

/**
 * PyTorch's Adam / AdamW step (torch.optim, single-tensor path), in place on flat buffers:
 *   Adam:  g += wd * p            AdamW: p *= 1 - lr * wd
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *   p -= (lr / (1 - b1^t)) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 */
export function adamStep(args: AdamStepArgs): void {
  const { lr, beta1, beta2, eps, step, weightDecay, decoupled } = args;
  const p = floatData(args.param);
  const g = floatData(args.grad);
  const m = floatData(args.m);
  const v = floatData(args.v);
  const n = sizeOf(args.param.shape);
  const stepSize = lr / (1 - beta1 ** step);
  const bc2Sqrt = Math.sqrt(1 - beta2 ** step);
  const shrink = decoupled ? 1 - lr * weightDecay : 1;
  const l2 = decoupled ? 0 : weightDecay;
  // Each stored value is read back before use, so float32 buffers round where PyTorch's
  // separate in-place ops do.
  for (let i = 0; i < n; i++) {
    if (shrink !== 1) p[i] *= shrink;
    const gi = g[i] + l2 * p[i];
    m[i] = beta1 * m[i] + (1 - beta1) * gi;
    v[i] = beta2 * v[i] + (1 - beta2) * gi * gi;
    p[i] -= stepSize * (m[i] / (Math.sqrt(v[i]) / bc2Sqrt + eps));
  }
}
