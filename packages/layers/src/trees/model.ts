import { z } from 'zod';
import {
  ConfigError,
  parseOptions,
  schemas,
  FormatError,
  argmax,
  initialise,
  cellConfig,
  noGrad,
  serializeSafetensors,
  ParameterSet,
  Rng,
  ValueError,
  add,
  div,
  gather,
  getBackend,
  linear,
  logSoftmax,
  mul,
  neg,
  reshape,
  square,
  sum,
  tensor,
  type Backend,
  type FloatDType,
  type CellParams,
  type JsonValue,
  type ParameterSpec,
  type RawTensor,
  type Tensor,
} from '@rnn/core';
import { dropoutMul } from '../layers/dropout.js';
import { treeCell } from '../cells/registry.js';
import { files } from '../platform/files.js';
import type { StepContext, TrainableModel } from '../model/types.js';
import { planBatch, runBatched, runNodeByNode, type EncodedTree, type TreeForward } from './batch.js';
import type { TreeCell } from './cell.js';
import { scoreAccumulator } from './scores.js';
import type { Tree } from './tree.js';
import { Vocab } from './vocab.js';

const treeNetOptions = z.strictObject({
  /** A registered cell by kind (with `hiddenSize`, and `cellOptions` if it has any) or any `TreeCell`. */
  cell: z.union(
    [
      schemas.text(),
      z.custom<TreeCell>((v) => typeof v === 'object' && v !== null && typeof (v as TreeCell).parameters === 'function', { error: 'a TreeCell' }),
    ],
    { error: "a registered tree cell's name ('tree-lstm', 'child-sum', 'rnn', 'rntn') or a TreeCell" },
  ),
  hiddenSize: schemas.positiveInt().optional(),
  /** The rest of a registered cell's config (see `TreeCell.config`). */
  cellOptions: z.record(z.string(), z.custom<JsonValue>(() => true), { error: 'an object of JSON values' }).optional(),
  /** Width of the word vectors (trained from scratch). */
  embeddingDim: schemas.positiveInt(),
  vocab: z.instanceof(Vocab, { error: 'a Vocab (Vocab.build(trees))' }),
  /** Classes of the node labels (SST: 5). */
  numClasses: z.number({ error: 'an integer of at least 2' }).int({ error: 'an integer of at least 2' }).min(2, { error: 'an integer of at least 2' }).optional(),
  /** Dropout on the word vectors and on h before the classifier, in training (default 0). */
  dropout: schemas.rate().optional(),
  /** Standard deviation of the word vectors' normal initialisation (default 0.1: with N(0, 1), as nn.Embedding, words learned from scratch move too little relative to their size). */
  embeddingStd: schemas.positiveNumber().optional(),
  seed: schemas.integer().optional(),
  dtype: schemas.floatDtypeSchema().optional(),
  backend: schemas.backendSchema().optional(),
});

export type TreeNetOptions = z.infer<typeof treeNetOptions>;

/** What a tree-model file stores under `rnn.tree`, with the vocabulary. */
export interface TreeNetConfig {
  cell: string;
  hiddenSize: number;
  /** The rest of the cell's `config()`, when it has more than its size. */
  cellOptions?: Record<string, JsonValue>;
  embeddingDim: number;
  numClasses: number;
  dropout: number;
}

/** How `loss(batch)` trains (set by `fitTrees`, as `compile` sets a Sequential's loss). */
export interface TreeTrainingOptions extends TreeLossOptions {
  /** Run the cell node by node instead of level by level (for comparison; much slower). */
  nodeByNode?: boolean;
}

/**
 * Tree models are safetensors files, but NOT model files of the contract (docs/model-file.md):
 * that contract lists sequence layers only, and its reader refuses a file without `rnn.format`
 * and `rnn.config`. A tree model instead has one metadata key, `rnn.tree`, holding JSON
 * `{ version: 1, config: TreeNetConfig, vocab: { tokens, lowercase } }`, and one F32 tensor per
 * parameter under its name (`embedding.weight`, `cell.weight_hh`, `classifier.bias`, ...), so
 * PyTorch's `safetensors.torch.load_file` reads the weights directly.
 */
