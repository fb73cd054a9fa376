import { ConfigError } from '@rnn/core';
import { Dense, type Sequential } from '@rnn/layers';
import { loadModel } from '../../model-io.js';
import { Vocabulary } from './corpus.js';

/** A character model of `rnn train --text` (or its checkpoint) and its vocabulary; one clear line for any other model. */
export async function openCharModel(path: string): Promise<{ model: Sequential; vocab: Vocabulary }> {
  const model = await loadModel(path);
  const vocab = Vocabulary.fromMetadata(model.metadata, `--model ${path}`);
  const last = model.layers[model.layers.length - 1]!;
  if (!(last instanceof Dense) || last.units !== vocab.size) {
    throw new ConfigError(`--model ${path}: its last layer must be a dense layer with one logit per vocabulary character (${vocab.size}); found ${last.type} '${last.name}'`);
  }
  return { model, vocab };
}

/** A character as messages and tables show it: quoted, or U+000A for a control character. */
export function showChar(c: string): string {
  const cp = c.codePointAt(0)!;
  if (c === '\n') return "'\\n'";
  if (c === '\t') return "'\\t'";
  return cp < 32 || cp === 127 ? `U+${cp.toString(16).toUpperCase().padStart(4, '0')}` : `'${c}'`;
}
