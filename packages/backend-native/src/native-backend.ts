import {
  arrayFor,
  DTypeError,
  ShapeError,
  ValueError,
  type AdamStepArgs,
  type Backend,
  type BackendInfo,
  type BinaryOp,
  type BTensor,
  type DType,
  type ReduceOp,
  type SequenceBackwardArgs,
  type SequenceBackwardResult,
  type SequenceForwardArgs,
  type SequenceForwardResult,
  type Storage,
  type TreeLevelArgs,
  type TreeLevelBackwardArgs,
  type TreeLevelBackwardResult,
  type TreeLevelResult,
  type TypedArray,
  type UnaryOp,
} from '@rnn/core';
import { DEFAULT_ADDON_PATH, rethrow, type Arr, type NativeAddon } from './addon.js';
import { seqBackwardOptions, seqForwardOptions, seqForwardResult, treeBackwardReserve, treeOptions, treeReserve } from './fused-args.js';
import { arr, optArr } from './storage.js';

/**
 * The native backend: C++ kernels on OpenBLAS behind a node-addon-api layer (native/).
 *
 * Storage is a typed array of the tensor's dtype, so memory ops are plain typed-array operations
 * and everything else is one addon call that reads the arrays in place. The fused kernels run the
 * cuDNN-style whole-sequence recurrences (one gemm for all input projections, one gemm per step);
 * `sequenceForwardAsync`/`sequenceBackwardAsync` run them off the event loop.
 */
/** Elements of a fused sequence reserve (rnn_seq_reserve_size): gates, h_prev, and LSTM's c / GRU's hn. */
function seqReserveSize(args: SequenceForwardArgs): number {
  const [batch, steps] = args.x.shape as [number, number, number];
  const hidden = args.h0.shape[1]!;
  const per = args.cell === 'lstm' ? 6 : args.cell === 'gru' ? 5 : 2;
  return batch * steps * hidden * per;
}

/**
 * Released training reserves, kept for the next forward that needs the same size (at most
 * `maxBuffers` buffers and `maxBytes` in all; the oldest go first). What a recycled buffer held
 * does not matter: the forward writes every element its backward reads.
 */
export class ReservePool {
  private readonly free: Arr[] = [];
  private bytes = 0;
  constructor(
    private readonly maxBuffers = 8,
    private readonly maxBytes = 256 * 1024 * 1024,
  ) {}

  take(dtype: DType, length: number): Arr | null {
    const want = dtype === 'float32' ? Float32Array : dtype === 'float64' ? Float64Array : null;
    if (!want) return null;
    const i = this.free.findIndex((a) => a.length === length && a instanceof want);
    if (i < 0) return null;
    const [a] = this.free.splice(i, 1) as [Arr];
    this.bytes -= a.byteLength;
    return a;
  }

  give(a: Arr): void {
    if (a.byteLength > this.maxBytes || this.free.includes(a)) return;
    this.free.push(a);
    this.bytes += a.byteLength;
    while (this.free.length > this.maxBuffers || this.bytes > this.maxBytes) this.bytes -= this.free.shift()!.byteLength;
  }

  /** Buffers held now (for tests). */
  get size(): number {
    return this.free.length;
  }
}

export class NativeBackend implements Backend {
  readonly name = 'native';
  readonly dtypes: readonly DType[] = ['float32', 'float64', 'int32'];
  private readonly addon: NativeAddon;
  private readonly reserves = new ReservePool();
  private readonly codes: NativeAddon['codes'];

  constructor(addon: NativeAddon) {
    this.addon = addon;
    this.codes = addon.codes;
  }

  info(): BackendInfo {
    const i = this.addon.info();
    return { blas: i.blas, simd: i.simd, threads: i.threads, device: 'cpu', version: i.version, addon: process.env['RNN_NATIVE_ADDON'] || DEFAULT_ADDON_PATH };
  }

  /**
   * Threads the kernels may use (the default comes from RNN_NUM_THREADS, else the CPUs available):
   * our own pool, which also cuts large products into slices; OpenBLAS itself runs single-threaded.
   */
  setNumThreads(n: number): void {
    try {
      this.addon.setNumThreads(n);
    } catch (e) {
      rethrow(e);
    }
  }

  // ---- memory: plain typed-array operations ----

  write(data: TypedArray): Storage {
    return data.slice();
  }

  read(x: BTensor): TypedArray {
    return arr(x, 'x').slice();
  }

