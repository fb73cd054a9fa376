import { z } from 'zod';
import {
  ConfigError,
  LSTMCell,
  ParameterSet,
  Rng,
  ValueError,
  argmax,
  concat,
  div,
  gather,
  getBackend,
  initialise,
  linear,
  logSoftmax,
  mul,
  neg,
  noGrad,
  parseOptions,
  reshape,
  schemas,
  sum,
  tensor,
  writeModelFile,
  type RawTensor,
  type TaggerLayerConfig,
  type Tensor,
} from '@rnn/core';
import { dropoutMul } from '../layers/dropout.js';
import { files } from '../platform/files.js';
import { Recurrent } from '../layers/recurrent.js';
import type { LayerParameter } from '../layers/layer.js';
import type { StepContext, TrainableModel } from '../model/types.js';
import { padBatch, type EncodedSentence, type PaddedBatch } from './batch.js';
import { CharEncoder } from './char-encoder.js';
import { CRF } from './crf.js';
import { WORD_SHAPES, wordShape } from './shape.js';
import type { WordVectors } from './vectors.js';
import { TaggingVocab, type TaggedSentence } from './vocab.js';

const { positiveInt, nonNegativeInt, rate, bool, integer, text } = schemas;

const taggerOptions = z.strictObject({
  /** Words, characters and tags (`TaggingVocab.build(trainSentences, …)`). */
  vocab: z.instanceof(TaggingVocab, { error: 'a TaggingVocab (TaggingVocab.build(sentences))' }),
  /** Width of the word vectors (default 100, or the pretrained vectors' width). */
  wordDim: positiveInt().optional(),
  /** Character features (default true): a CNN over each word's characters, max-pooled. */
  chars: bool().optional(),
  /** Width of the character vectors (default 30). */
  charDim: positiveInt().optional(),
  /** CNN filters = character features per word (default 50). */
  charFilters: positiveInt().optional(),
  /** CNN width in characters (default 3). */
  charKernel: positiveInt().optional(),
  /** Width of the word-shape vectors (casing, digits, @/#/URL: `WORD_SHAPES`), from the original spelling; default none. */
  shapeDim: positiveInt().optional(),
  /** Training only: each word is read as `<unk>` with this probability (default 0), so `<unk>` learns what unseen words look like. */
  wordDropout: rate().optional(),
  /** LSTM units per direction (default 100). */
  hiddenSize: positiveInt().optional(),
  /** Stacked BiLSTM layers (default 1). */
  numLayers: positiveInt().optional(),
  /** Dropout on the BiLSTM's input and output, in training (default 0.5). */
  dropout: rate().optional(),
  /** Top with a linear-chain CRF (default true) or an independent softmax per token (false). */
  crf: bool().optional(),
  /** Pretrained vectors (`readWordVectors`) for the words of the vocabulary that they list. */
  wordVectors: z.custom<WordVectors>((v) => typeof v === 'object' && v !== null && (v as WordVectors).vectors instanceof Map, { error: 'WordVectors (readWordVectors(path))' }).optional(),
  /** Use the backend's fused kernels (LSTM, CRF) when it has them (default true). */
  fused: bool().optional(),
  /** Tensor-name prefix (default 'tagger'). */
  name: text().optional(),
  seed: integer().optional(),
  dtype: schemas.floatDtypeSchema().optional(),
  backend: schemas.backendSchema().optional(),
  /** Characters of a longer word kept for its character features: the first half and last half (default 20). */
  maxWordLength: nonNegativeInt().optional(),
});

export type TaggerOptions = z.infer<typeof taggerOptions>;

export interface TaggerForwardOptions {
  training?: boolean;
  rng?: Rng;
}

/** The metadata key of a tagger file's vocabularies: `{ version, words: { tokens, lowercase }, chars, tags }`. */
export const TAGGING_META_KEY = 'rnn.tagging';
export const TAGGING_META_VERSION = 1;

/** The longest word the character CNN reads whole (longer ones: first and last halves). */
export const DEFAULT_MAX_WORD_LENGTH = 20;

