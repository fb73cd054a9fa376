import {
  arrayFor,
  dtypeOf,
  DTypeError,
  ShapeError,
  ValueError,
  type Backend,
  type BackendInfo,
  type BTensor,
  type DType,
  type DecodeStepArgs,
  type DecodeStepPackArgs,
  type DecodeStepResult,
  type SequenceBackwardArgs,
  type SequenceBackwardResult,
  type SequenceForwardArgs,
  type SequenceForwardResult,
  type Storage,
  type TreeBatchArgs,
  type TreeBatchBackwardArgs,
  type TreeBatchBackwardResult,
  type TreeBatchResult,
  type TypedArray,
  BackendError,
} from '@rnn/core';
import { AddonBackend } from './addon-backend.js';
import { DEFAULT_ADDON_PATH, type NativeAddon } from './addon.js';
import { parseCpuPlan } from './cpu-plan.js';
import type { SeqReserve } from './fused-args.js';
import { rethrow, type Arr, type TreeBatchOptions } from './kernel-addon.js';
import { arr } from './storage.js';

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

/**
 * The native backend: C++ kernels on OpenBLAS behind a node-addon-api layer (native/).
 *
 * Storage is a typed array of the tensor's dtype, so memory ops are plain typed-array operations
 * and everything else is one addon call that reads the arrays in place. The fused kernels run the
 * cuDNN-style whole-sequence recurrences (one gemm for all input projections, one gemm per step);
 * `sequenceForwardAsync`/`sequenceBackwardAsync` run them off the event loop.
 */
export class NativeBackend extends AddonBackend<Arr> implements Backend {
  readonly name = 'native';
  private readonly addon: NativeAddon;
  private readonly reserves = new ReservePool();
  /** Arrays that share their buffer with another array (views handed out, and what they view):
   *  never recycled by `dispose`, since the other may still be alive. */
  private readonly shared = new WeakSet<Arr>();
  /** Storage made here (`fill`, `write`) rather than by a kernel: from the pool, or new (allocationStats). */
  private readonly own = { reused: 0, fresh: 0, freshBytes: 0 };

  constructor(addon: NativeAddon) {
    super(addon, { seq: 'rnn', tree: 'tree' });
    this.addon = addon;
  }

  protected store(t: BTensor, what: string): Arr {
    return arr(t, what);
  }

  protected override recycledReserve(dtype: DType, length: number): Arr | null {
    return this.reserves.take(dtype, length);
  }

  info(): BackendInfo {
    const i = this.addon.info();
    const cp = parseCpuPlan(i.cpuPlan);
    return {
      blas: i.blas,
      simd: i.simd,
      threads: i.threads,
      device: 'cpu',
      version: i.version,
      addon: process.env['RNN_NATIVE_ADDON'] || DEFAULT_ADDON_PATH,
      ...(cp ? { cpu: cp.cpu, plan: cp.plan } : {}),
    };
  }

  /**
   * Threads the kernels may use (the default comes from RNN_NUM_THREADS, else the CPUs available):
   * our own pool, which also cuts large products into slices; OpenBLAS itself runs single-threaded.
   */
  setNumThreads(n: number): void {
    this.call(() => this.addon.setNumThreads(n));
  }

  // ---- memory: plain typed-array operations ----

  /** A copy of `data`, into a released buffer of its size class when the pool holds one (as `fill`). */
  write(data: TypedArray): Storage {
    const a = this.resultArray(dtypeOf(data), data.length);
    if (a) {
      a.set(data);
      return a;
    }
    return this.counted(data.slice());
  }

  /**
   * A buffer for `fill` and `write` to fill (contents arbitrary): the addon's `alloc`, which takes a
   * released buffer of the size class from the pool or makes one in the class (counted in its
   * `resultStats`, recycled like a kernel result); with an older addon, a released buffer of
   * exactly this dtype and length from the pool; else undefined (the caller makes a plain array).
   */
  private resultArray(dtype: DType, n: number): Arr | undefined {
    const code = this.codes.dtype[dtype];
    if (code === undefined || n === 0) return undefined;
    if (this.addon.alloc) return this.addon.alloc(code, n) as Arr;
    const a = this.addon.pooled?.(code, n) as Arr | undefined;
    if (a) this.own.reused++;
    return a;
  }

  private counted<A extends TypedArray>(a: A): A {
    if (a.length === 0) return a;
    this.own.fresh++;
    this.own.freshBytes += a.byteLength;
    return a;
  }

