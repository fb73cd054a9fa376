import { z } from 'zod';
import {
  ConfigError,
  FormatError,
  add,
  ParameterSet,
  Rng,
  div,
  gather,
  getBackend,
  logSoftmax,
  mul,
  neg,
  noGrad,
  parseOptions,
  reshape,
  schemas,
  serializeSafetensors,
  sum,
  tensor,
  tidy,
  type Cell,
  type RawTensor,
  type Tensor,
} from '@rnn/core';
import { files } from '../platform/files.js';
import type { StepContext, TrainableModel } from '../model/types.js';
import { padSources, padTargets, type Seq2SeqPair } from './batch.js';
import { beamDecode } from './beam.js';
import { seq2seqOptions, type Seq2SeqConfig, type Seq2SeqLayerConfig, type Seq2SeqOptions, type Seq2SeqSizes } from './config.js';
import type { Hypothesis } from './decode.js';
import { initialState, teacherForced, type DecoderOutput } from './decoder.js';
import { bridge, encode } from './encoder.js';
import { greedyDecode } from './greedy.js';
import { dropper, noDrop, type Net } from './net.js';
import { decoderCell, encoderCell, seq2seqParameters } from './params.js';
import { SeqVocab } from './vocab.js';

/** The model-file metadata keys a seq2seq file owns (docs/model-file.md). */
export const SEQ2SEQ_FORMAT = '1';

const { positiveInt, nonNegativeNumber } = schemas;

const decodeOptions = z.strictObject({
  /** Beam width K (=1: greedy decoding). */
  beam: positiveInt().optional(),
  /** Most decoder steps per sentence (=2 × source length + 10), `</s>` included. */
  maxLength: positiveInt().optional(),
  /** α of the length normalisation score / steps^α that ranks finished beams (=1; 0: raw sums). */
  lengthPenalty: nonNegativeNumber().optional(),
  /** Sentences decoded together (=64; each takes K decoder rows). */
  batchSize: positiveInt().optional(),
  /** Run each step's tail as one backend kernel where the backend has it (=true; native); false: the
   *  composed ops (the reference; results agree to float tolerance). */
  fused: z.boolean({ error: 'true or false' }).optional(),
});

export type DecodeOptions = z.infer<typeof decodeOptions>;

/** A decoded sentence with its tokens. */
export interface Translation extends Hypothesis {
  tokens: string[];
}

/**
 * An encoder–decoder (Cho et al. 2014; Sutskever et al. 2014) with attention (Luong et al. 2015
 * general, or Bahdanau et al. 2015 additive), on the shared `Trainer`: a batch is an array of
 * `Seq2SeqPair` (ids), the loss the mean cross-entropy per target token (`</s>` included, padding
 * excluded; PyTorch's `CrossEntropyLoss(ignore_index=pad)`).
 *
 * Encoder: source embeddings → stacked (bi)LSTM/GRU with the rows' lengths. Bridge: its final
 * states → the decoder's initial state. Decoder: target embeddings (`<s>` first) → stacked LSTM →
 * attention → h̃ → `output` projection to the target vocabulary. With attention 'none' the decoder
 * sees the source only through its initial state (the Cho/Sutskever model) and h̃ = h.
 */
export class Seq2Seq implements TrainableModel<readonly Seq2SeqPair[]>, Net {
  readonly sizes: Seq2SeqSizes;
  readonly params: ParameterSet;
  readonly encoderCell: Cell;
  readonly decoderCell: Cell;
  /** A training step keeps none of its tensors: the Trainer frees them as it ends (see TrainableModel). */
  readonly tidySteps = true;

  constructor(options: Seq2SeqOptions) {
    const o = parseOptions(seq2seqOptions, options, 'new Seq2Seq');
    const attention = o.attention ?? 'luong';
    const inputFeeding = o.inputFeeding ?? false;
    if (attention === 'none' && inputFeeding) {
      throw new ConfigError("new Seq2Seq: inputFeeding feeds the previous attentional state, so it needs attention 'luong' or 'bahdanau' (found attention 'none'); drop inputFeeding or choose an attention");
    }
    const E = o.embeddingDim ?? 64;
    this.sizes = {
      sourceVocab: o.sourceVocab,
      targetVocab: o.targetVocab,
      Es: o.sourceEmbeddingDim ?? E,
      Et: o.targetEmbeddingDim ?? E,
      encoder: { type: o.encoder.type ?? 'lstm', hiddenSize: o.encoder.hiddenSize, numLayers: o.encoder.numLayers ?? 1, bidirectional: o.encoder.bidirectional ?? false },
      decoder: { type: 'lstm', hiddenSize: o.decoder.hiddenSize, numLayers: o.decoder.numLayers ?? 1 },
      attention,
      inputFeeding,
      dropout: o.dropout ?? 0,
      scheduledSampling: o.scheduledSampling ?? 0,
      labelSmoothing: o.labelSmoothing ?? 0,
    };
    this.encoderCell = encoderCell(this.sizes);
    this.decoderCell = decoderCell(this.sizes);
    const specs = seq2seqParameters(this.sizes, new Rng(o.seed ?? 0));
    this.params = new ParameterSet(specs, { dtype: o.dtype ?? 'float32', backend: o.backend ?? getBackend() });
  }

