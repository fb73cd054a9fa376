import type { Backend } from '../backend.js';
import type { DType } from '../dtype.js';
import { wrap } from '../engine.js';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { sizeOf } from '../shape.js';

/**
 * @internal `full(shape, value)` on a dtype and backend the caller took from a tensor it holds
 * (a scalar operand lifted to its partner's dtype, a gradient's seed): no options check. `full`'s
 * zod check belongs where options enter the API; on these paths it ran several times per op of
 * every training step (issue 22) and kept V8 compiling zod's parser steps into training.
 * Not re-exported from the package.
 */
export function filled(shape: Shape, value: number, dtype: DType, backend: Backend): Tensor {
  return wrap(backend, backend.fill(sizeOf(shape), dtype, value), shape, dtype);
}
