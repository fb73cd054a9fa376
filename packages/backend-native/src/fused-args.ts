import {
  BackendError,
  ValueError,
  type AdamStepArgs,
  type AttentionBackwardArgs,
  type AttentionForwardArgs,
  type BTensor,
  type DType,
  type FusedCell,
  type SequenceBackwardArgs,
  type SequenceForwardArgs,
  type SequenceForwardResult,
  type TreeLevelArgs,
  type TreeLevelBackwardArgs,
  type TreeLevelResult,
} from '@rnn/core';
import type {
  AddonCodes,
  AdamOptions,
  AttnBackwardOptions,
  AttnOptions,
  SeqBackwardOptions,
  SeqForwardOptions,
  SeqForwardOut,
  SeqOptions,
  TreeBackwardOptions,
  TreeForwardOptions,
  TreeForwardOut,
  TreeOptions,
} from './kernel-addon.js';
import { rank } from './storage.js';

/**
 * Turning the Backend interface's fused-kernel arguments into an addon's options objects, for
 * either addon (`S` is its storage): dims from the tensors' shapes and each tensor's storage. This
 * only marshals: what a user can get wrong is checked by @rnn/core's ops, and whether the arrays
 * fit the dims by the C API (rnn_seq_check_args, rnn_tree_check_args, rnn_adam_check_args).
 *
 * What it adds is the reserve's provenance: the reserve is wrapped with the call it belongs to, so
 * a backward with other arguments (a reversed direction, other lengths: the same size, different
 * contents) is refused instead of silently computing garbage.
 */

/** A tensor's storage on this backend (checks it is this backend's kind of storage). */
export type StorageOf<S> = (t: BTensor, what: string) => S;

/** What `sequenceForward` keeps for `sequenceBackward`: the kernel's reserve and the call it belongs to. */
export interface SeqReserve<S> {
  /** 'rnn' on the native backend, 'cuda-rnn' on cuda: a reserve never crosses backends. */
  readonly kind: string;
  readonly mode: FusedCell;
  readonly dtype: DType;
  readonly batch: number;
  readonly steps: number;
  readonly input: number;
  readonly hidden: number;
  readonly reverse: boolean;
  readonly lengths: Int32Array | null;
  /** null once released by `disposeReserve`. */
  data: S | null;
}

/** What `treeLevelForward` keeps for `treeLevelBackward`. */
export interface TreeReserve<S> {
  readonly kind: string;
  readonly dtype: DType;
  readonly nodes: number;
  readonly input: number;
  readonly hidden: number;
  data: S | null;
}

export class FusedArgs<S> {
  constructor(
    private readonly codes: AddonCodes,
    private readonly store: StorageOf<S>,
    private readonly kinds: { readonly seq: string; readonly tree: string },
  ) {}

  private opt(t: BTensor | null, what: string): S | null {
    return t ? this.store(t, what) : null;
  }

  private seq(args: SequenceForwardArgs, op: string): SeqOptions<S> {
    const mode = this.codes.mode[args.cell];
    if (mode === undefined) throw new ValueError(`${op}: unknown cell '${args.cell}'; expected one of ${Object.keys(this.codes.mode).join(', ')}`);
    const [batch, steps, input] = rank(args.x, 3, 'x', op) as [number, number, number];
    const hidden = rank(args.h0, 2, 'h0', op)[1]!;
    return {
      mode,
      batch,
      steps,
      input,
      hidden,
      x: this.store(args.x, 'x'),
      h0: this.store(args.h0, 'h0'),
      c0: args.cell === 'lstm' ? this.opt(args.c0, 'c0') : null,
      weightIh: this.store(args.weightIh, 'weightIh'),
      weightHh: this.store(args.weightHh, 'weightHh'),
      lengths: args.lengths,
      reverse: args.reverse,
    };
  }

  seqForward(args: SequenceForwardArgs): SeqForwardOptions<S> {
    const o = this.seq(args, 'sequenceForward');
    return { ...o, biasIh: this.store(args.biasIh, 'biasIh'), biasHh: this.store(args.biasHh, 'biasHh'), training: args.training };
  }

  seqForwardResult(args: SequenceForwardArgs, o: SeqOptions<S>, out: SeqForwardOut<S>): SequenceForwardResult {
    const reserve: SeqReserve<S> | null = out.reserve
      ? {
          kind: this.kinds.seq,
          mode: args.cell,
          dtype: args.x.dtype,
          batch: o.batch,
          steps: o.steps,
          input: o.input,
          hidden: o.hidden,
          reverse: args.reverse,
          lengths: args.lengths ? args.lengths.slice() : null,
          data: out.reserve,
        }
      : null;
    return { y: out.y, hN: out.hN, cN: out.cN, reserve };
  }