  fill(n: number, dtype: DType, value: number): Storage {
    const a = arrayFor(dtype, n);
    if (value !== 0) a.fill(value);
    return a;
  }

  view(x: BTensor, offset: number, length: number): Storage {
    const a = arr(x, 'x');
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > a.length) {
      throw new ValueError(`view: offset ${offset} + length ${length} must lie within the ${a.length} elements of the storage`);
    }
    return a.subarray(offset, offset + length);
  }

  assign(dst: BTensor, src: BTensor): void {
    const d = arr(dst, 'dst');
    const s = arr(src, 'src');
    if (dst.dtype !== src.dtype) throw new DTypeError(`assign: dst is ${dst.dtype} but src is ${src.dtype}`);
    if (d.length !== s.length) throw new ShapeError(`assign: dst has ${d.length} elements but src has ${s.length}`);
    d.set(s);
  }

  dispose(_storage: Storage): void {
    // GC-managed: typed arrays are freed when unreachable.
  }

  // ---- primitives ----

  unary(op: UnaryOp, x: BTensor): Storage {
    const code = this.codes.unary[op];
    if (code === undefined) throw new ValueError(`unary: unknown op '${op}'`);
    try {
      return this.addon.unary(code, arr(x, 'x'));
    } catch (e) {
      rethrow(e);
    }
  }

  binary(op: BinaryOp, a: BTensor, b: BTensor, outShape: readonly number[]): Storage {
    const code = this.codes.binary[op];
    if (code === undefined) throw new ValueError(`binary: unknown op '${op}'`);
    try {
      return this.addon.binary(code, arr(a, 'a'), a.shape, arr(b, 'b'), b.shape, outShape);
    } catch (e) {
      rethrow(e);
    }
  }

  reduce(op: ReduceOp, x: BTensor, axes: readonly number[]): Storage {
    const code = this.codes.reduce[op];
    if (code === undefined) throw new ValueError(`reduce: unknown op '${op}'`);
    try {
      return this.addon.reduce(code, arr(x, 'x'), x.shape, axes);
    } catch (e) {
      rethrow(e);
    }
  }

  argmax(x: BTensor, axis: number): Storage {
    try {
      return this.addon.argmax(arr(x, 'x'), x.shape, axis);
    } catch (e) {
      rethrow(e);
    }
  }

  matmul(a: BTensor, b: BTensor, transA: boolean, transB: boolean): Storage {
    try {
      return this.addon.matmul(arr(a, 'a'), a.shape, arr(b, 'b'), b.shape, transA, transB);
    } catch (e) {
      rethrow(e);
    }
  }

  transpose(x: BTensor, perm: readonly number[]): Storage {
    try {
      return this.addon.transpose(arr(x, 'x'), x.shape, perm);
    } catch (e) {
      rethrow(e);
    }
  }

  slice(x: BTensor, begin: readonly number[], sizes: readonly number[]): Storage {
    try {
      return this.addon.slice(arr(x, 'x'), x.shape, begin, sizes);
    } catch (e) {
      rethrow(e);
    }
  }

  pad(x: BTensor, before: readonly number[], after: readonly number[]): Storage {
    try {
      return this.addon.pad(arr(x, 'x'), x.shape, before, after);
    } catch (e) {
      rethrow(e);
    }
  }

  concat(xs: readonly BTensor[], axis: number): Storage {
    try {
      return this.addon.concat(
        xs.map((x, i) => arr(x, `input ${i}`)),
        xs.map((x) => x.shape),
        axis,
      );
    } catch (e) {
      rethrow(e);
    }
  }

  gather(x: BTensor, indices: BTensor): Storage {
    try {
      if (indices.dtype !== 'int32') throw new DTypeError(`gather: indices must be int32, got ${indices.dtype}`);
      return this.addon.gather(arr(x, 'x'), x.shape, arr(indices, 'indices') as Int32Array);
    } catch (e) {
      rethrow(e);
    }
  }

  scatterAdd(indices: BTensor, updates: BTensor, numRows: number): Storage {
    try {
      if (indices.dtype !== 'int32') throw new DTypeError(`scatterAdd: indices must be int32, got ${indices.dtype}`);
      return this.addon.scatterAdd(arr(indices, 'indices') as Int32Array, indices.shape, arr(updates, 'updates'), updates.shape, numRows);
    } catch (e) {
      rethrow(e);
    }
  }

  where(cond: BTensor, a: BTensor, b: BTensor, outShape: readonly number[]): Storage {
    try {
      return this.addon.where(arr(cond, 'cond'), cond.shape, arr(a, 'a'), a.shape, arr(b, 'b'), b.shape, outShape);
    } catch (e) {
      rethrow(e);
    }
  }

  cast(x: BTensor, dtype: DType): Storage {
    const src = arr(x, 'x');
    if (x.dtype === dtype) return src.slice();
    const code = this.codes.dtype[dtype];
    if (code === undefined) throw new DTypeError(`cast: unknown dtype '${dtype}'`);
    try {
      return this.addon.cast(src, code);
    } catch (e) {
      rethrow(e);
    }
  }

  // ---- fused sequence kernels ----

  sequenceForward(args: SequenceForwardArgs): SequenceForwardResult {
    try {
      const o = seqForwardOptions(this.codes, args);
      if (o.training) o.reserveOut = this.reserves.take(args.x.dtype, seqReserveSize(args));
      return seqForwardResult(args, this.addon.sequenceForward(o));
    } catch (e) {
      rethrow(e);
    }
  }

  sequenceBackward(args: SequenceBackwardArgs): SequenceBackwardResult {
    try {
      return this.addon.sequenceBackward(seqBackwardOptions(this.codes, args));
    } catch (e) {
      rethrow(e);
    }
  }

  /** `sequenceForward` on the libuv thread pool: the event loop keeps running while the kernel does. */
  async sequenceForwardAsync(args: SequenceForwardArgs): Promise<SequenceForwardResult> {
    try {
      return seqForwardResult(args, await this.addon.sequenceForwardAsync(seqForwardOptions(this.codes, args)));
    } catch (e) {
      rethrow(e);
    }
  }

  /** `sequenceBackward` on the libuv thread pool. */
  async sequenceBackwardAsync(args: SequenceBackwardArgs): Promise<SequenceBackwardResult> {
    try {
      const r = args.forward.reserve as { asyncUse?: boolean } | null;
      if (r) r.asyncUse = true; // read on another thread: never recycled (disposeReserve)
      return await this.addon.sequenceBackwardAsync(seqBackwardOptions(this.codes, args));
    } catch (e) {
      rethrow(e);
    }
  }

  // ---- Tree-LSTM level ----

  treeLevelForward(args: TreeLevelArgs): TreeLevelResult {
    try {
      const o = treeOptions(args, 'treeLevelForward');
      const out = this.addon.treeLevelForward({ ...o, bias: arr(args.bias, 'bias'), training: args.training });
      return { h: out.h, c: out.c, reserve: treeReserve(args, o, out.reserve) };
    } catch (e) {
      rethrow(e);
    }
  }

  treeLevelBackward(args: TreeLevelBackwardArgs): TreeLevelBackwardResult {
    try {
      const o = treeOptions(args, 'treeLevelBackward');
      const reserve = treeBackwardReserve(args, o);
      return this.addon.treeLevelBackward({ ...o, reserve, dh: optArr(args.dh, 'dh'), dc: optArr(args.dc, 'dc') });
    } catch (e) {
      rethrow(e);
    }
  }

  // ---- optimizer ----

  adamStep(args: AdamStepArgs): void {
    try {
      this.addon.adamStep({
        param: arr(args.param, 'param'),
        grad: arr(args.grad, 'grad'),
        m: arr(args.m, 'm'),
        v: arr(args.v, 'v'),
        lr: args.lr,
        beta1: args.beta1,
        beta2: args.beta2,
        eps: args.eps,
        step: args.step,
        weightDecay: args.weightDecay,
        decoupled: args.decoupled,
      });
    } catch (e) {
      rethrow(e);
    }
  }

  disposeReserve(reserve: unknown): void {
    // The buffer goes back to the pool for the next training forward of the same size (a training
    // loop allocates the same reserves every step: recycling them saves the zero-fill, the page
    // faults and the GC work of tens of MB per step). Reserves an async backward may still be
    // reading are never recycled, only released.
    if (reserve && typeof reserve === 'object' && 'data' in reserve) {
      const r = reserve as { kind?: string; data: Arr | null; asyncUse?: boolean };
      if (r.kind === 'rnn' && r.data && !r.asyncUse) this.reserves.give(r.data);
      r.data = null;
    }
  }
}
