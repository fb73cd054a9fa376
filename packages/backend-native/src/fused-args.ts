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
  type SequenceForwardResult,
  type FusedCell,
  type TreeLevelArgs,
  type TreeLevelBackwardArgs,
} from '@rnn/core';
import type { AddonCodes, Arr, SeqBackwardOptions, SeqForwardOptions, SeqForwardOut, SeqOptions, TreeOptions } from './addon.js';
import { arr, fmt, optArr, rank, size } from './storage.js';

/**
 * Turning the Backend interface's fused-kernel arguments into the addon's options objects:
 * dims from the tensors' shapes, every shape checked (ShapeError / DTypeError with what was
 * expected), and the reserve wrapped with the call it belongs to so a mismatched backward is
 * refused instead of silently computing garbage.
 */

/** What `sequenceForward` keeps for `sequenceBackward`: the kernel's reserve buffer and the call it belongs to. */
export interface NativeSeqReserve {
  readonly kind: 'rnn';
  readonly mode: FusedCell;
  readonly dtype: DType;
  readonly batch: number;
  readonly steps: number;
  readonly input: number;
  readonly hidden: number;
  readonly reverse: boolean;
  readonly lengths: Int32Array | null;
  /** null once released by `disposeReserve`. */
  data: Arr | null;
}

/** What `treeLevelForward` keeps for `treeLevelBackward`. */
export interface NativeTreeReserve {
  readonly kind: 'tree';
  readonly dtype: DType;
  readonly nodes: number;
  readonly input: number;
  readonly hidden: number;
  data: Arr | null;
}

function seqOptions(codes: AddonCodes, args: SequenceForwardArgs, op: string): SeqOptions {
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
    x: arr(args.x, 'x'),
    h0: arr(args.h0, 'h0'),
    c0: args.cell === 'lstm' ? optArr(args.c0, 'c0') : null,
    weightIh: arr(args.weightIh, 'weightIh'),
    weightHh: arr(args.weightHh, 'weightHh'),
    lengths: args.lengths,
    reverse: args.reverse,
  };
}

export function seqForwardOptions(codes: AddonCodes, args: SequenceForwardArgs): SeqForwardOptions {
  const o = seqOptions(codes, args, 'sequenceForward');
  return { ...o, biasIh: arr(args.biasIh, 'biasIh'), biasHh: arr(args.biasHh, 'biasHh'), training: args.training };
}

export function seqForwardResult(args: SequenceForwardArgs, out: SeqForwardOut): SequenceForwardResult {
  const [batch, steps, input] = args.x.shape as [number, number, number];
  const reserve: NativeSeqReserve | null = out.reserve
    ? {
        kind: 'rnn',
        mode: args.cell,
        dtype: args.x.dtype,
        batch,
        steps,
        input,
        hidden: args.h0.shape[1]!,
        reverse: args.reverse,
        lengths: args.lengths ? args.lengths.slice() : null,
        data: out.reserve,
      }
    : null;
  return { y: out.y, hN: out.hN, cN: out.cN, reserve };
}

export function seqBackwardOptions(codes: AddonCodes, args: SequenceBackwardArgs): SeqBackwardOptions {
  const o = seqOptions(codes, args, 'sequenceBackward');
  const r = args.forward.reserve as NativeSeqReserve | null;
  if (!r || r.kind !== 'rnn') {
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
  const { batch: b, steps: t, hidden: h } = o;
  const check = (x: BTensor | null, shape: number[], what: string) => {
    if (x && size(x.shape) !== size(shape)) throw new ShapeError(`sequenceBackward: ${what} has shape ${fmt(x.shape)}; expected ${fmt(shape)}`);
  };
  check(args.dy, [b, t, h], 'dy');
  check(args.dhN, [b, h], 'dhN');
  check(args.dcN, [b, h], 'dcN');
  return {
    ...o,
    reserve: r.data,
    dy: optArr(args.dy, 'dy'),
    dhN: optArr(args.dhN, 'dhN'),
    dcN: args.cell === 'lstm' ? optArr(args.dcN, 'dcN') : null,
    needDx: args.needDx !== false,
  };
}

export function treeOptions(args: TreeLevelArgs, op: string): TreeOptions {
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
    x: arr(args.x, 'x'),
    hL: arr(args.hL, 'hL'),
    cL: arr(args.cL, 'cL'),
    hR: arr(args.hR, 'hR'),
    cR: arr(args.cR, 'cR'),
    weight: arr(args.weight, 'weight'),
    weightH: arr(args.weightH, 'weightH'),
  };
}

export function treeReserve(args: TreeLevelArgs, o: TreeOptions, data: Arr | null): NativeTreeReserve | null {
  return data ? { kind: 'tree', dtype: args.x.dtype, nodes: o.nodes, input: o.input, hidden: o.hidden, data } : null;
}

export function treeBackwardReserve(args: TreeLevelBackwardArgs, o: TreeOptions): Arr {
  const r = args.forward.reserve as NativeTreeReserve | null;
  if (!r || r.kind !== 'tree') {
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
