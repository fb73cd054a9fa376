import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TaggedSentence } from '../../src/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));

/** The first 60 sentences of WNUT17's training file (fixtures/wnut17/SOURCE.md): token TAB tag lines. */
export function wnutSample(): TaggedSentence[] {
  const text = readFileSync(join(HERE, '..', 'fixtures', 'wnut17', 'train-60.conll'), 'utf8');
  const out: TaggedSentence[] = [];
  let tokens: string[] = [];
  let tags: string[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') {
      if (tokens.length) out.push({ tokens, tags });
      tokens = [];
      tags = [];
      continue;
    }
    const [w, t] = line.split('\t');
    tokens.push(w!);
    tags.push(t!);
  }
  if (tokens.length) out.push({ tokens, tags });
  return out;
}
