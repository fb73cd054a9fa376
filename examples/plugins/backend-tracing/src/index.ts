import {
  hasBackend,
  registerBackend,
  type Backend,
  type BackendInfo,
  type BinaryOp,
  type BTensor,
  type DType,
  type ReduceOp,
  type Storage,
  type TypedArray,
  type UnaryOp,
} from '@rnn/core';
import { JsBackend } from '@rnn/backend-js';

/**
 * A third-party backend in one file: it forwards every primitive to another backend (the
 * pure-TypeScript one by default) and counts the calls, which is how you would start a profiler
 * or a backend that accelerates a few ops and delegates the rest. It implements only the
 * primitives, so @rnn/core composes RNN layers and Adam from them (the fused kernels are
 * optional).
 */
export class TracingBackend implements Backend {
  readonly name: string = 'tracing';
  readonly dtypes: readonly DType[];
  /** Calls per primitive, e.g. `{ matmul: 12, 'unary:tanh': 40 }`. */
  readonly calls: Record<string, number> = {};

  constructor(private readonly inner: Backend = new JsBackend()) {
    this.dtypes = inner.dtypes;
  }

  private count(key: string): void {
    this.calls[key] = (this.calls[key] ?? 0) + 1;
  }

  info(): BackendInfo {
    return { ...this.inner.info(), tracing: this.inner.name };
  }
  write(data: TypedArray): Storage {
    this.count('write');
    return this.inner.write(data);
  }
  read(x: BTensor): TypedArray {
    this.count('read');
    return this.inner.read(x);
  }
  fill(size: number, dtype: DType, value: number): Storage {
    this.count('fill');
    return this.inner.fill(size, dtype, value);
  }
  view(x: BTensor, offset: number, length: number): Storage {
    this.count('view');
    return this.inner.view(x, offset, length);
  }
  assign(dst: BTensor, src: BTensor): void {
    this.count('assign');
    this.inner.assign(dst, src);
  }
  dispose(storage: Storage): void {
    this.inner.dispose(storage);
  }
  unary(op: UnaryOp, x: BTensor): Storage {
    this.count(`unary:${op}`);
    return this.inner.unary(op, x);
  }
  binary(op: BinaryOp, a: BTensor, b: BTensor, outShape: readonly number[]): Storage {
    this.count(`binary:${op}`);
    return this.inner.binary(op, a, b, outShape);
  }
  reduce(op: ReduceOp, x: BTensor, axes: readonly number[]): Storage {
    this.count(`reduce:${op}`);
    return this.inner.reduce(op, x, axes);
  }
  argmax(x: BTensor, axis: number): Storage {
    this.count('argmax');
    return this.inner.argmax(x, axis);
  }
  matmul(a: BTensor, b: BTensor, transA: boolean, transB: boolean): Storage {
    this.count('matmul');
    return this.inner.matmul(a, b, transA, transB);
  }
  transpose(x: BTensor, perm: readonly number[]): Storage {
    this.count('transpose');
    return this.inner.transpose(x, perm);
  }
  slice(x: BTensor, begin: readonly number[], size: readonly number[]): Storage {
    this.count('slice');
    return this.inner.slice(x, begin, size);
  }
  pad(x: BTensor, before: readonly number[], after: readonly number[]): Storage {
    this.count('pad');
    return this.inner.pad(x, before, after);
  }
  concat(xs: readonly BTensor[], axis: number): Storage {
    this.count('concat');
    return this.inner.concat(xs, axis);
  }
  gather(x: BTensor, indices: BTensor): Storage {
    this.count('gather');
    return this.inner.gather(x, indices);
  }
  scatterAdd(indices: BTensor, updates: BTensor, numRows: number): Storage {
    this.count('scatterAdd');
    return this.inner.scatterAdd(indices, updates, numRows);
  }
  where(cond: BTensor, a: BTensor, b: BTensor, outShape: readonly number[]): Storage {
    this.count('where');
    return this.inner.where(cond, a, b, outShape);
  }
  cast(x: BTensor, dtype: DType): Storage {
    this.count('cast');
    return this.inner.cast(x, dtype);
  }
}

/** Registry priority 0: never picked automatically over `js` (1); ask for it with RNN_BACKEND=tracing. */
export const priority = 0;

export function createBackend(): Backend {
  return new TracingBackend();
}

// Importing the package registers the backend, as @rnn/backend-js and @rnn/backend-native do.
if (!hasBackend('tracing')) registerBackend('tracing', createBackend, priority);