  seqBackward(args: SequenceBackwardArgs): SeqBackwardOptions<S> {
    const o = this.seq(args, 'sequenceBackward');
    const r = reserveOf<SeqReserve<S>>(args.forward.reserve, this.kinds.seq, 'sequence');
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
    return {
      ...o,
      reserve: r.data!,
      dy: this.opt(args.dy, 'dy'),
      dhN: this.opt(args.dhN, 'dhN'),
      dcN: args.cell === 'lstm' ? this.opt(args.dcN, 'dcN') : null,
      needDx: args.needDx !== false,
    };
  }

  private tree(args: TreeLevelArgs, op: string): TreeOptions<S> {
    const [nodes, input] = rank(args.x, 2, 'x', op) as [number, number];
    const hidden = rank(args.hL, 2, 'hL', op)[1]!;
    return {
      nodes,
      input,
      hidden,
      x: this.store(args.x, 'x'),
      hL: this.store(args.hL, 'hL'),
      cL: this.store(args.cL, 'cL'),
      hR: this.store(args.hR, 'hR'),
      cR: this.store(args.cR, 'cR'),
      weight: this.store(args.weight, 'weight'),
      weightH: this.store(args.weightH, 'weightH'),
    };
  }

  treeForward(args: TreeLevelArgs): TreeForwardOptions<S> {
    return { ...this.tree(args, 'treeLevelForward'), bias: this.store(args.bias, 'bias'), training: args.training };
  }

  treeForwardResult(args: TreeLevelArgs, o: TreeOptions<S>, out: TreeForwardOut<S>): TreeLevelResult {
    const reserve: TreeReserve<S> | null = out.reserve
      ? { kind: this.kinds.tree, dtype: args.x.dtype, nodes: o.nodes, input: o.input, hidden: o.hidden, data: out.reserve }
      : null;
    return { h: out.h, c: out.c, reserve };
  }

  treeBackward(args: TreeLevelBackwardArgs): TreeBackwardOptions<S> {
    const o = this.tree(args, 'treeLevelBackward');
    const r = reserveOf<TreeReserve<S>>(args.forward.reserve, this.kinds.tree, 'treeLevel');
    if (r.nodes !== o.nodes || r.input !== o.input || r.hidden !== o.hidden || r.dtype !== args.x.dtype) {
      throw new ValueError(
        `treeLevelBackward: the reserve belongs to a level of ${r.nodes} nodes [${r.input} -> ${r.hidden}]; pass that forward's arguments`,
      );
    }
    return { ...o, reserve: r.data!, dh: this.opt(args.dh, 'dh'), dc: this.opt(args.dc, 'dc') };
  }

  attention(args: AttentionForwardArgs): AttnOptions<S> {
    const op = 'attentionForward';
    const score = this.codes.score[args.score];
    if (score === undefined) throw new ValueError(`${op}: unknown score '${args.score}'; expected one of ${Object.keys(this.codes.score).join(', ')}`);
    const [batch, queries, features] = rank(args.query, 3, 'query', op) as [number, number, number];
    const sources = rank(args.keys, 3, 'keys', op)[1]!;
    const valueFeatures = rank(args.values, 3, 'values', op)[2]!;
    return {
      score,
      batch,
      queries,
      sources,
      features,
      valueFeatures,
      query: this.store(args.query, 'query'),
      keys: this.store(args.keys, 'keys'),
      values: this.store(args.values, 'values'),
      v: args.score === 'additive' ? this.opt(args.v, 'v') : null,
      lengths: args.lengths,
    };
  }

  attentionBackward(args: AttentionBackwardArgs): AttnBackwardOptions<S> {
    return {
      ...this.attention(args),
      weights: this.store(args.weights, 'weights'),
      dContext: this.opt(args.dContext, 'dContext'),
      dWeights: this.opt(args.dWeights, 'dWeights'),
    };
  }

  adam(args: AdamStepArgs): AdamOptions<S> {
    const { lr, beta1, beta2, eps, step, weightDecay, decoupled } = args;
    return {
      param: this.store(args.param, 'param'),
      grad: this.store(args.grad, 'grad'),
      m: this.store(args.m, 'm'),
      v: this.store(args.v, 'v'),
      ...{ lr, beta1, beta2, eps, step, weightDecay, decoupled },
    };
  }
}

/** The forward's reserve for a backward: this backend's kind, not yet released. */
function reserveOf<R extends { kind: string; data: unknown }>(reserve: unknown, kind: string, op: 'sequence' | 'treeLevel'): R {
  const r = reserve as R | null;
  if (!r || r.kind !== kind) {
    throw new BackendError(`${op}Backward: forward.reserve is missing; run ${op}Forward with training: true and pass its result`);
  }
  if (!r.data) throw new BackendError(`${op}Backward: the reserve was already released with disposeReserve`);
  return r;
}

function sameLengths(a: Int32Array | null, b: Int32Array | null): boolean {
  if (!a || !b) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
