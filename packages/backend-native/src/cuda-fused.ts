import {
  BackendError,
  DTypeError,
  GATES,
  ShapeError,
  ValueError,
  type BTensor,
  type DType,
  type SequenceBackwardArgs,
  type SequenceForwardArgs,
  type FusedCell,
  type TreeLevelArgs,
  type TreeLevelBackwardArgs,
} from '@rnn/core';
import type { AddonCodes } from './addon.js';
import type { CudaSeqOptions, CudaTreeOptions, DeviceBuffer } from './cuda-addon.js';
import { fmt, rank, size } from './storage.js';

/**
 * The CUDA backend's fused-kernel arguments: dims from the tensors' shapes, each shape checked with
 * a message that names the argument, and the reserve wrapped with the call it belongs to (as the
 * CPU backend does in fused-args.ts), so a mismatched backward is refused. The reserve lives on the
 * device; `disposeReserve` frees it at once instead of waiting for the garbage collector.
 */

export type BufOf = (t: BTensor, what: string) => DeviceBuffer;

export interface CudaSeqReserve {
  readonly kind: 'cuda-rnn';
  readonly mode: FusedCell;
  readonly dtype: DType;
  readonly batch: number;
  readonly steps: number;
  readonly input: number;
  readonly hidden: number;
  readonly reverse: boolean;
  readonly lengths: Int32Array | null;
  /** null once released. */
  data: DeviceBuffer | null;
}

export interface CudaTreeReserve {
  readonly kind: 'cuda-tree';
  readonly dtype: DType;
  readonly nodes: number;
  readonly input: number;
  readonly hidden: number;
  data: DeviceBuffer | null;
}

export function seqOptions(codes: AddonCodes, args: SequenceForwardArgs, op: string, buf: BufOf): CudaSeqOptions {
  const mode = codes.mode[args.cell];
  if (mode === undefined) throw new ValueError(`${op}: unknown mode '${args.cell}'`);
  const [batch, steps, input] = rank(args.x, 3, 'x', op) as [number, number, number];
  const [hb, hidden] = rank(args.h0, 2, 'h0', op) as [number, number];
  if (hb !== batch) throw new ShapeError(`${op}: h0 has shape ${fmt(args.h0.shape)} but x has batch ${batch}`);
  const g = GATES[args.cell] * hidden;
  const expect = (t: BTensor | null, shape: number[], what: string) => {
    if (t && (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))) {
      throw new ShapeError(`${op}: ${what} has shape ${fmt(t.shape)}; expected ${fmt(shape)} for ${args.cell}`);
    }
  };
  expect(args.weightIh, [g, input], 'weightIh');
  expect(args.weightHh, [g, hidden], 'weightHh');
  expect(args.biasIh, [g], 'biasIh');
  expect(args.biasHh, [g], 'biasHh');
  if (args.cell === 'lstm') expect(args.c0, [batch, hidden], 'c0');
  if (args.lengths && args.lengths.length !== batch) {
    throw new ShapeError(`${op}: lengths has ${args.lengths.length} entries for a batch of ${batch}`);
  }
  for (const t of [args.h0, args.c0, args.weightIh, args.weightHh, args.biasIh, args.biasHh]) {
    if (t && t.dtype !== args.x.dtype) throw new DTypeError(`${op}: all tensors must be ${args.x.dtype} like x, got ${t.dtype}`);
  }
  return {
    mode,
    batch,
    steps,
    input,
    hidden,
    x: buf(args.x, 'x'),
    h0: buf(args.h0, 'h0'),
    c0: args.cell === 'lstm' && args.c0 ? buf(args.c0, 'c0') : null,
    weightIh: buf(args.weightIh, 'weightIh'),
    weightHh: buf(args.weightHh, 'weightHh'),
    lengths: args.lengths,
    reverse: args.reverse,
  };
}

export function seqReserve(args: SequenceForwardArgs, o: CudaSeqOptions, data: DeviceBuffer | null): CudaSeqReserve | null {
  if (!data) return null;
  return {
    kind: 'cuda-rnn',
    mode: args.cell,
    dtype: args.x.dtype,
    batch: o.batch,
    steps: o.steps,
    input: o.input,
    hidden: o.hidden,
    reverse: args.reverse,
    lengths: args.lengths ? args.lengths.slice() : null,
    data,
  };
}