export const TREE_MODEL_KEY = 'rnn.tree';
export const TREE_MODEL_VERSION = 1;

export interface TreeForwardOptions {
  training?: boolean;
  /** Dropout masks come from here (default: a generator seeded 0). */
  rng?: Rng;
  /** Run the cell one node at a time instead of level by level (for comparison). */
  nodeByNode?: boolean;
  /** false: level by level from JavaScript even where the cell runs the whole batch in one native
   *  call (the reference; default true). */
  fused?: boolean;
}


export interface TreeLossOptions {
  /** Only the roots' labels count (default false: every labelled node, as the SST papers). */
  rootOnly?: boolean;
  /** L2 penalty `l2/2 · ‖θ‖²` on the cell's and classifier's weights (not the word vectors). */
  l2?: number;
}

/**
 * A recursive tree net for node classification: word vectors (`embedding.weight [V, E]`), a tree
 * cell (`cell.*`) applied bottom-up, and a softmax classifier on every node's h
 * (`classifier.weight [C, H]`, `classifier.bias [C]`). All parameters live in one `ParameterSet`.
 * A batch is an array of encoded trees; `fitTrees` trains it with the `Trainer`.
 */
export class TreeNet implements TrainableModel<readonly EncodedTree[]> {
  readonly cell: TreeCell;
  readonly vocab: Vocab;
  readonly embeddingDim: number;
  readonly numClasses: number;
  readonly dropout: number;
  readonly params: ParameterSet;
  private readonly cellParams: CellParams;
  /** How `loss(batch)` trains. */
  training: TreeTrainingOptions = {};
  /**
   * The Trainer frees every tensor of a training step as it ends (see `TrainableModel.tidySteps`):
   * a tree net keeps none of them (forward's plan is host arrays; the cell's reserve is released by
   * backward), so the native backend writes the next step's results into the released buffers.
   * Before, each step's ~1,000 fresh result arrays were V8 external memory: 1.5 scavenges and half
   * a mark-compact per step of workload D, whose marking ran on V8's threads beside our pool (issue 22).
   */
  readonly tidySteps = true;

  constructor(options: TreeNetOptions) {
    const o = parseOptions(treeNetOptions, options, 'new TreeNet');
    this.cell = typeof o.cell === 'string' ? treeCell(o.cell, { ...o.cellOptions, hiddenSize: o.hiddenSize ?? NaN }, 'tree net') : o.cell;
    this.vocab = o.vocab;
    this.embeddingDim = o.embeddingDim;
    this.numClasses = o.numClasses ?? 5;
    this.dropout = o.dropout ?? 0;
    if (!(Number.isInteger(o.embeddingDim) && o.embeddingDim >= 1)) {
      throw new ConfigError(`tree net: embeddingDim must be a positive integer, found ${o.embeddingDim}`);
    }
    if (!(Number.isInteger(this.numClasses) && this.numClasses >= 2)) {
      throw new ConfigError(`tree net: numClasses must be an integer of at least 2, found ${o.numClasses}`);
    }
    if (!(this.dropout >= 0 && this.dropout < 1)) throw new ConfigError(`tree net: dropout must be in [0, 1), found ${o.dropout}`);
    const rng = new Rng(o.seed ?? 0);
    const H = this.cell.hiddenSize;
    const E = this.embeddingDim;
    const C = this.numClasses;
    const specs: ParameterSpec[] = [
      { name: 'embedding.weight', shape: [this.vocab.size, E], init: initialise({ kind: 'normal', std: o.embeddingStd ?? 0.1 }, [this.vocab.size, E], rng) },
      ...this.cell.parameters(E, rng).map((p) => ({ ...p, name: `cell.${p.name}` })),
      { name: 'classifier.weight', shape: [C, H], init: initialise({ kind: 'uniform', bound: 1 / Math.sqrt(H) }, [C, H], rng) },
      { name: 'classifier.bias', shape: [C], init: initialise({ kind: 'uniform', bound: 1 / Math.sqrt(H) }, [C], rng) },
    ];
    this.params = new ParameterSet(specs, { dtype: o.dtype ?? 'float32', backend: o.backend ?? getBackend() });
    const cp: Record<string, Tensor> = {};
    this.params.names.forEach((n, i) => {
      if (n.startsWith('cell.')) cp[n.slice(5)] = this.params.tensors[i]!;
    });
    this.cellParams = cp;
  }

