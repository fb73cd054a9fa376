import { readFileSync } from 'node:fs';
import { ConfigError, FormatError, RnnError, parseSafetensors, serializeSafetensors } from '@rnn/core';
import { parseTagger, scoreTags, type ConllFile, type TagScores, type Tagger } from '@rnn/layers';
import type { CheckpointLoader } from '../checkpoint.js';

/**
 * The tagger's model file as the CLI reads and writes it: @rnn/layers' tagger file
 * (docs/model-file.md § "tagger": the config, the words, characters and tags under
 * `rnn.tagging`), plus `rnn.checkpoint` in a checkpoint.
 */

function readBytes(path: string, flag: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`${flag} ${path}: no such file`);
    if (code === 'EISDIR') throw new ConfigError(`${flag} ${path}: is a directory, expected a tagger model file`);
    throw err;
  }
}

/** `--model M`: a tagger from `rnn train --tagging` (or one of its checkpoints). */
export function loadTaggerFile(path: string, flag = '--model'): Tagger {
  const bytes = readBytes(path, flag);
  try {
    return parseTagger(bytes, path);
  } catch (err) {
    if (err instanceof RnnError) throw new RnnError(err.code, `${flag} ${err.message}`);
    throw err;
  }
}

export const loadTaggerCheckpoint: CheckpointLoader<Tagger> = async (path) => {
  const bytes = readBytes(path, '--resume');
  return { model: loadTaggerFile(path, '--resume'), metadata: parseSafetensors(bytes, path).metadata };
};

/** The tagger's file with `metadata` added (`Tagger.toBytes` keeps `rnn.` keys for itself). */
export function taggerBytes(tagger: Tagger, metadata: Record<string, string>): Uint8Array {
  const file = parseSafetensors(tagger.toBytes(), 'tagger');
  return serializeSafetensors(file.tensors, { ...file.metadata, ...metadata });
}

/** The tagger's tags for every sentence of `file`, and (when it has tags) conlleval's scores. */
export function tagFile(tagger: Tagger, file: ConllFile, batchSize = 64): { predicted: string[][]; scores: TagScores | null } {
  const predicted = tagger.predict(file.sentences.map((s) => s.tokens), { batchSize });
  const gold = file.sentences.map((s) => s.tags);
  const scores = gold.every((g) => g !== null) ? scoreTags(gold as string[][], predicted) : null;
  return { predicted, scores };
}

/** The CRF's learned scores (`transitions [K,K]`, `start`, `end`), or a FormatError for a softmax tagger. */
export function crfScores(tagger: Tagger, path: string): { tags: string[]; transitions: number[][]; start: number[]; end: number[] } {
  if (!tagger.useCrf) throw new FormatError(`${path}: a tagger without a CRF (trained with --no-crf) has no transition scores to draw`);
  const K = tagger.numTags;
  const read = (name: string) => Array.from(tagger.param(`${tagger.name}.crf.${name}`).data() as ArrayLike<number>);
  const flat = read('transitions');
  return {
    tags: [...tagger.vocab.tags],
    transitions: Array.from({ length: K }, (_, i) => flat.slice(i * K, (i + 1) * K)),
    start: read('start_transitions'),
    end: read('end_transitions'),
  };
}
