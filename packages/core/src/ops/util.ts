import type { Backend } from '../backend.js';
import { BackendError, DTypeError } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { filled } from './filled.js';

/** The backend shared by every operand; tensors on different backends are refused. */
export function backendOf(op: string, ...ts: Tensor[]): Backend {
  const b = ts[0]!.backend;
  for (const t of ts) {
    if (t.backend !== b) {
      throw new BackendError(
        `${op}: operands live on different backends ('${b.name}' and '${t.backend.name}'); ` +
          `move one with toBackend() first`,
      );
    }
  }
  return b;
}

export function sameDType(op: string, a: Tensor, b: Tensor): void {
  if (a.dtype !== b.dtype) {
    throw new DTypeError(
      `${op}: operands have different dtypes (${a.describe()} and ${b.describe()}); cast one with cast() first`,
    );
  }
}

export function requireFloat(op: string, t: Tensor, arg = 'input'): void {
  if (t.dtype === 'int32') {
    throw new DTypeError(`${op}: ${arg} must be float32 or float64, found ${t.describe()}; cast it with cast() first`);
  }
}

/** A number becomes a scalar tensor matching `like`. */
export function lift(x: Tensor | number, like: Tensor): Tensor {
  return typeof x === 'number' ? filled([], x, like.dtype, like.backend) : x;
}
