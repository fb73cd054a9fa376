import {
  DTypeError,
  ValueError,
  type Backend,
  type BackendInfo,
  type BTensor,
  type DType,
  type Storage,
  type TypedArray,
} from '@rnn/core';
import { AddonBackend } from '../addon-backend.js';
import type { CudaAddon, DeviceBuffer } from './addon.js';

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
export class CudaBackend extends AddonBackend<DeviceBuffer> implements Backend {
  readonly name = 'cuda';
  private readonly addon: CudaAddon;

  constructor(addon: CudaAddon) {
    super(addon, { seq: 'cuda-rnn', tree: 'cuda-tree' });
    this.addon = addon;
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
    this.call(() => this.addon.synchronize());
  }

  /** Device memory held by live tensors, in bytes. */
  bytesInUse(): number {
    return this.addon.bytesInUse();
  }

  /** Which GEMM to use: cuBLAS when it loaded ('auto'), the built-in tiled kernel, or the reference. */
  setGemm(mode: 'auto' | 'tiled' | 'reference' | 'cublas'): void {
    this.call(() => this.addon.setGemm(mode));
  }

  protected store(t: BTensor, what: string): DeviceBuffer {
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
  }

  // ---- memory ----

  write(data: TypedArray): Storage {
    return this.call(() => this.addon.write(data));
  }

  read(x: BTensor): TypedArray {
    return this.call(() => this.addon.read(this.store(x, 'x')));
  }

  fill(n: number, dtype: DType, value: number): Storage {
    const code = this.codes.dtype[dtype];
    if (code === undefined) throw new DTypeError(`fill: unknown dtype '${dtype}'`);
    return this.call(() => this.addon.fill(n, code, value));
  }

  view(x: BTensor, offset: number, length: number): Storage {
    const b = this.store(x, 'x');
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > b.length) {
      throw new ValueError(`view: offset ${offset} + length ${length} must lie within the ${b.length} elements of the storage`);
    }
    return this.call(() => this.addon.view(b, offset, length));
  }

  assign(dst: BTensor, src: BTensor): void {
    if (dst.dtype !== src.dtype) throw new DTypeError(`assign: dst is ${dst.dtype} but src is ${src.dtype}`);
    this.call(() => this.addon.assign(this.store(dst, 'dst'), this.store(src, 'src')));
  }

  dispose(storage: Storage): void {
    // Frees the device memory now (a view only drops its share); unknown storage is ignored.
    if (storage instanceof this.addon.DeviceBuffer) this.addon.free(storage);
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
