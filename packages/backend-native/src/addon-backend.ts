import {
  DTypeError,
  GATES,
  ValueError,
  type FusedCell,
  type AdamStepArgs,
  type AttentionBackwardArgs,
  type AttentionBackwardResult,
  type AttentionForwardArgs,
  type AttentionForwardResult,
  type BinaryOp,
  type BTensor,
  type DType,
  type ReduceOp,
  type SequenceBackwardArgs,
  type SequenceBackwardResult,
  type SequenceForwardArgs,
  type SequenceForwardResult,
  type Storage,
  type SequenceTrace,
  type TypedArray,
  type TreeLevelArgs,
  type CrfKernelArgs,
  type CrfNllBackwardArgs,
  type CrfNllBackwardResult,
  type CrfNllKernelArgs,
  type CrfNllKernelResult,
  type CrfViterbiResult,
  type Conv1dArgs,
  type Conv1dBackwardArgs,
  type Conv1dBackwardResult,
  BackendError,
  type TreeLevelBackwardArgs,
  type TreeLevelBackwardResult,
  type TreeLevelResult,
  type UnaryOp,
} from '@rnn/core';
import { FusedArgs } from './fused-args.js';
import { rethrow, type AddonCodes, type KernelAddon } from './kernel-addon.js';

/**
 * The compute half of a Backend over an addon of native/napi/glue.h, shared by the native (CPU)
 * and cuda backends: each primitive and fused kernel is one addon call on the tensors' storage
 * `S`, its errors turned into core's classes. A subclass adds what differs: its storage (`store`,
 * and the memory ops write/read/fill/view/assign/dispose), `info`, and how reserves are released.
 */
export abstract class AddonBackend<S> {
  abstract readonly name: string;
  readonly dtypes: readonly DType[] = ['float32', 'float64', 'int32'];
  protected readonly codes: AddonCodes;
  protected readonly fused: FusedArgs<S>;

  protected constructor(
    private readonly kernels: KernelAddon<S>,
    reserveKinds: { seq: string; tree: string },
  ) {
    this.codes = kernels.codes;
    this.fused = new FusedArgs<S>(this.codes, (t, what) => this.store(t, what), reserveKinds);
  }

  /** The storage behind a tensor, refused (DTypeError) unless it is this backend's. */
  protected abstract store(t: BTensor, what: string): S;

  /** A released reserve of this size to write into, if the backend keeps any (the CPU's pool). */
  protected recycledReserve(_dtype: DType, _length: number): S | null {
    return null;
  }

  protected call<R>(f: () => R): R {
    try {
      return f();
    } catch (e) {
      rethrow(e);
    }
  }

  private code(table: Record<string, number>, kind: string, name: string): number {
    const code = table[name];
    if (code === undefined) throw new ValueError(`${kind}: unknown op '${name}'`);
    return code;
  }

  // ---- primitives ----

  unary(op: UnaryOp, x: BTensor): Storage {
    const code = this.code(this.codes.unary, 'unary', op);
    return this.call(() => this.kernels.unary(code, this.store(x, 'x')));
  }

  binary(op: BinaryOp, a: BTensor, b: BTensor, outShape: readonly number[]): Storage {
    const code = this.code(this.codes.binary, 'binary', op);
    return this.call(() => this.kernels.binary(code, this.store(a, 'a'), a.shape, this.store(b, 'b'), b.shape, outShape));
  }

  reduce(op: ReduceOp, x: BTensor, axes: readonly number[]): Storage {
    const code = this.code(this.codes.reduce, 'reduce', op);
    return this.call(() => this.kernels.reduce(code, this.store(x, 'x'), x.shape, axes));
  }

  argmax(x: BTensor, axis: number): Storage {
    return this.call(() => this.kernels.argmax(this.store(x, 'x'), x.shape, axis));
  }

  matmul(a: BTensor, b: BTensor, transA: boolean, transB: boolean): Storage {
    return this.call(() => this.kernels.matmul(this.store(a, 'a'), a.shape, this.store(b, 'b'), b.shape, transA, transB));
  }

  transpose(x: BTensor, perm: readonly number[]): Storage {
    return this.call(() => this.kernels.transpose(this.store(x, 'x'), x.shape, perm));
  }

  slice(x: BTensor, begin: readonly number[], sizes: readonly number[]): Storage {
    return this.call(() => this.kernels.slice(this.store(x, 'x'), x.shape, begin, sizes));
  }