  /**
   * Storage this backend has handed out on this thread (kernel results, `fill`, `write`): written
   * into a released buffer from the pool (`reused`) or into a new ArrayBuffer (`fresh`, `freshBytes`
   * bytes). For tests and tools/bench/gc-steps.mjs: a steady training step of a model with
   * `tidySteps` adds to `reused` only. Kernel results are counted only by an addon that reports
   * them (`resultStats`; older builds: the backend's own part).
   */
  allocationStats(): { reused: number; fresh: number; freshBytes: number } {
    const k = this.addon.resultStats?.() ?? { reused: 0, fresh: 0, freshBytes: 0 };
    return { reused: k.reused + this.own.reused, fresh: k.fresh + this.own.fresh, freshBytes: k.freshBytes + this.own.freshBytes };
  }

  read(x: BTensor): TypedArray {
    return arr(x, 'x').slice();
  }

  hostArray(x: BTensor): TypedArray {
    return arr(x, 'x');
  }

  readInto(x: BTensor, out: TypedArray): void {
    const a = arr(x, 'x');
    out.set(a.length === out.length ? a : a.subarray(0, out.length));
  }

  /** Views into the reserve, zeroed at padded steps in place (backward never reads those rows);
   *  the reserve is then pinned: never recycled, so later forwards cannot overwrite the trace. */
  protected override traceRange(reserve: { data: Arr | null }, _dtype: DType, offset: number, length: number, zero: readonly [number, number][]): Storage {
    (reserve as { pinned?: boolean }).pinned = true;
    const v = reserve.data!.subarray(offset, offset + length);
    this.shared.add(v);
    for (const [a, b] of zero) v.fill(0, a, b);
    return v;
  }

  fill(n: number, dtype: DType, value: number): Storage {
    // a released buffer of the size class when the pool holds one (see dispose), else a new one
    const pooled = this.resultArray(dtype, n);
    const a = pooled ?? this.counted(arrayFor(dtype, n));
    if (value !== 0 || pooled) a.fill(value);
    return a;
  }

