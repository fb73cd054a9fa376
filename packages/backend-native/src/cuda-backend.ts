import {
  DTypeError,
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
import { rethrowCuda, type CudaAddon, type DeviceBuffer } from './cuda-addon.js';
import { seqBackwardReserve, seqOptions, seqReserve, treeBackwardReserve, treeOptions, treeReserve } from './cuda-fused.js';

/**
 * The CUDA backend: every primitive is a CUDA kernel and tensors stay on the device between ops.
 *
 * Storage is a `DeviceBuffer` (device memory owned by the addon); `write` and `read` are the only
 * copies between host and device, and `read` is the only place that waits for the GPU. Kernels are
 * queued on one stream, so a call returns as soon as its work is queued; errors a kernel meets on
 * the device (an index out of range in gather) surface at the next `read`. GEMMs run on cuBLAS when
 * it loads (dlopen, self-tested), else on the built-in tiled kernel. The fused sequence kernels are
 * cuDNN-style: one GEMM for the input projection of every step, then per step one GEMM and one
 * pointwise kernel; weight gradients are single GEMMs after the time loop.
 */
export class CudaBackend implements Backend {
  readonly name = 'cuda';
  readonly dtypes: readonly DType[] = ['float32', 'float64', 'int32'];
  private readonly addon: CudaAddon;
  private readonly codes: CudaAddon['codes'];

  constructor(addon: CudaAddon) {
    this.addon = addon;
    this.codes = addon.codes;
  }

  info(): BackendInfo {
    const i = this.addon.info();
    return {
      device: `${i.name} (sm ${i.computeCapability}, ${i.multiprocessors} SMs, ${(i.totalMemory / 2 ** 30).toFixed(1)} GiB)`,
      blas: i.gemm,
      archs: i.archs,
      emulation: i.emulation,
      version: i.version,
      deviceBytesInUse: this.addon.bytesInUse(),
    };
  }

  /** Waits for queued GPU work; reports a kernel fault or a device-side index error. */
  synchronize(): void {
    try {
      this.addon.synchronize();
    } catch (e) {
      rethrowCuda(e);
    }
  }

  /** Device memory held by live tensors, in bytes. */
  bytesInUse(): number {
    return this.addon.bytesInUse();
  }

  /** Which GEMM to use: cuBLAS when it loaded ('auto'), the built-in tiled kernel, or the reference. */
  setGemm(mode: 'auto' | 'tiled' | 'reference' | 'cublas'): void {
    try {
      this.addon.setGemm(mode);
    } catch (e) {
      rethrowCuda(e);
    }
  }

  private buf = (t: BTensor, what: string): DeviceBuffer => {
    const s = t.storage;
    if (!(s instanceof this.addon.DeviceBuffer)) {
      throw new DTypeError(
        `cuda backend: ${what} has storage of another kind (${describe(s)}); storage must come from this backend ` +
          '(move tensors between backends by reading them and writing them again)',
      );
    }
    if (s.dtype !== t.dtype) {
      throw new DTypeError(`cuda backend: ${what} is declared ${t.dtype} but its storage holds ${s.dtype}`);
    }
    return s;
  };

  private call<R>(f: () => R): R {
    try {
      return f();
    } catch (e) {
      rethrowCuda(e);
    }
  }

  // ---- memory ----

  write(data: TypedArray): Storage {
    return this.call(() => this.addon.write(data));
  }

  read(x: BTensor): TypedArray {
    return this.call(() => this.addon.read(this.buf(x, 'x')));
  }

  fill(n: number, dtype: DType, value: number): Storage {
    const code = this.codes.dtype[dtype];
    if (code === undefined) throw new DTypeError(`fill: unknown dtype '${dtype}'`);
    return this.call(() => this.addon.fill(n, code, value));
  }

  view(x: BTensor, offset: number, length: number): Storage {
    const b = this.buf(x, 'x');
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > b.length) {
      throw new ValueError(`view: offset ${offset} + length ${length} must lie within the ${b.length} elements of the storage`);
    }
    return this.call(() => this.addon.view(b, offset, length));
  }

  assign(dst: BTensor, src: BTensor): void {
    if (dst.dtype !== src.dtype) throw new DTypeError(`assign: dst is ${dst.dtype} but src is ${src.dtype}`);
    this.call(() => this.addon.assign(this.buf(dst, 'dst'), this.buf(src, 'src')));
  }

  dispose(storage: Storage): void {
    // Frees the device memory now (a view only drops its share); unknown storage is ignored.
    if (storage instanceof this.addon.DeviceBuffer) this.addon.free(storage);
  }

  // ---- primitives ----

  unary(op: UnaryOp, x: BTensor): Storage {
    const code = this.codes.unary[op];
    if (code === undefined) throw new ValueError(`unary: unknown op '${op}'`);
    return this.call(() => this.addon.unary(code, this.buf(x, 'x')));
  }

  binary(op: BinaryOp, a: BTensor, b: BTensor, outShape: readonly number[]): Storage {
    const code = this.codes.binary[op];
    if (code === undefined) throw new ValueError(`binary: unknown op '${op}'`);
    return this.call(() => this.addon.binary(code, this.buf(a, 'a'), a.shape, this.buf(b, 'b'), b.shape, outShape));
  }

  reduce(op: ReduceOp, x: BTensor, axes: readonly number[]): Storage {
    const code = this.codes.reduce[op];
    if (code === undefined) throw new ValueError(`reduce: unknown op '${op}'`);
    return this.call(() => this.addon.reduce(code, this.buf(x, 'x'), x.shape, axes));
  }

  argmax(x: BTensor, axis: number): Storage {
    return this.call(() => this.addon.argmax(this.buf(x, 'x'), x.shape, axis));
  }

  matmul(a: BTensor, b: BTensor, transA: boolean, transB: boolean): Storage {
    return this.call(() => this.addon.matmul(this.buf(a, 'a'), a.shape, this.buf(b, 'b'), b.shape, transA, transB));
  }

  transpose(x: BTensor, perm: readonly number[]): Storage {
    return this.call(() => this.addon.transpose(this.buf(x, 'x'), x.shape, perm));
  }

  slice(x: BTensor, begin: readonly number[], sizes: readonly number[]): Storage {
    return this.call(() => this.addon.slice(this.buf(x, 'x'), x.shape, begin, sizes));
  }

  pad(x: BTensor, before: readonly number[], after: readonly number[]): Storage {
    return this.call(() => this.addon.pad(this.buf(x, 'x'), x.shape, before, after));
  }

  concat(xs: readonly BTensor[], axis: number): Storage {
    return this.call(() =>
      this.addon.concat(
        xs.map((x, i) => this.buf(x, `input ${i}`)),
        xs.map((x) => x.shape),
        axis,
      ),
    );
  }

  gather(x: BTensor, indices: BTensor): Storage {
    if (indices.dtype !== 'int32') throw new DTypeError(`gather: indices must be int32, got ${indices.dtype}`);
    return this.call(() => this.addon.gather(this.buf(x, 'x'), x.shape, this.buf(indices, 'indices'), indices.shape));
  }

  scatterAdd(indices: BTensor, updates: BTensor, numRows: number): Storage {
    if (indices.dtype !== 'int32') throw new DTypeError(`scatterAdd: indices must be int32, got ${indices.dtype}`);
    return this.call(() =>
      this.addon.scatterAdd(this.buf(indices, 'indices'), indices.shape, this.buf(updates, 'updates'), updates.shape, numRows),
    );
  }

  where(cond: BTensor, a: BTensor, b: BTensor, outShape: readonly number[]): Storage {
    return this.call(() =>
      this.addon.where(this.buf(cond, 'cond'), cond.shape, this.buf(a, 'a'), a.shape, this.buf(b, 'b'), b.shape, outShape),
    );
  }

  cast(x: BTensor, dtype: DType): Storage {
    const code = this.codes.dtype[dtype];
    if (code === undefined) throw new DTypeError(`cast: unknown dtype '${dtype}'`);
    return this.call(() => this.addon.cast(this.buf(x, 'x'), code));
  }

  // ---- fused kernels ----

  sequenceForward(args: SequenceForwardArgs): SequenceForwardResult {
    return this.call(() => {
      const o = seqOptions(this.codes, args, 'sequenceForward', this.buf);
      const out = this.addon.sequenceForward({
        ...o,
        biasIh: this.buf(args.biasIh, 'biasIh'),
        biasHh: this.buf(args.biasHh, 'biasHh'),
        training: args.training,
      });
      return { y: out.y, hN: out.hN, cN: out.cN, reserve: seqReserve(args, o, out.reserve) };
    });
  }

  sequenceBackward(args: SequenceBackwardArgs): SequenceBackwardResult {
    return this.call(() => {
      const o = seqOptions(this.codes, args, 'sequenceBackward', this.buf);
      const reserve = seqBackwardReserve(args, o);
      const opt = (t: BTensor | null, what: string) => (t ? this.buf(t, what) : null);
      return this.addon.sequenceBackward({
        ...o,
        reserve,
        dy: opt(args.dy, 'dy'),
        dhN: opt(args.dhN, 'dhN'),
        dcN: args.cell === 'lstm' ? opt(args.dcN, 'dcN') : null,
      });
    });
  }

  treeLevelForward(args: TreeLevelArgs): TreeLevelResult {
    return this.call(() => {
      const o = treeOptions(args, 'treeLevelForward', this.buf);
      const out = this.addon.treeLevelForward({ ...o, bias: this.buf(args.bias, 'bias'), training: args.training });
      return { h: out.h, c: out.c, reserve: treeReserve(args, o, out.reserve) };
    });
  }

  treeLevelBackward(args: TreeLevelBackwardArgs): TreeLevelBackwardResult {
    return this.call(() => {
      const o = treeOptions(args, 'treeLevelBackward', this.buf);
      const reserve = treeBackwardReserve(args, o);
      const opt = (t: BTensor | null, what: string) => (t ? this.buf(t, what) : null);
      return this.addon.treeLevelBackward({ ...o, reserve, dh: opt(args.dh, 'dh'), dc: opt(args.dc, 'dc') });
    });
  }

  adamStep(args: AdamStepArgs): void {
    this.call(() =>
      this.addon.adamStep({
        param: this.buf(args.param, 'param'),
        grad: this.buf(args.grad, 'grad'),
        m: this.buf(args.m, 'm'),
        v: this.buf(args.v, 'v'),
        lr: args.lr,
        beta1: args.beta1,
        beta2: args.beta2,
        eps: args.eps,
        step: args.step,
        weightDecay: args.weightDecay,
        decoupled: args.decoupled,
      }),
    );
  }

  disposeReserve(reserve: unknown): void {
    // Device memory is scarce: free the reserve now rather than when the GC finds it.
    if (reserve && typeof reserve === 'object' && 'data' in reserve) {
      const r = reserve as { data: DeviceBuffer | null };
      if (r.data) this.addon.free(r.data);
      r.data = null;
    }
  }
}

function describe(s: unknown): string {
  if (s === null || s === undefined) return String(s);
  if (ArrayBuffer.isView(s)) return s.constructor.name;
  return typeof s === 'object' ? (s.constructor?.name ?? 'object') : typeof s;
}