  pad(x: BTensor, before: readonly number[], after: readonly number[]): Storage {
    return this.call(() => this.kernels.pad(this.store(x, 'x'), x.shape, before, after));
  }

  concat(xs: readonly BTensor[], axis: number): Storage {
    return this.call(() =>
      this.kernels.concat(
        xs.map((x, i) => this.store(x, `input ${i}`)),
        xs.map((x) => x.shape),
        axis,
      ),
    );
  }

  gather(x: BTensor, indices: BTensor): Storage {
    if (indices.dtype !== 'int32') throw new DTypeError(`gather: indices must be int32, got ${indices.dtype}`);
    return this.call(() => this.kernels.gather(this.store(x, 'x'), x.shape, this.store(indices, 'indices'), indices.shape));
  }

  scatterAdd(indices: BTensor, updates: BTensor, numRows: number): Storage {
    if (indices.dtype !== 'int32') throw new DTypeError(`scatterAdd: indices must be int32, got ${indices.dtype}`);
    return this.call(() =>
      this.kernels.scatterAdd(this.store(indices, 'indices'), indices.shape, this.store(updates, 'updates'), updates.shape, numRows),
    );
  }

  where(cond: BTensor, a: BTensor, b: BTensor, outShape: readonly number[]): Storage {
    return this.call(() =>
      this.kernels.where(this.store(cond, 'cond'), cond.shape, this.store(a, 'a'), a.shape, this.store(b, 'b'), b.shape, outShape),
    );
  }

  cast(x: BTensor, dtype: DType): Storage {
    const code = this.codes.dtype[dtype];
    if (code === undefined) throw new DTypeError(`cast: unknown dtype '${dtype}'`);
    return this.call(() => this.kernels.cast(this.store(x, 'x'), code));
  }

  // ---- fused kernels ----

  sequenceForward(args: SequenceForwardArgs): SequenceForwardResult {
    return this.call(() => {
      const o = this.fused.seqForward(args);
      // Recording asks the kernel for its reserve, which already holds what explain wants (every
      // step's gate activations and lstm's c_t): an extra output of the one fused loop, not a
      // second path. The outputs are the same numbers either way (the conformance suite checks it).
      const record = args.record === true;
      if (record) o.training = true;
      if (o.training) o.reserveOut = this.recycledReserve(args.x.dtype, seqReserveSize(args.cell, o));
      const res = this.fused.seqForwardResult(args, o, this.kernels.sequenceForward(o));
      if (!record) return res;
      const trace = this.traceOf(args, res.reserve as { data: S | null } | null);
      return args.training ? { ...res, trace } : { ...res, reserve: null, trace };
    });
  }

  abstract read(x: BTensor): TypedArray;
  abstract write(data: TypedArray): Storage;
  abstract view(x: BTensor, offset: number, length: number): Storage;

  /**
   * `length` elements of a reserve from `offset` as storage of their own, with the ranges in
   * `zero` (relative to offset) zeroed. This default copies through the host (the cuda backend);
   * the native backend overrides it with views into the reserve, which it then never recycles.
   */
  protected traceRange(reserve: { data: S | null }, dtype: DType, offset: number, length: number, zero: readonly [number, number][]): Storage {
    const whole = { storage: reserve.data as Storage, shape: [offset + length], dtype };
    const host = this.read({ storage: this.view(whole, offset, length), shape: [length], dtype });
    for (const [a, b] of zero) host.fill(0, a, b);
    return this.write(host);
  }

  /** The trace out of a sequence reserve (layout in native/src/rnn_sequence.h: gates [B*T, G*H],
   * h_prev [B*T, H], then lstm's c [B*T, H]), padded steps zeroed: the kernel never writes them. */
  private traceOf(args: SequenceForwardArgs, reserve: { data: S | null } | null): SequenceTrace {
    if (!reserve?.data) throw new BackendError('sequenceForward: recording needs the reserve, and the kernel returned none');
    const [B, T] = args.x.shape as [number, number];
    const H = args.h0.shape[1]!;
    const GH = GATES[args.cell] * H;
    const range = (offset: number, width: number): Storage => {
      const zero: [number, number][] = [];
      for (let b = 0; b < B && args.lengths; b++) zero.push([(b * T + args.lengths[b]!) * width, (b + 1) * T * width]);
      return this.traceRange(reserve, args.x.dtype, offset, B * T * width, zero);
    };
    return { gates: range(0, GH), cells: args.cell === 'lstm' ? range(B * T * (GH + H), H) : null };
  }