/**
 * A BiLSTM-CRF sequence tagger (Huang et al. 2015; Lample et al. 2016; Ma & Hovy 2016):
 *
 *   x_t = word_embedding[w_t] ⊕ max_pos char_cnn(char_embedding[chars of w_t])
 *   h   = BiLSTM(dropout(x))  (stacked, fused, each sentence its own length)
 *   e_t = fc(dropout(h_t))    emissions [B, T, numTags]
 *   loss = mean over sentences of −log p(tags | sentence), by the CRF (or Σ_t softmax NLL)
 *
 * Its parameters are one `ParameterSet` named as a PyTorch module would name them, under
 * `name` (`tagger.word_embedding.weight`, `tagger.lstm.weight_ih_l0_reverse`, `tagger.crf.transitions`…);
 * the model file is docs/model-file.md § "tagger". It trains on the shared `Trainer` (a batch is
 * an array of `EncodedSentence`s, see `encode`).
 */
export class Tagger implements TrainableModel<readonly EncodedSentence[]> {
  readonly vocab: TaggingVocab;
  readonly name: string;
  readonly wordDim: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly dropout: number;
  /** Width of the word-shape vectors (0: none). */
  readonly shapeDim: number;
  readonly wordDropout: number;
  readonly useCrf: boolean;
  readonly maxWordLength: number;
  readonly chars: CharEncoder | null;
  readonly crf: CRF | null;
  readonly params: ParameterSet;
  /** How many vocabulary words got a pretrained vector (0 without `wordVectors`). */
  readonly pretrainedWords: number;
  private readonly lstm: Recurrent;
  private readonly index: Map<string, number>;
  /**
   * The Trainer frees every tensor of a training step as it ends (see `TrainableModel.tidySteps`):
   * a tagger keeps none of them (its layers are the built-in ones `Sequential.tidySteps` trusts, the
   * CRF holds only its options), so the native backend writes the next step's results into the
   * released buffers. Before, none was released: about 6,000 new result arrays per second of WNUT17
   * training (1 GB/s of V8 external memory) and 15 mark-compacts per second.
   */
  readonly tidySteps = true;