  get hiddenSize(): number {
    return this.cell.hiddenSize;
  }

  config(): TreeNetConfig {
    const { hiddenSize, ...cellOptions } = cellConfig(this.cell);
    return {
      cell: this.cell.kind,
      hiddenSize,
      ...(Object.keys(cellOptions).length ? { cellOptions: cellOptions as Record<string, JsonValue> } : {}),
      embeddingDim: this.embeddingDim,
      numClasses: this.numClasses,
      dropout: this.dropout,
    };
  }

  /** The tree-model file's bytes. `extra` metadata keys pass through (names must not start with `rnn.`). */
  toBytes(extra: Record<string, string> = {}): Uint8Array {
    for (const k of Object.keys(extra)) {
      if (k.startsWith('rnn.')) throw new FormatError(`tree model: metadata key '${k}' is reserved (keys starting with 'rnn.')`);
    }
    const tensors = new Map<string, RawTensor>();
    for (const [name, data] of this.params.toHost()) {
      tensors.set(name, { dtype: 'F32', shape: [...this.params.get(name).shape], data: Float32Array.from(data) });
    }
    const meta = { version: TREE_MODEL_VERSION, config: this.config(), vocab: this.vocab.toJSON() };
    return serializeSafetensors(tensors, { ...extra, [TREE_MODEL_KEY]: JSON.stringify(meta) });
  }

  /** Write the tree-model file atomically (a crash leaves the old file or the new one, whole). */
  save(path: string, extra: Record<string, string> = {}): void {
    files('net.save(path)', 'use net.toBytes() and parseTreeNet(bytes)').writeFile(path, this.toBytes(extra));
  }

  /** Trees with their words as this net's vocabulary ids. */
  encode(trees: readonly Tree[]): EncodedTree[] {
    return trees.map((tree) => ({ tree, ids: this.vocab.encode(tree) }));
  }

  private mask(x: Tensor, rng: Rng): Tensor {
    return dropoutMul(x, this.dropout, rng);
  }

  /** The embedding rows of `ids` (checked against the vocabulary), with dropout when `rng` is given. */
  private embedWords(ids: Int32Array, emb: Tensor, V: number, backend: Backend, rng: Rng | null): Tensor {
    for (const id of ids) if (!(id >= 0 && id < V)) throw new ValueError(`tree net: word id ${id} is outside the vocabulary 0..${V - 1}`);
    const x = gather(emb, tensor(ids, [ids.length], { dtype: 'int32', backend }));
    return rng ? this.mask(x, rng) : x;
  }