  view(x: BTensor, offset: number, length: number): Storage {
    const a = arr(x, 'x');
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > a.length) {
      throw new ValueError(`view: offset ${offset} + length ${length} must lie within the ${a.length} elements of the storage`);
    }
    const v = a.subarray(offset, offset + length);
    this.shared.add(a);
    this.shared.add(v);
    return v;
  }

  assign(dst: BTensor, src: BTensor): void {
    const d = arr(dst, 'dst');
    const s = arr(src, 'src');
    if (dst.dtype !== src.dtype) throw new DTypeError(`assign: dst is ${dst.dtype} but src is ${src.dtype}`);
    if (d.length !== s.length) throw new ShapeError(`assign: dst has ${d.length} elements but src has ${s.length}`);
    d.set(s);
  }

  /**
   * GC-managed: a typed array is freed when unreachable. A released result array (or one that owns
   * its whole buffer) also goes to the addon's pool, so the next kernel result of its size class is
   * written into its buffer rather than into a new ArrayBuffer (loops that `tidy` their steps then spare V8
   * the mark-compacts fresh buffers cause). A tensor is disposed once (its storage's last
   * reference), and nothing else holds its array: `read` copies, views are marked `shared`.
   */
  dispose(storage: Storage): void {
    const a = storage as Arr;
    if (!this.shared.has(a)) this.addon.recycle?.(a);
  }

  /** `dst += src` in one pass split across our threads (autodiff's gradient accumulation into the flat buffer). */
  addInPlace(dst: BTensor, src: BTensor): void {
    const d = arr(dst, 'dst');
    let a = arr(src, 'src');
    // a gradient that aliases its own accumulator (rare) is read from a copy, as add + assign would
    if (a.buffer === d.buffer && a.byteOffset < d.byteOffset + d.byteLength && d.byteOffset < a.byteOffset + a.byteLength) a = a.slice();
    this.call(() => this.addon.addInPlace(d, a));
  }

  /** zeroGrad's fill of the flat gradient buffer: split across our threads when large (issue 22: it
   *  ran on the main thread alone, ~1 ms of the serial part of a tree-net step). */
  fillInPlace(dst: BTensor, value: number): void {
    const d = arr(dst, 'dst');
    if (this.addon.fillInPlace && (d instanceof Float32Array || d instanceof Float64Array)) this.call(() => this.addon.fillInPlace!(d, value));
    else d.fill(value);
  }

  override cast(x: BTensor, dtype: DType): Storage {
    return x.dtype === dtype ? this.write(arr(x, 'x')) : super.cast(x, dtype);
  }

  /**
   * Recording without gradients runs the kernel's recording forward: the gates and lstm's c_t are
   * extra outputs of the inference loop itself (written where it computes them, no h_{t-1}, no
   * training reserve). Recording while training keeps AddonBackend's path: views of the reserve
   * the backward needs anyway.
   */
  override sequenceForward(args: SequenceForwardArgs): SequenceForwardResult {
    if (args.record !== true || args.training) return super.sequenceForward(args);
    return this.call(() => {
      // the trace arrays come from the addon's result pool like every kernel output (16 MB of fresh
      // memory per recording cost more than the stores: page faults, V8 collections)
      const out = this.addon.sequenceForwardRecord(this.fused.seqForward(args));
      return { y: out.y, hN: out.hN, cN: out.cN, reserve: null, trace: { gates: out.gates, cells: out.cells } };
    });
  }

  // ---- the fused sequence kernels off the event loop ----

  /** `sequenceForward` on the libuv thread pool: the event loop keeps running while the kernel does. */
  async sequenceForwardAsync(args: SequenceForwardArgs): Promise<SequenceForwardResult> {
    const o = this.call(() => this.fused.seqForward(args));
    return this.fused.seqForwardResult(args, o, await this.call(() => this.addon.sequenceForwardAsync(o)).catch(rethrowAsync));
  }

  /** `sequenceBackward` on the libuv thread pool. */
  async sequenceBackwardAsync(args: SequenceBackwardArgs): Promise<SequenceBackwardResult> {
    const r = args.forward.reserve as { asyncUse?: boolean } | null;
    if (r) r.asyncUse = true; // read on another thread: never recycled (disposeReserve)
    const o = this.call(() => this.fused.seqBackward(args));
    return (await this.call(() => this.addon.sequenceBackwardAsync(o)).catch(rethrowAsync)) as SequenceBackwardResult;
  }

  // ---- a whole mini-batch of trees in one call (native/addon/tree_batch.h; the cuda backend has none) ----

  private treeBatch(args: TreeBatchArgs, op: string): TreeBatchOptions<Arr> {
    if (typeof this.addon.treeBatchForward !== 'function') {
      throw new BackendError(`${op}: this rnn_native.node predates the tree-batch kernels; rebuild it with \`npm run build:native -w @rnn/backend-native\``);
    }
    const { levelStart, left, right, wordRow } = args.plan;
    return {
      levelStart,
      left,
      right,
      wordRow,
      input: args.x.shape[1]!,
      hidden: args.weightH.shape[1]! / 2,
      x: arr(args.x, 'x'),
      weight: arr(args.weight, 'weight'),
      weightH: arr(args.weightH, 'weightH'),
    };
  }

  treeBatchForward(args: TreeBatchArgs): TreeBatchResult {
    return this.call(() => {
      const o = this.treeBatch(args, 'treeBatchForward');
      // The reserve (7H per node) is the largest buffer of a step and every batch has another node
      // count: a recycled buffer of the size rounded up to a power of two is written into instead.
      const need = args.plan.left.length * 7 * o.hidden;
      const size = need > 0 ? 2 ** Math.ceil(Math.log2(need)) : 0;
      const reserveOut = args.training && size > 0 ? this.reserves.take(args.x.dtype, size) ?? arrayFor(args.x.dtype, size) as Arr : null;
      const out = this.addon.treeBatchForward({ ...o, bias: arr(args.bias, 'bias'), training: args.training, reserveOut });
      const reserve: TreeBatchReserve | null = out.reserve ? { kind: 'tree-batch', nodes: args.plan.left.length, data: out.reserve } : null;
      return { h: out.h, c: out.c, reserve };
    });
  }

  // ---- one decoding step (native/addon/decode_step.h; the cuda backend has none: composed ops) ----

  decodeStep(args: DecodeStepArgs): DecodeStepResult {
    return this.call(() => {
      const f = this.addon.decodeStep;
      if (typeof f !== 'function') {
        throw new BackendError('decodeStep: this rnn_native.node predates the decode-step kernel; rebuild it with `npm run build:native -w @rnn/backend-native`');
      }
      const [R, H] = args.h0.shape as [number, number];
      const at = args.attention;
      const l = args.lstm;
      return f.call(this.addon, {
        rows: R,
        hidden: H,
        vocab: args.weightOut.shape[0]!,
        sentences: at?.kind === 'folded' ? (at.owner ? at.owner.length : at.keys.shape[0]!) : 0,
        memory: at?.kind === 'folded' ? at.keys.shape[0]! : 0,
        owner: at?.kind === 'folded' ? (at.owner ?? null) : null,
        sources: at?.kind === 'folded' ? at.keys.shape[1]! : 0,
        top: args.top,
        attention: !at ? 0 : at.kind === 'folded' ? 1 : 2,
        h0: arr(args.h0, 'h0'),
        lstm: l ? { tokens: l.tokens, table: arr(l.table, 'lstm.table'), weightHh: arr(l.weightHh, 'lstm.weightHh'), c0: arr(l.c0, 'lstm.c0') } : null,
        keys: at?.kind === 'folded' ? arr(at.keys, 'keys') : null,
        values: at?.kind === 'folded' ? arr(at.values, 'values') : null,
        lengths: at?.kind === 'folded' ? at.lengths : null,
        context: at?.kind === 'context' ? arr(at.context, 'context') : null,
        weightH: at ? arr(at.weightH, 'weightH') : null,
        weightOut: arr(args.weightOut, 'weightOut'),
        biasOut: args.biasOut ? arr(args.biasOut, 'biasOut') : null,
        banned: args.banned,
        wantWeights: args.wantWeights,
        wantOut: args.wantOut,
        packed: args.packed instanceof PackedDecodeWeights ? args.packed.data : null,
      });
    });
  }

  decodeStepPack(args: DecodeStepPackArgs): unknown {
    return this.call(() => {
      const f = this.addon.decodeStepPack;
      if (typeof f !== 'function' || args.weightOut.dtype !== 'float32') return null;
      const [V, H] = args.weightOut.shape as [number, number];
      const data = f.call(this.addon, {
        hidden: H,
        vocab: V,
        lstm: !!args.weightHh,
        attention: args.weightH ? 1 : 0,
        weightHh: args.weightHh ? arr(args.weightHh, 'weightHh') : null,
        weightH: args.weightH ? arr(args.weightH, 'weightH') : null,
        weightOut: arr(args.weightOut, 'weightOut'),
      });
      return data ? new PackedDecodeWeights(data) : null;
    });
  }

  treeBatchBackward(args: TreeBatchBackwardArgs): TreeBatchBackwardResult {
    return this.call(() => {
      const r = args.forward.reserve as TreeBatchReserve | null;
      if (!r || r.kind !== 'tree-batch') throw new BackendError('treeBatchBackward: forward.reserve is missing; run treeBatchForward with training: true and pass its result');
      if (!r.data) throw new BackendError('treeBatchBackward: the reserve was already released with disposeReserve');
      if (r.nodes !== args.plan.left.length) {
        throw new ValueError(`treeBatchBackward: the reserve belongs to a batch of ${r.nodes} nodes, not ${args.plan.left.length}; pass that forward's plan`);
      }
      const o = this.treeBatch(args, 'treeBatchBackward');
      const opt = (t: BTensor | null, what: string): Arr | null => (t ? arr(t, what) : null);
      return this.addon.treeBatchBackward({
        ...o,
        h: arr({ storage: args.forward.h, shape: [r.nodes * o.hidden], dtype: args.x.dtype }, 'h'),
        c: arr({ storage: args.forward.c, shape: [r.nodes * o.hidden], dtype: args.x.dtype }, 'c'),
        reserve: r.data,
        dh: opt(args.dh, 'dh'),
        dc: opt(args.dc, 'dc'),
      });
    });
  }

  disposeReserve(reserve: unknown): void {
    // The buffer goes back to the pool for the next training forward of the same size (a training
    // loop allocates the same reserves every step: recycling them saves the zero-fill, the page
    // faults and the GC work of tens of MB per step). Reserves an async backward may still be
    // reading, or that a recorded trace views (pinned), are never recycled, only released.
    if (reserve && typeof reserve === 'object' && 'data' in reserve) {
      const r = reserve as SeqReserve<Arr> & { asyncUse?: boolean; pinned?: boolean };
      if ((r.kind === 'rnn' || r.kind === 'tree-batch') && r.data && !r.asyncUse && !r.pinned) this.reserves.give(r.data);
      r.data = null;
    }
  }
}

/** `decodeStepPack`'s result: the addon's 64-byte-aligned packed weights of one decode. */
class PackedDecodeWeights {
  constructor(readonly data: Float32Array) {}
}

/** What `treeBatchForward` keeps for `treeBatchBackward`. */
interface TreeBatchReserve {
  readonly kind: 'tree-batch';
  readonly nodes: number;
  data: Arr | null;
}

function rethrowAsync(e: unknown): never {
  return rethrow(e);
}