  constructor(options: TaggerOptions) {
    const o = parseOptions(taggerOptions, options, 'new Tagger');
    this.vocab = o.vocab;
    this.name = o.name ?? 'tagger';
    const vecs = o.wordVectors;
    if (vecs && o.wordDim !== undefined && o.wordDim !== vecs.dim) {
      throw new ConfigError(`new Tagger: wordDim is ${o.wordDim} but the word vectors have ${vecs.dim} numbers each; give wordDim ${vecs.dim} or leave it out`);
    }
    this.wordDim = o.wordDim ?? vecs?.dim ?? 100;
    this.hiddenSize = o.hiddenSize ?? 100;
    this.numLayers = o.numLayers ?? 1;
    this.dropout = o.dropout ?? 0.5;
    this.shapeDim = o.shapeDim ?? 0;
    this.wordDropout = o.wordDropout ?? 0;
    this.useCrf = o.crf ?? true;
    this.maxWordLength = o.maxWordLength ?? DEFAULT_MAX_WORD_LENGTH;
    const K = this.vocab.tags.length;
    const p = `${this.name}.`;
    this.chars =
      (o.chars ?? true)
        ? new CharEncoder({ numChars: this.vocab.chars.size, embeddingDim: o.charDim ?? 30, filters: o.charFilters ?? 50, kernelSize: o.charKernel ?? 3 }, p)
        : null;
    this.crf = this.useCrf ? new CRF({ numTags: K, name: `${p}crf`, fused: o.fused ?? true }) : null;
    this.lstm = new Recurrent(new LSTMCell(this.hiddenSize), {
      name: `${p}lstm`,
      numLayers: this.numLayers,
      bidirectional: true,
      returnSequences: true,
      fused: o.fused ?? true,
    });
    this.lstm.build({ kind: 'sequence', features: this.wordDim + (this.chars?.c.filters ?? 0) + this.shapeDim });

    const rng = new Rng(o.seed ?? 0);
    const V = this.vocab.words.size;
    const E = this.wordDim;
    // words without a pretrained vector: normal with the pretrained vectors' own spread (so the two
    // kinds start on one scale), or std 1/√E from scratch (Ma & Hovy's uniform ±√(3/E) has it)
    const words = initialise({ kind: 'normal', std: vecs ? vectorStd(vecs) : 1 / Math.sqrt(E) }, [V, E], rng);
    let pretrained = 0;
    if (vecs) {
      this.vocab.words.tokens.forEach((w, i) => {
        const v = vecs.vectors.get(w) ?? (this.vocab.words.lowercase ? undefined : vecs.vectors.get(w.toLowerCase()));
        if (v) {
          words.set(v, i * E);
          pretrained++;
        }
      });
    }
    this.pretrainedWords = pretrained;
    const H2 = 2 * this.hiddenSize;
    const bound = 1 / Math.sqrt(H2);
    const specs: LayerParameter[] = [
      { name: `${p}word_embedding.weight`, shape: [V, E], init: words },
      ...(this.chars ? this.chars.parameters(rng) : []),
      ...(this.shapeDim
        ? [{ name: `${p}shape_embedding.weight`, shape: [WORD_SHAPES.length, this.shapeDim], init: initialise({ kind: 'normal', std: 1 / Math.sqrt(this.shapeDim) }, [WORD_SHAPES.length, this.shapeDim], rng) }]
        : []),
      ...this.lstm.parameters(rng),
      { name: `${p}fc.weight`, shape: [K, H2], init: initialise({ kind: 'uniform', bound }, [K, H2], rng) },
      { name: `${p}fc.bias`, shape: [K], init: initialise({ kind: 'uniform', bound }, [K], rng) },
      ...(this.crf ? this.crf.parameters(rng) : []),
    ];
    this.params = new ParameterSet(specs, { dtype: o.dtype ?? 'float32', backend: o.backend ?? getBackend() });
    this.index = new Map(this.params.names.map((n, i) => [n, i]));
  }

  get numTags(): number {
    return this.vocab.tags.length;
  }

  /** A parameter by its full name. */
  param = (name: string): Tensor => {
    const i = this.index.get(name);
    if (i === undefined) throw new ConfigError(`tagger: no parameter '${name}'`);
    return this.params.tensors[i]!;
  };

  /** The model-file layer config (docs/model-file.md § "tagger"). */
  config(): TaggerLayerConfig {
    const c = this.chars?.c;
    return {
      type: 'tagger',
      name: this.name,
      numWords: this.vocab.words.size,
      wordDim: this.wordDim,
      ...(this.shapeDim ? { shape: { numShapes: WORD_SHAPES.length, dim: this.shapeDim } } : { shape: null }),
      chars: c ? { numChars: c.numChars, embeddingDim: c.embeddingDim, filters: c.filters, kernelSize: c.kernelSize, maxWordLength: this.maxWordLength } : null,
      hiddenSize: this.hiddenSize,
      numLayers: this.numLayers,
      numTags: this.numTags,
      crf: this.useCrf,
      dropout: this.dropout,
    };
  }

  /** A word's character ids, a long word cut to its first and last `maxWordLength/2` characters. */
  private charIds(word: string): Int32Array {
    let cs = [...word];
    const m = this.maxWordLength;
    if (m > 0 && cs.length > m) cs = [...cs.slice(0, Math.ceil(m / 2)), ...cs.slice(cs.length - Math.floor(m / 2))];
    return Int32Array.from(cs, (c) => this.vocab.chars.id(c));
  }