  /** Run the net on a mini-batch of trees: every node's h and class scores. */
  forward(trees: readonly EncodedTree[], o: TreeForwardOptions = {}): TreeForward {
    const plan = planBatch(trees, this.cell.maxChildren);
    const drop = (o.training ?? false) && this.dropout > 0;
    const rng = o.rng ?? new Rng(0);
    const emb = this.params.get('embedding.weight');
    const backend = this.params.backend;
    const V = this.vocab.size;
    // a one-line closure per call; the work is in a method, so V8 compiles it once, not once per
    // forward (a closure's optimized code is specialised to its context: recompiled for every batch)
    const embed = (ids: Int32Array): Tensor => this.embedWords(ids, emb, V, backend, drop ? rng : null);
    const run = { dtype: this.params.values.dtype as FloatDType, backend, fused: o.fused };
    const carry = o.nodeByNode
      ? runNodeByNode(this.cell, this.cellParams, trees, plan, embed, run)
      : runBatched(this.cell, this.cellParams, plan, embed, run);
    const h = carry[0]!;
    const logits = linear(drop ? this.mask(h, rng) : h, this.params.get('classifier.weight'), this.params.get('classifier.bias'));
    return { plan, h, logits };
  }

  /**
   * The training loss of a batch (dropout on, options from `training`), for the `Trainer`; the
   * batch's root accuracy goes to the epoch's `fine_root`.
   */
  loss(batch: readonly EncodedTree[], ctx: StepContext): Tensor {
    const out = this.forward(batch, { training: true, rng: ctx.rng, nodeByNode: this.training.nodeByNode });
    const acc = scoreAccumulator(this.numClasses);
    acc.add(out);
    const scores = acc.result();
    if (scores.trees > 0) ctx.metric('fine_root', scores.fineRoot, scores.trees);
    return this.lossOf(out, this.training);
  }

  /** Each tree's predicted root class, in batches, without gradients. */
  predict(trees: readonly (Tree | EncodedTree)[], o: { batchSize?: number } = {}): Int32Array {
    const bs = o.batchSize ?? 256;
    const enc = trees.map((t) => ('tree' in t ? t : this.encode([t])[0]!));
    const out = new Int32Array(enc.length);
    noGrad(() => {
      for (let i = 0; i < enc.length; i += bs) {
        const { plan, logits } = this.forward(enc.slice(i, i + bs));
        const best = argmax(gather(logits, tensor(plan.roots, [plan.roots.length], { dtype: 'int32', backend: logits.backend })), -1);
        out.set(best.data() as Int32Array, i);
      }
    });
    return out;
  }

  /**
   * Cross-entropy of a forward pass, summed over the labelled nodes (or the roots) and divided by
   * the number of trees, as Tai et al. 2015 train; plus the L2 penalty.
   */
  lossOf(out: TreeForward, o: TreeLossOptions = {}): Tensor {
    const { plan, logits } = out;
    const C = this.numClasses;
    // one pass over the rows, no per-row closures (this runs on every node of every batch)
    const labels = plan.labels;
    let rows: Int32Array = plan.roots;
    if (!o.rootOnly) {
      let n = 0;
      for (let r = 0; r < labels.length; r++) if (labels[r]! >= 0) n++;
      rows = new Int32Array(n);
      for (let r = 0, k = 0; r < labels.length; r++) if (labels[r]! >= 0) rows[k++] = r;
    }
    const flat = new Int32Array(rows.length);
    for (let k = 0; k < rows.length; k++) {
      const r = rows[k]!;
      const y = labels[r]!;
      if (!(y >= 0 && y < C)) {
        throw new ValueError(`tree net: a ${o.rootOnly ? 'root' : 'node'} has label ${y}, outside 0..${C - 1} (the net has ${C} classes)`);
      }
      flat[k] = r * C + y;
    }
    const logp = reshape(logSoftmax(logits, -1), [plan.total * C]);
    const picked = gather(logp, tensor(flat, [flat.length], { dtype: 'int32', backend: logits.backend }));
    let loss = div(neg(sum(picked)), plan.trees);
    if (o.l2) {
      let reg: Tensor | null = null;
      this.params.names.forEach((n, i) => {
        if (n === 'embedding.weight') return;
        const s = sum(square(this.params.tensors[i]!));
        reg = reg ? add(reg, s) : s;
      });
      if (reg) loss = add(loss, mul(reg, o.l2 / 2));
    }
    return loss;
  }
}
