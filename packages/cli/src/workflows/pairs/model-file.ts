import { readFileSync } from 'node:fs';
import { ConfigError, FormatError } from '@rnn/core';
import { parseSeq2Seq, seq2seqMetadata, type Seq2Seq } from '@rnn/layers';
import { z } from 'zod';
import { metadataJson } from '../../model-io.js';
import { SPLITS } from './split.js';

/**
 * A `--pairs` model file is a seq2seq model file of @rnn/layers (encoder, decoder, attention and
 * both vocabularies; docs/model-file.md, layer type `seq2seq`) with one key of the workflow's own,
 * `rnn.pairs`: how each side is split into tokens (so predict writes what training read) and the
 * longest source and target seen in training (so a longer source is noticed).
 */
export const PAIRS_KEY = 'rnn.pairs';

const pairsMeta = z.strictObject({
  sourceSplit: z.enum(SPLITS),
  targetSplit: z.enum(SPLITS),
  longestSource: z.number().int().min(1),
  longestTarget: z.number().int().min(1),
});
export type PairsMeta = z.infer<typeof pairsMeta>;

export function pairsMetadata(m: PairsMeta): Record<string, string> {
  return { [PAIRS_KEY]: JSON.stringify(m) };
}

/** The model and its `rnn.pairs` settings from a file's bytes; one clear line for any other file. */
export function parsePairsModel(bytes: Uint8Array, where: string): { model: Seq2Seq; meta: PairsMeta; metadata: Record<string, string> } {
  const metadata = seq2seqMetadata(bytes, where);
  const text = metadata[PAIRS_KEY];
  if (text === undefined) {
    throw new ConfigError(`${where}: no "${PAIRS_KEY}" in its metadata: not a model of rnn train --pairs (train one with rnn train --pairs TRAIN.tsv --out M.safetensors)`);
  }
  const model = parseSeq2Seq(bytes, where);
  return { model, meta: metadataJson(text, PAIRS_KEY, pairsMeta, where), metadata };
}

/** `--model M` of predict/evaluate (a checkpoint works too). */
export function openPairsModel(path: string, flag = '--model'): { model: Seq2Seq; meta: PairsMeta } {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw new FormatError(`${flag} ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, expected a model file' : (err as Error).message}`);
  }
  return parsePairsModel(bytes, `${flag} ${path}`);
}
