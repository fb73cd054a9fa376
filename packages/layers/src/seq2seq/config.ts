import { z } from 'zod';
import { schemas } from '@rnn/core';
import { SeqVocab } from './vocab.js';

const { positiveInt, bool, rate, integer, floatDtypeSchema, backendSchema } = schemas;

export const ATTENTION_KINDS = ['luong', 'bahdanau', 'none'] as const;
export type AttentionKind = (typeof ATTENTION_KINDS)[number];

const attentionKind = z.enum(ATTENTION_KINDS, { error: "'luong' (general score), 'bahdanau' (additive score) or 'none' (Cho/Sutskever: no attention)" });

/** The encoder: a stacked, optionally bidirectional LSTM or GRU over the source embeddings. */
const encoderShape = {
  type: z.enum(['lstm', 'gru'], { error: "'lstm' or 'gru'" }),
  hiddenSize: positiveInt(),
  numLayers: positiveInt(),
  bidirectional: bool(),
};
/** The decoder: a stacked LSTM over the target embeddings (and the previous attentional state with input feeding). */
const decoderShape = {
  type: z.literal('lstm', { error: "'lstm'" }),
  hiddenSize: positiveInt(),
  numLayers: positiveInt(),
};

/** Options of `new Seq2Seq` (defaults after `=`). */
export const seq2seqOptions = z.strictObject({
  sourceVocab: z.instanceof(SeqVocab, { error: 'a SeqVocab (SeqVocab.build(sourceTokens))' }),
  targetVocab: z.instanceof(SeqVocab, { error: 'a SeqVocab (SeqVocab.build(targetTokens))' }),
  /** Width of both sides' token vectors (=64), unless set per side below. */
  embeddingDim: positiveInt().optional(),
  sourceEmbeddingDim: positiveInt().optional(),
  targetEmbeddingDim: positiveInt().optional(),
  /** type ='lstm', numLayers =1, bidirectional =false. */
  encoder: z.strictObject({
    type: encoderShape.type.optional(),
    hiddenSize: encoderShape.hiddenSize,
    numLayers: encoderShape.numLayers.optional(),
    bidirectional: encoderShape.bidirectional.optional(),
  }),
  /** type ='lstm' (the only one), numLayers =1. */
  decoder: z.strictObject({ type: decoderShape.type.optional(), hiddenSize: decoderShape.hiddenSize, numLayers: decoderShape.numLayers.optional() }),
  /** ='luong'. */
  attention: attentionKind.optional(),
  /** Feed the previous attentional state to the decoder with the token (Luong et al. 2015) (=false). */
  inputFeeding: bool().optional(),
  /** Dropout on the embeddings, between stacked layers and before the output projection (=0). */
  dropout: rate().optional(),
  /** In training, the probability of feeding the model's own previous prediction instead of the gold token (=0). */
  scheduledSampling: rate().optional(),
  /**
   * In training, the loss's target distribution puts 1 − F on the gold token and F spread evenly
   * over the whole target vocabulary (PyTorch's `CrossEntropyLoss(label_smoothing=F)`) (=0).
   */
  labelSmoothing: rate().optional(),
  seed: integer().optional(),
  dtype: floatDtypeSchema().optional(),
  backend: backendSchema().optional(),
});

export type Seq2SeqOptions = z.infer<typeof seq2seqOptions>;

/**
 * The `seq2seq` layer of a model file's `rnn.config` (docs/model-file.md): everything needed to
 * build the model again, both vocabularies included, every field written out.
 */
export const seq2seqLayerSchema = z.strictObject({
  type: z.literal('seq2seq', { error: "'seq2seq'" }),
  sourceVocab: z.array(z.string({ error: 'a token string' }), { error: 'an array of token strings' }),
  targetVocab: z.array(z.string({ error: 'a token string' }), { error: 'an array of token strings' }),
  sourceEmbeddingDim: positiveInt(),
  targetEmbeddingDim: positiveInt(),
  encoder: z.strictObject(encoderShape),
  decoder: z.strictObject(decoderShape),
  attention: attentionKind,
  inputFeeding: bool(),
  dropout: rate(),
  scheduledSampling: rate(),
  /** Written only when above 0 (files without it read as 0). */
  labelSmoothing: rate().optional(),
});

export type Seq2SeqLayerConfig = z.infer<typeof seq2seqLayerSchema>;

/** A seq2seq model file's whole `rnn.config`: one layer. */
export const seq2seqConfigSchema = z.strictObject({
  layers: z.tuple([seq2seqLayerSchema], { error: 'one layer, of type "seq2seq"' }),
});

export type Seq2SeqConfig = z.infer<typeof seq2seqConfigSchema>;

/** Sizes the model's parts read, resolved from the options. */
export interface Seq2SeqSizes {
  sourceVocab: SeqVocab;
  targetVocab: SeqVocab;
  Es: number;
  Et: number;
  encoder: { type: 'lstm' | 'gru'; hiddenSize: number; numLayers: number; bidirectional: boolean };
  decoder: { type: 'lstm'; hiddenSize: number; numLayers: number };
  attention: AttentionKind;
  inputFeeding: boolean;
  dropout: number;
  scheduledSampling: number;
  labelSmoothing: number;
}