  sequenceBackward(args: SequenceBackwardArgs): SequenceBackwardResult {
    return this.call(() => this.kernels.sequenceBackward(this.fused.seqBackward(args))) as SequenceBackwardResult;
  }

  treeLevelForward(args: TreeLevelArgs): TreeLevelResult {
    return this.call(() => {
      const o = this.fused.treeForward(args);
      return this.fused.treeForwardResult(args, o, this.kernels.treeLevelForward(o));
    });
  }

  treeLevelBackward(args: TreeLevelBackwardArgs): TreeLevelBackwardResult {
    return this.call(() => this.kernels.treeLevelBackward(this.fused.treeBackward(args)));
  }

  attentionForward(args: AttentionForwardArgs): AttentionForwardResult {
    return this.call(() => this.kernels.attentionForward(this.fused.attention(args)));
  }

  attentionBackward(args: AttentionBackwardArgs): AttentionBackwardResult {
    return this.call(() => this.kernels.attentionBackward(this.fused.attentionBackward(args)));
  }

  // ---- linear-chain CRF and conv1d (sizes checked by the C API; meaning by core) ----

  private crf(a: CrfKernelArgs) {
    const [batch, steps, K] = a.emissions.shape as [number, number, number];
    return {
      batch,
      steps,
      emissions: this.store(a.emissions, 'emissions'),
      transitions: this.store(a.transitions, 'transitions'),
      start: this.store(a.start, 'start'),
      end: this.store(a.end, 'end'),
      lengths: a.lengths,
      numTags: K,
    };
  }

  crfNllForward(args: CrfNllKernelArgs): CrfNllKernelResult {
    return this.call(() => {
      const out = this.kernels.crfNllForward({ ...this.crf(args), tags: args.tags, training: args.training });
      return { nll: out.nll, reserve: out.reserve ? { kind: 'crf', data: out.reserve } : null };
    });
  }

  crfNllBackward(args: CrfNllBackwardArgs): CrfNllBackwardResult {
    return this.call(() => {
      const r = args.forward.reserve as { kind: string; data: S | null } | null;
      if (!r || r.kind !== 'crf' || !r.data) {
        throw new BackendError('crfNllBackward: forward.reserve is missing or released; run crfNllForward with training: true and pass its result');
      }
      return this.kernels.crfNllBackward({ ...this.crf(args), tags: args.tags, reserve: r.data, dnll: this.store(args.dnll, 'dnll') });
    });
  }

  crfViterbi(args: CrfKernelArgs): CrfViterbiResult {
    return this.call(() => {
      return this.kernels.crfViterbi(this.crf(args));
    });
  }

  private conv(a: Conv1dArgs) {
    const [batch, steps, inChannels] = a.x.shape as [number, number, number];
    const [outChannels, , kernel] = a.weight.shape as [number, number, number];
    return { batch, steps, inChannels, outChannels, kernel, padding: a.padding, x: this.store(a.x, 'x'), weight: this.store(a.weight, 'weight') };
  }

  conv1dForward(args: Conv1dArgs): Storage {
    return this.call(() => this.kernels.conv1dForward({ ...this.conv(args), bias: args.bias ? this.store(args.bias, 'bias') : null }));
  }

  conv1dBackward(args: Conv1dBackwardArgs): Conv1dBackwardResult {
    return this.call(() =>
      this.kernels.conv1dBackward({ ...this.conv(args), dy: this.store(args.dy, 'dy'), needDx: args.needDx, hasBias: args.bias !== null }),
    );
  }

  adamStep(args: AdamStepArgs): void {
    this.call(() => this.kernels.adamStep(this.fused.adam(args)));
  }
}

/** Elements of a fused sequence reserve (rnn_seq_reserve_size): gates, h_prev, and LSTM's c / GRU's hn. */
function seqReserveSize(cell: FusedCell, o: { batch: number; steps: number; hidden: number }): number {
  const per = GATES[cell] + 1 + (cell === 'lstm' || cell === 'gru' ? 1 : 0);
  return o.batch * o.steps * o.hidden * per;
}
