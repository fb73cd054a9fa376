import type {
  AdamStepArgs, Backend, BackendInfo, BinaryOp, BTensor, DType, ReduceOp, SequenceBackwardArgs,
  SequenceBackwardResult, SequenceForwardArgs, SequenceForwardResult, Storage, TreeLevelArgs,
  TreeLevelBackwardArgs, TreeLevelBackwardResult, TreeLevelResult, TypedArray, UnaryOp,
  Conv1dArgs, Conv1dBackwardArgs, Conv1dBackwardResult, CrfNllBackwardArgs,
  CrfNllBackwardResult, CrfNllKernelArgs, CrfNllKernelResult,
} from '@rnn/core';
import { conv1dBackward, conv1dForward } from './conv1d.js';
import { crfNllBackward, crfNllForward } from './crf.js';
import { adamStep } from './adam.js';
import { binary, cast, unary, where } from './elementwise.js';
import { alloc, data, sizeOf } from './layout.js';
import { matmul } from './matmul.js';
import { argmax, reduce } from './reduce.js';
import { sequenceBackward, sequenceForward } from './rnn.js';
import { concat, gather, pad, scatterAdd, slice, transpose } from './shape-ops.js';
import { treeLevelBackward, treeLevelForward } from './tree.js';

/**
 * The reference backend: plain TypeScript on one thread, storage is the TypedArray itself.
 * Every other backend is checked against this one, so clarity wins over speed except in GEMM
 * and the fused sequence kernels, where speed decides whether the js backend is usable at all.
 */
export class JsBackend implements Backend {
  readonly name: string = 'js';
  readonly dtypes: readonly DType[] = ['float32', 'float64', 'int32'];

  info(): BackendInfo {
    return { blas: 'TypeScript (no BLAS)', threads: 1 };
  }

  write(src: TypedArray): Storage {
    return src.slice();
  }

  read(x: BTensor): TypedArray {
    return data(x).slice(0, sizeOf(x.shape));
  }

  hostArray(x: BTensor): TypedArray {
    const d = data(x);
    const n = sizeOf(x.shape);
    return d.length === n ? d : d.subarray(0, n);
  }

  readInto(x: BTensor, out: TypedArray): void {
    out.set(data(x).subarray(0, sizeOf(x.shape)));
  }

  fill(size: number, dtype: DType, value: number): Storage {
    const out = alloc(dtype, size);
    if (value !== 0) out.fill(value);
    return out;
  }

  view(x: BTensor, offset: number, length: number): Storage {
    return data(x).subarray(offset, offset + length);
  }

  assign(dst: BTensor, src: BTensor): void {
    const n = sizeOf(dst.shape);
    const s = data(src);
    data(dst).set(s.length === n ? s : s.subarray(0, n));
  }

  dispose(_storage: Storage): void {
    // Garbage-collected.
  }

  unary(op: UnaryOp, x: BTensor): Storage {
    return unary(op, x);
  }

  binary(op: BinaryOp, a: BTensor, b: BTensor, outShape: readonly number[]): Storage {
    return binary(op, a, b, outShape);
  }

  reduce(op: ReduceOp, x: BTensor, axes: readonly number[]): Storage {
    return reduce(op, x, axes);
  }

  argmax(x: BTensor, axis: number): Storage {
    return argmax(x, axis);
  }

  matmul(a: BTensor, b: BTensor, transA: boolean, transB: boolean): Storage {
    return matmul(a, b, transA, transB);
  }

  transpose(x: BTensor, perm: readonly number[]): Storage {
    return transpose(x, perm);
  }

  slice(x: BTensor, begin: readonly number[], size: readonly number[]): Storage {
    return slice(x, begin, size);
  }

  pad(x: BTensor, before: readonly number[], after: readonly number[]): Storage {
    return pad(x, before, after);
  }

  concat(xs: readonly BTensor[], axis: number): Storage {
    return concat(xs, axis);
  }

  gather(x: BTensor, indices: BTensor): Storage {
    return gather(x, indices);
  }

  scatterAdd(indices: BTensor, updates: BTensor, numRows: number): Storage {
    return scatterAdd(indices, updates, numRows);
  }

  where(cond: BTensor, a: BTensor, b: BTensor, outShape: readonly number[]): Storage {
    return where(cond, a, b, outShape);
  }

  cast(x: BTensor, dtype: DType): Storage {
    return cast(x, dtype);
  }

  sequenceForward(args: SequenceForwardArgs): SequenceForwardResult {
    return sequenceForward(args);
  }

  sequenceBackward(args: SequenceBackwardArgs): SequenceBackwardResult {
    return sequenceBackward(args);
  }

  crfNllForward(args: CrfNllKernelArgs): CrfNllKernelResult {
    return crfNllForward(args);
  }

  crfNllBackward(args: CrfNllBackwardArgs): CrfNllBackwardResult {
    return crfNllBackward(args);
  }

  conv1dForward(args: Conv1dArgs): Storage {
    return conv1dForward(args);
  }

  conv1dBackward(args: Conv1dBackwardArgs): Conv1dBackwardResult {
    return conv1dBackward(args);
  }

  treeLevelForward(args: TreeLevelArgs): TreeLevelResult {
    return treeLevelForward(args);
  }

  treeLevelBackward(args: TreeLevelBackwardArgs): TreeLevelBackwardResult {
    return treeLevelBackward(args);
  }

  adamStep(args: AdamStepArgs): void {
    adamStep(args);
  }

  /** Drop the reserve's buffers now (a later backward on it then fails with a clear error)
   * rather than when the caller lets go of the forward result. */
  disposeReserve(reserve: unknown): void {
    if (reserve !== null && typeof reserve === 'object') {
      for (const key of Object.keys(reserve)) (reserve as Record<string, unknown>)[key] = null;
    }
  }
}