/** The forward's reserve for this backward, refused unless it belongs to the same arguments. */
export function seqBackwardReserve(args: SequenceBackwardArgs, o: CudaSeqOptions): DeviceBuffer {
  const r = args.forward.reserve as CudaSeqReserve | null;
  if (!r || r.kind !== 'cuda-rnn') {
    throw new BackendError('sequenceBackward: forward.reserve is missing; run sequenceForward with training: true and pass its result');
  }
  if (!r.data) throw new BackendError('sequenceBackward: the reserve was already released with disposeReserve');
  const same =
    r.mode === args.cell &&
    r.dtype === args.x.dtype &&
    r.batch === o.batch &&
    r.steps === o.steps &&
    r.input === o.input &&
    r.hidden === o.hidden &&
    r.reverse === args.reverse &&
    sameLengths(r.lengths, args.lengths);
  if (!same) {
    throw new ValueError(
      `sequenceBackward: the reserve belongs to a ${r.mode} forward over [${r.batch}, ${r.steps}, ${r.input}] -> ${r.hidden}` +
        ` (reverse ${r.reverse}, lengths ${r.lengths ? 'given' : 'none'}); pass the same arguments as that forward`,
    );
  }
  const check = (x: BTensor | null, shape: number[], what: string) => {
    if (x && size(x.shape) !== size(shape)) throw new ShapeError(`sequenceBackward: ${what} has shape ${fmt(x.shape)}; expected ${fmt(shape)}`);
  };
  check(args.dy, [o.batch, o.steps, o.hidden], 'dy');
  check(args.dhN, [o.batch, o.hidden], 'dhN');
  check(args.dcN, [o.batch, o.hidden], 'dcN');
  return r.data;
}

export function treeOptions(args: TreeLevelArgs, op: string, buf: BufOf): CudaTreeOptions {
  const [nodes, input] = rank(args.x, 2, 'x', op) as [number, number];
  const [hn, hidden] = rank(args.hL, 2, 'hL', op) as [number, number];
  if (hn !== nodes) throw new ShapeError(`${op}: hL has shape ${fmt(args.hL.shape)} but x has ${nodes} nodes`);
  for (const [t, what] of [
    [args.cL, 'cL'],
    [args.hR, 'hR'],
    [args.cR, 'cR'],
  ] as const) {
    if (t.shape.length !== 2 || t.shape[0] !== nodes || t.shape[1] !== hidden) {
      throw new ShapeError(`${op}: ${what} has shape ${fmt(t.shape)}; expected ${fmt([nodes, hidden])}`);
    }
  }
  if (args.weight.shape[0] !== 5 * hidden || args.weight.shape[1] !== input) {
    throw new ShapeError(`${op}: weight has shape ${fmt(args.weight.shape)}; expected ${fmt([5 * hidden, input])}`);
  }
  if (args.weightH.shape[0] !== 5 * hidden || args.weightH.shape[1] !== 2 * hidden) {
    throw new ShapeError(`${op}: weightH has shape ${fmt(args.weightH.shape)}; expected ${fmt([5 * hidden, 2 * hidden])}`);
  }
  return {
    nodes,
    input,
    hidden,
    x: buf(args.x, 'x'),
    hL: buf(args.hL, 'hL'),
    cL: buf(args.cL, 'cL'),
    hR: buf(args.hR, 'hR'),
    cR: buf(args.cR, 'cR'),
    weight: buf(args.weight, 'weight'),
    weightH: buf(args.weightH, 'weightH'),
  };
}

export function treeReserve(args: TreeLevelArgs, o: CudaTreeOptions, data: DeviceBuffer | null): CudaTreeReserve | null {
  return data ? { kind: 'cuda-tree', dtype: args.x.dtype, nodes: o.nodes, input: o.input, hidden: o.hidden, data } : null;
}

export function treeBackwardReserve(args: TreeLevelBackwardArgs, o: CudaTreeOptions): DeviceBuffer {
  const r = args.forward.reserve as CudaTreeReserve | null;
  if (!r || r.kind !== 'cuda-tree') {
    throw new BackendError('treeLevelBackward: forward.reserve is missing; run treeLevelForward with training: true');
  }
  if (!r.data) throw new BackendError('treeLevelBackward: the reserve was already released with disposeReserve');
  if (r.nodes !== o.nodes || r.input !== o.input || r.hidden !== o.hidden || r.dtype !== args.x.dtype) {
    throw new ValueError(
      `treeLevelBackward: the reserve belongs to a level of ${r.nodes} nodes [${r.input} -> ${r.hidden}]; pass that forward's arguments`,
    );
  }
  return r.data;
}

function sameLengths(a: Int32Array | null, b: Int32Array | null): boolean {
  if (!a || !b) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
