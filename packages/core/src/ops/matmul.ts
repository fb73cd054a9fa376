import { record, wrap } from '../engine.js';
import { ShapeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { backendOf, requireFloat, sameDType } from './util.js';

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
}

/**
 * `op(a) @ op(b)`, op transposing the last two axes when asked. Ranks 2 or 3: for rank 3 the batch
 * sizes match, or one side is rank 2 and shared by every batch entry.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  const backend = backendOf('matmul', a, b);
  sameDType('matmul', a, b);
  requireFloat('matmul', a, 'a');
  const shapes = () => `a ${a.describe()}${transA ? ' (transposed)' : ''} and b ${b.describe()}${transB ? ' (transposed)' : ''}`;
  if (a.rank < 2 || a.rank > 3 || b.rank < 2 || b.rank > 3) {
    throw new ShapeError(`matmul: expected rank-2 or rank-3 operands, found ${shapes()}`);
  }
  const [m, k] = transA ? [a.shape[a.rank - 1]!, a.shape[a.rank - 2]!] : [a.shape[a.rank - 2]!, a.shape[a.rank - 1]!];
  const [k2, n] = transB ? [b.shape[b.rank - 1]!, b.shape[b.rank - 2]!] : [b.shape[b.rank - 2]!, b.shape[b.rank - 1]!];
  if (k !== k2) {
    throw new ShapeError(`matmul: inner dimensions differ (${k} vs ${k2}) for ${shapes()}`);
  }
  let batch: number[] = [];
  if (a.rank === 3 && b.rank === 3) {
    if (a.shape[0] !== b.shape[0]) throw new ShapeError(`matmul: batch sizes differ (${a.shape[0]} vs ${b.shape[0]}) for ${shapes()}`);
    batch = [a.shape[0]!];
  } else if (a.rank === 3) batch = [a.shape[0]!];
  else if (b.rank === 3) batch = [b.shape[0]!];
  const shape = [...batch, m, n];
  const y = wrap(backend, backend.matmul(a, b, transA, transB), shape, a.dtype);
  record('matmul', [a, b], [y], { transA, transB });
  return y;
}