  get sourceVocab(): SeqVocab {
    return this.sizes.sourceVocab;
  }

  get targetVocab(): SeqVocab {
    return this.sizes.targetVocab;
  }

  /** The `rnn.config` of the model file: one `seq2seq` layer. */
  config(): Seq2SeqConfig {
    const s = this.sizes;
    const layer: Seq2SeqLayerConfig = {
      type: 'seq2seq',
      sourceVocab: s.sourceVocab.toJSON(),
      targetVocab: s.targetVocab.toJSON(),
      sourceEmbeddingDim: s.Es,
      targetEmbeddingDim: s.Et,
      encoder: { ...s.encoder },
      decoder: { ...s.decoder },
      attention: s.attention,
      inputFeeding: s.inputFeeding,
      dropout: s.dropout,
      scheduledSampling: s.scheduledSampling,
      ...(s.labelSmoothing > 0 ? { labelSmoothing: s.labelSmoothing } : {}),
    };
    return { layers: [layer] };
  }

  /** Token pairs as this model's ids (unknown tokens → `<unk>`). */
  encodePairs(pairs: readonly { source: readonly string[]; target: readonly string[] }[]): Seq2SeqPair[] {
    return pairs.map((p) => ({ source: this.sourceVocab.encode(p.source), target: this.targetVocab.encode(p.target) }));
  }

  /**
   * Teacher-forced logits `[B, Tt, Vt]` and attention `[B, Tt, Ts]` of a batch. `rng` turns training
   * on (dropout, scheduled sampling).
   */
  forward(batch: readonly Seq2SeqPair[], rng: Rng | null = null): DecoderOutput & { targets: ReturnType<typeof padTargets> } {
    return this.run(batch, rng, false);
  }

  /** `forward`; `forLoss`: the padded target steps, which the loss never reads, are skipped. */
  private run(batch: readonly Seq2SeqPair[], rng: Rng | null, forLoss: boolean): ReturnType<Seq2Seq['forward']> {
    const s = this.sizes;
    const src = padSources(batch.map((p) => p.source), s.sourceVocab.size);
    const tgt = padTargets(batch.map((p) => p.target), s.targetVocab.size);
    const drop = rng ? dropper(s.dropout, rng) : noDrop;
    const enc = encode(this, src, drop);
    const sampling = rng && s.scheduledSampling > 0 ? { p: s.scheduledSampling, rng } : null;
    const out = teacherForced(this, enc.memory, bridge(this, enc), tgt, drop, sampling, forLoss);
    return { ...out, targets: tgt };
  }

  /**
   * Mean cross-entropy per target token of a forward pass (padding excluded). With `smoothing` ε > 0
   * the target distribution is (1 − ε)·gold + ε·uniform over the target vocabulary, as PyTorch's
   * `CrossEntropyLoss(label_smoothing=ε)`: (1 − ε)·(−log p_gold) + ε·mean over the vocabulary of −log p.
   */
  lossOf(out: ReturnType<Seq2Seq['forward']>, smoothing = 0): Tensor {
    const { logits, targets } = out;
    const [B, Tt, V] = logits.shape as [number, number, number];
    // the rows (b·Tt + t) that hold a target token, and in each the gold token's logit
    const rows: number[] = [];
    for (let b = 0; b < B; b++) for (let t = 0; t < targets.lengths[b]!; t++) rows.push(b * Tt + t);
    const index = (ids: Int32Array) => tensor(ids, [ids.length], { dtype: 'int32', backend: logits.backend });
    const logp = logSoftmax(logits, -1);
    const gold = sum(gather(reshape(logp, [B * Tt * V]), index(Int32Array.from(rows, (r) => r * V + targets.output[r]!))));
    if (!(smoothing > 0)) return div(neg(gold), rows.length);
    const spread = sum(gather(sum(reshape(logp, [B * Tt, V]), -1), index(Int32Array.from(rows))));
    return div(neg(add(mul(gold, 1 - smoothing), mul(spread, smoothing / V))), rows.length);
  }

  /** The loss is a mean over target tokens (each target's tokens and its `</s>`): data-parallel shares weigh by them. */
  lossWeight(batch: readonly Seq2SeqPair[]): number {
    let n = 0;
    for (const p of batch) n += p.target.length + 1;
    return n;
  }

  /** The training loss of a batch (dropout and scheduled sampling on), for the `Trainer`. */
  loss(batch: readonly Seq2SeqPair[], ctx: Pick<StepContext, 'rng'>): Tensor {
    return this.lossOf(this.run(batch, ctx.rng, true), this.sizes.labelSmoothing);
  }

