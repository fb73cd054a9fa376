import { z } from 'zod';
import { FormatError, io, parseOptions, readModelFile, schemas } from '@rnn/core';
import { files } from '../platform/files.js';
import { TAGGING_META_KEY, TAGGING_META_VERSION, Tagger } from './model.js';
import { WORD_SHAPES } from './shape.js';
import { TaggingVocab } from './vocab.js';

const loadOptions = z.strictObject({
  backend: schemas.backendSchema().optional(),
  dtype: schemas.floatDtypeSchema().optional(),
  /** Use the backend's fused kernels (default true). */
  fused: schemas.bool().optional(),
});

export type TaggerLoadOptions = z.infer<typeof loadOptions>;

/**
 * A tagger from model-file bytes. Everything is checked before the tagger is built: the model
 * file itself (`readModelFile`: format, config, every tensor's name, shape and dtype), that its
 * one layer is a tagger, and that the vocabularies under `rnn.tagging` have the sizes the config
 * says. Errors are `FormatError`s (or `ConfigError`s for a bad config) naming `source`.
 */
export function parseTagger(bytes: Uint8Array, source = '<buffer>', options: TaggerLoadOptions = {}): Tagger {
  const o = parseOptions(loadOptions, options, 'parseTagger');
  const file = readModelFile(bytes, source);
  const layer = file.config.layers[0]!;
  if (layer.type !== 'tagger') {
    throw new FormatError(`${source}: not a tagger model (its first layer "${layer.name}" is a ${layer.type} layer); load it with Sequential.load, or rnn predict without --tagging`);
  }
  const raw = file.metadata[TAGGING_META_KEY];
  if (raw === undefined) throw new FormatError(`${source}: metadata key "${TAGGING_META_KEY}" (the words, characters and tags) is missing; a tagger file needs it`);
  const where = `${source}: metadata "${TAGGING_META_KEY}"`;
  const meta = io.parseStrictJson(raw, where, 'the vocabularies') as { version?: unknown } | null;
  if (meta === null || typeof meta !== 'object' || meta.version !== TAGGING_META_VERSION) {
    throw new FormatError(`${where}: version is ${JSON.stringify(meta?.version)}; expected ${TAGGING_META_VERSION}`);
  }
  const vocab = TaggingVocab.fromJSON(meta, where);
  const sizes: [string, number, number][] = [
    ['words', vocab.words.size, layer.numWords],
    ['tags', vocab.tags.length, layer.numTags],
    ...(layer.chars ? [['chars', vocab.chars.size, layer.chars.numChars] as [string, number, number]] : []),
  ];
  for (const [what, have, want] of sizes) {
    if (have !== want) throw new FormatError(`${where}: lists ${have} ${what} but the config says ${want}; the file is inconsistent`);
  }
  if (layer.shape && layer.shape.numShapes !== WORD_SHAPES.length) {
    throw new FormatError(`${source}: the config's shape.numShapes is ${layer.shape.numShapes} but this version knows ${WORD_SHAPES.length} word shapes; the file was written by another version`);
  }
  const c = layer.chars;
  const tagger = new Tagger({
    vocab,
    name: layer.name,
    wordDim: layer.wordDim,
    chars: c !== null,
    ...(c ? { charDim: c.embeddingDim, charFilters: c.filters, charKernel: c.kernelSize, maxWordLength: c.maxWordLength } : {}),
    ...(layer.shape ? { shapeDim: layer.shape.dim } : {}),
    hiddenSize: layer.hiddenSize,
    numLayers: layer.numLayers,
    dropout: layer.dropout,
    crf: layer.crf,
    ...o,
  });
  for (const name of tagger.params.names) tagger.params.set(name, file.tensors.get(name)!.data);
  return tagger;
}

/** Read a tagger model file (see `parseTagger`). */
export function loadTagger(path: string, options: TaggerLoadOptions = {}): Tagger {
  parseOptions(loadOptions, options, 'loadTagger');
  let bytes: Uint8Array;
  try {
    bytes = files('loadTagger(path)', 'use parseTagger(bytes)').readFile(path);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') throw new FormatError(`${path}: no such file`);
    throw err;
  }
  return parseTagger(bytes, path, options);
}
