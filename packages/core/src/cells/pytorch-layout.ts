import { GATES, type FusedCell } from '../backend.js';
import { initialise, type InitName } from '../init.js';
import { zeros } from '../ops/creation.js';
import type { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';
import type { CellParameter } from './cell.js';

/**
 * The parameters of the built-in cells, in PyTorch's layout (which the fused kernels and the
 * model file share): `weight_ih [G*H, in]`, `weight_hh [G*H, H]`, `bias_ih [G*H]`,
 * `bias_hh [G*H]`, gates stacked in PyTorch's order. `init` 'pytorch' draws everything
 * uniform(±1/√H) in PyTorch's registration order; 'glorot' and 'orthogonal' are Keras' choices
 * for the input and recurrent kernels, with zero biases.
 */
export function pytorchParameters(kernel: FusedCell, H: number, inputSize: number, init: InitName, rng: Rng): CellParameter[] {
  const G = GATES[kernel];
  const u = { kind: 'uniform', bound: 1 / Math.sqrt(H) } as const;
  const wi = init === 'pytorch' ? u : { kind: 'glorot' as const };
  const wh = init === 'orthogonal' ? { kind: 'orthogonal' as const } : init === 'glorot' ? { kind: 'glorot' as const } : u;
  const b = init === 'pytorch' ? u : { kind: 'zeros' as const };
  return [
    { name: 'weight_ih', shape: [G * H, inputSize], init: initialise(wi, [G * H, inputSize], rng) },
    { name: 'weight_hh', shape: [G * H, H], init: initialise(wh, [G * H, H], rng) },
    { name: 'bias_ih', shape: [G * H], init: initialise(b, [G * H], rng) },
    { name: 'bias_hh', shape: [G * H], init: initialise(b, [G * H], rng) },
  ];
}

/** `entries` zero tensors `[batch, H]` on `like`'s backend and dtype. */
export function zeroCarry(entries: number, batch: number, H: number, like: Tensor): Tensor[] {
  return Array.from({ length: entries }, () => zeros([batch, H], { dtype: like.dtype, backend: like.backend }));
}