  /** The mean cross-entropy per target token over `pairs`, without dropout or gradients. */
  evaluateLoss(pairs: readonly Seq2SeqPair[], batchSize = 64): number {
    let total = 0;
    let tokens = 0;
    noGrad(() => {
      for (let i = 0; i < pairs.length; i += batchSize) {
        const out = this.run(pairs.slice(i, i + batchSize), null, true);
        const n = out.targets.lengths.reduce((a, b) => a + b, 0);
        total += this.lossOf(out).item() * n;
        tokens += n;
      }
    });
    return tokens ? total / tokens : NaN;
  }

  /**
   * Decode source id sequences: greedy (`beam` 1, the default) or beam search, `batchSize`
   * sentences per decoder call. See `beamDecode` for the ranking and stopping rules.
   */
  decode(sources: readonly (readonly number[])[], options: DecodeOptions = {}): Hypothesis[] {
    return this.search(sources, options, false);
  }

  /** `decode` through the beam search code even for K = 1 (where `decode` runs the greedy loop): for checks. */
  decodeBeam(sources: readonly (readonly number[])[], options: DecodeOptions = {}): Hypothesis[] {
    return this.search(sources, options, true);
  }

  private search(sources: readonly (readonly number[])[], options: DecodeOptions, beamAlways: boolean): Hypothesis[] {
    const o = parseOptions(decodeOptions, options, 'seq2seq decode options');
    const K = o.beam ?? 1;
    const bs = o.batchSize ?? 64;
    const alpha = o.lengthPenalty ?? 1;
    const out: Hypothesis[] = [];
    noGrad(() => {
      for (let i = 0; i < sources.length; i += bs) {
        const chunk = sources.slice(i, i + bs);
        const src = padSources(chunk, this.sourceVocab.size);
        const maxLength = Int32Array.from(chunk, (s) => o.maxLength ?? 2 * s.length + 10);
        // tidy: the chunk's tensors (encoder states, memory, decoder steps) freed as it ends, so the
        // next chunk's results reuse their buffers; the hypotheses hold plain numbers only
        const hyps = tidy(() => {
          const enc = encode(this, src, noDrop);
          const state = initialState(this, bridge(this, enc));
          const fused = o.fused ?? true;
          return K === 1 && !beamAlways ? greedyDecode(this, enc.memory, state, maxLength, alpha, fused) : beamDecode(this, enc.memory, state, maxLength, K, alpha, fused);
        });
        out.push(...hyps);
      }
    });
    return out;
  }

  /** Decode token sequences (unknown tokens read as `<unk>`): tokens, ids, scores and attention per sentence. */
  predict(sources: readonly (readonly string[])[], options: DecodeOptions = {}): Translation[] {
    return this.decode(
      sources.map((s) => this.sourceVocab.encode(s)),
      options,
    ).map((h) => ({ ...h, tokens: h.ids.map((id) => this.targetVocab.tokens[id]!) }));
  }

  /** `predict` by another name. */
  translate(sources: readonly (readonly string[])[], options: DecodeOptions = {}): Translation[] {
    return this.predict(sources, options);
  }

  /**
   * The model file's bytes: F32 tensors by their PyTorch names, `rnn.format` "1" and `rnn.config`
   * (one `seq2seq` layer holding both vocabularies). `extra` metadata keys pass through (a
   * workflow's own settings); `rnn.format` and `rnn.config` are the model's.
   */
  toBytes(extra: Record<string, string> = {}): Uint8Array {
    for (const k of Object.keys(extra)) {
      if (k === 'rnn.format' || k === 'rnn.config') throw new FormatError(`seq2seq: metadata key '${k}' is the model's own; choose another key for extra metadata`);
    }
    const tensors = new Map<string, RawTensor>();
    for (const [name, data] of this.params.toHost()) {
      tensors.set(name, { dtype: 'F32', shape: [...this.params.get(name).shape], data: Float32Array.from(data) });
    }
    return serializeSafetensors(tensors, { ...extra, 'rnn.format': SEQ2SEQ_FORMAT, 'rnn.config': JSON.stringify(this.config()) });
  }

  /** Write the model file atomically (a crash leaves the old file or the new one, whole). */
  save(path: string, extra: Record<string, string> = {}): void {
    files('model.save(path)', 'use model.toBytes() and parseSeq2Seq(bytes)').writeFile(path, this.toBytes(extra));
  }

  /** Where element `k` of parameter `name` sits, for divergence messages. */
  describeParameter(name: string, k: number): string {
    const p = this.params.get(name);
    if (p.rank !== 2) return `${name}[${k}]`;
    const cols = p.shape[1]!;
    return `${name}[${Math.floor(k / cols)}, ${k % cols}]`;
  }
}