  /**
   * Sentences as ids: unknown words and characters become `<unk>` (id 0); tags, when given, must
   * be ones seen in training (a `ValueError` names the first one that is not). An empty sentence
   * is a `ValueError` (a CRF needs at least one step); `predict` returns [] for one instead.
   */
  encode(sentences: readonly TaggedSentence[], o: { tags?: boolean } = {}): EncodedSentence[] {
    const withTags = o.tags ?? true;
    return sentences.map((s, i) => {
      const where = `sentence ${i + 1}`;
      if (s.tokens.length === 0) throw new ValueError(`${where} is empty; a sentence needs at least one token`);
      if (withTags && s.tags && s.tags.length !== s.tokens.length) {
        throw new ValueError(`${where} has ${s.tokens.length} tokens but ${s.tags.length} tags; expected one tag per token`);
      }
      return {
        words: Int32Array.from(s.tokens, (w) => this.vocab.words.id(w)),
        chars: this.chars ? s.tokens.map((w) => this.charIds(w)) : null,
        shapes: this.shapeDim ? Int32Array.from(s.tokens, wordShape) : null,
        tags: withTags && s.tags ? this.vocab.tagIds(s.tags, where) : null,
      };
    });
  }

  private drop(x: Tensor, rng: Rng): Tensor {
    return dropoutMul(x, this.dropout, rng);
  }

  /** Word ids with each replaced by `<unk>` (0) with probability `wordDropout` (a copy). */
  private dropWords(words: Int32Array, rng: Rng): Int32Array {
    const out = Int32Array.from(words);
    for (let i = 0; i < out.length; i++) if (rng.next() < this.wordDropout) out[i] = 0;
    return out;
  }

  /** Emission scores `[B, T, numTags]` of a padded batch. */
  emissions(b: PaddedBatch, o: TaggerForwardOptions = {}): Tensor {
    const drop = (o.training ?? false) && this.dropout > 0;
    const rng = o.rng ?? new Rng(0);
    const p = `${this.name}.`;
    const backend = this.params.backend;
    const { B, T } = b;
    const words = (o.training ?? false) && this.wordDropout > 0 ? this.dropWords(b.words, rng) : b.words;
    let x = gather(this.param(`${p}word_embedding.weight`), tensor(words, [B, T], { dtype: 'int32', backend }));
    if (this.chars) x = concat([x, reshape(this.chars.forward(b.chars!, this.param), [B, T, this.chars.c.filters])], 2);
    if (this.shapeDim) {
      if (!b.shapes) throw new ValueError('tagger: this tagger reads word shapes; encode the sentences with tagger.encode');
      x = concat([x, gather(this.param(`${p}shape_embedding.weight`), tensor(b.shapes, [B, T], { dtype: 'int32', backend }))], 2);
    }
    if (drop) x = this.drop(x, rng);
    let h = this.lstm.call(x, { training: o.training ?? false, lengths: b.lengths, rng, param: this.param });
    if (drop) h = this.drop(h, rng);
    return linear(h, this.param(`${p}fc.weight`), this.param(`${p}fc.bias`));
  }

  pad(batch: readonly EncodedSentence[]): PaddedBatch {
    return padBatch(batch, this.chars ? { kernelSize: this.chars.c.kernelSize, padding: this.chars.padding } : null);
  }

  /** The loss of a padded, tagged batch: the mean over sentences of each one's negative log-likelihood. */
  lossOf(emissions: Tensor, b: PaddedBatch): Tensor {
    if (!b.tags) throw new ValueError('tagger loss: every sentence of the batch needs gold tags');
    if (this.crf) return this.crf.loss(emissions, b.tags, b.lengths, this.param);
    const K = this.numTags;
    const picked: number[] = [];
    b.lengths.forEach((L, r) => {
      for (let t = 0; t < L; t++) picked.push((r * b.T + t) * K + b.tags![r * b.T + t]!);
    });
    const logp = reshape(logSoftmax(emissions, -1), [b.B * b.T * K]);
    const sel = gather(logp, tensor(Int32Array.from(picked), [picked.length], { dtype: 'int32', backend: emissions.backend }));
    return div(neg(sum(sel)), b.B);
  }

