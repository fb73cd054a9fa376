import { maximum, minimum, mul, noGrad, square, sum, type ParameterSet } from '@rnn/core';

/**
 * `torch.nn.utils.clip_grad_norm_` over all parameters (one flat buffer): scale every gradient by
 * min(1, maxNorm / (‖g‖ + 1e-6)). Returns the norm before clipping.
 */
export function clipGradNorm(params: ParameterSet, maxNorm: number): number {
  return noGrad(() => {
    const norm = Math.sqrt(sum(square(params.grads)).item());
    const coef = Math.min(1, maxNorm / (norm + 1e-6));
    if (coef < 1) params.backend.assign(params.grads, mul(params.grads, coef));
    return norm;
  });
}

/** `torch.nn.utils.clip_grad_value_`: clamp every gradient to [-value, value]. */
export function clipGradValue(params: ParameterSet, value: number): void {
  noGrad(() => params.backend.assign(params.grads, maximum(minimum(params.grads, value), -value)));
}

/** The global gradient norm, without clipping. */
export function gradNorm(params: ParameterSet): number {
  return noGrad(() => Math.sqrt(sum(square(params.grads)).item()));
}
