import { GATES, type FusedCell } from '../backend.js';
import { initialise, type InitName } from '../init.js';
import { zeros } from '../ops/creation.js';
import type { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';
import type { Cell, CellParameter, CellParams } from './cell.js';

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

/**
 * What the built-in cells share: PyTorch's parameter layout for their fused `kernel`, and a zero
 * carry of `carryEntries` `[batch, H]` tensors. Each subclass is its `step`.
 */
export abstract class PytorchLayoutCell implements Cell {
  abstract readonly kind: string;

  constructor(
    readonly hiddenSize: number,
    readonly kernel: FusedCell,
    private readonly carryEntries: number,
  ) {}

  parameters(inputSize: number, init: InitName, rng: Rng): CellParameter[] {
    return pytorchParameters(this.kernel, this.hiddenSize, inputSize, init, rng);
  }

  initCarry(batch: number, like: Tensor): Tensor[] {
    return Array.from({ length: this.carryEntries }, () => zeros([batch, this.hiddenSize], { dtype: like.dtype, backend: like.backend }));
  }

  carryShapes(batch: number): number[][] {
    return Array.from({ length: this.carryEntries }, () => [batch, this.hiddenSize]);
  }

  abstract step(params: CellParams, carry: Tensor[], x: Tensor): [Tensor[], Tensor];
}