  /** The training loss of a batch (dropout on), for the `Trainer`. */
  loss(batch: readonly EncodedSentence[], ctx: StepContext): Tensor {
    const b = this.pad(batch);
    return this.lossOf(this.emissions(b, { training: true, rng: ctx.rng }), b);
  }

  /** The loss without dropout or gradients (a dev set's loss). */
  evaluateLoss(batch: readonly EncodedSentence[]): number {
    return noGrad(() => {
      const b = this.pad(batch);
      return this.lossOf(this.emissions(b), b).item();
    });
  }

  /** Tag ids of each sentence: Viterbi with the CRF, else the best tag of each token. */
  decode(batch: readonly EncodedSentence[]): number[][] {
    return noGrad(() => {
      const b = this.pad(batch);
      const e = this.emissions(b);
      if (this.crf) return this.crf.decode(e, b.lengths, this.param).tags;
      const best = argmax(e, -1).data() as Int32Array;
      return b.lengths.map((L, r) => Array.from(best.subarray(r * b.T, r * b.T + L)));
    });
  }

  /**
   * The tags of each sentence (token lists, or `{ tokens }`); an empty sentence gets []. Batches
   * are formed from sentences of similar length (less padding), and the order is kept.
   */
  predict(sentences: readonly (readonly string[] | TaggedSentence)[], o: { batchSize?: number } = {}): string[][] {
    const bs = o.batchSize ?? 64;
    if (!(Number.isInteger(bs) && bs >= 1)) throw new ConfigError(`tagger predict: batchSize must be a positive integer, found ${o.batchSize}`);
    const list = sentences.map((s) => (Array.isArray(s) ? (s as readonly string[]) : (s as TaggedSentence).tokens));
    const out: string[][] = list.map(() => []);
    const order = list.map((_, i) => i).filter((i) => list[i]!.length > 0);
    order.sort((a, b) => list[a]!.length - list[b]!.length || a - b);
    for (let i = 0; i < order.length; i += bs) {
      const idx = order.slice(i, i + bs);
      const enc = this.encode(idx.map((k) => ({ tokens: list[k]! })), { tags: false });
      this.decode(enc).forEach((path, j) => (out[idx[j]!] = path.map((t) => this.vocab.tags[t]!)));
    }
    return out;
  }

  /**
   * The model file's bytes: `rnn.format` "1", `rnn.config` `{ layers: [this.config()] }`, the
   * vocabularies under `rnn.tagging`, one F32 tensor per parameter. `extra` metadata keys pass
   * through (names must not start with `rnn.`).
   */
  toBytes(extra: Record<string, string> = {}): Uint8Array {
    for (const k of Object.keys(extra)) {
      if (k.startsWith('rnn.')) throw new ConfigError(`tagger: metadata key '${k}' is reserved (keys starting with 'rnn.')`);
    }
    const tensors = new Map<string, RawTensor>();
    for (const [name, data] of this.params.toHost()) {
      tensors.set(name, { dtype: 'F32', shape: [...this.param(name).shape], data: Float32Array.from(data) });
    }
    const meta = { version: TAGGING_META_VERSION, ...this.vocab.toJSON() };
    return writeModelFile({ layers: [this.config()] }, tensors, { ...extra, [TAGGING_META_KEY]: JSON.stringify(meta) });
  }

  /** Write the model file atomically (a crash leaves the old file or the new one, whole). */
  save(path: string, extra: Record<string, string> = {}): void {
    files('tagger.save(path)', 'use tagger.toBytes() and Tagger.fromBytes(bytes)').writeFile(path, this.toBytes(extra));
  }
}

/** The spread of pretrained vectors' values (their standard deviation over every number). */
function vectorStd(v: WordVectors): number {
  let n = 0;
  let s = 0;
  let s2 = 0;
  for (const x of v.vectors.values()) {
    for (const a of x) {
      n++;
      s += a;
      s2 += a * a;
    }
  }
  const mean = s / n;
  const sd = Math.sqrt(Math.max(0, s2 / n - mean * mean));
  return sd > 0 ? sd : 1 / Math.sqrt(v.dim);
}
