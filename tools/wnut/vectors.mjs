#!/usr/bin/env node
// Word vectors built from a CoNLL file's own text, for trying `rnn train --tagging --word-vectors`
// where no pretrained vectors can be downloaded. Each lower-cased word seen at least --min-count
// times gets the positive pointwise mutual information (PPMI) of its neighbours within --window
// tokens, and that sparse row is projected to --dim numbers by a fixed Gaussian random matrix
// (a Johnson–Lindenstrauss projection: words with similar contexts get similar vectors), then
// scaled to unit length. Output: GloVe's text format, one `word v1 … vD` line per word.
//
//   node tools/wnut/vectors.mjs --conll data/wnut17/train.conll.gz --out /tmp/wnut-vectors.txt
import { writeFileSync } from 'node:fs';
import { Rng } from '@rnn/core';
import { readConll } from '@rnn/layers';
import { toolArgs } from '../lib/args.mjs';

const args = toolArgs('node tools/wnut/vectors.mjs --conll FILE --out VECTORS.txt [--dim 50] [--window 2] [--min-count 2] [--seed 1]', {
  conll: { type: 'string' },
  out: { type: 'string' },
  dim: { type: 'string', default: '50' },
  window: { type: 'string', default: '2' },
  'min-count': { type: 'string', default: '2' },
  seed: { type: 'string', default: '1' },
});
const { conll, out } = args.values;
if (!conll || !out) args.fail('--conll and --out are required');
const dim = args.number('dim');
const window = args.number('window');
const minCount = args.number('min-count');

const sentences = readConll(conll).sentences.map((s) => s.tokens.map((t) => t.toLowerCase()));
const count = new Map();
for (const s of sentences) for (const w of s) count.set(w, (count.get(w) ?? 0) + 1);
const words = [...count].filter(([, c]) => c >= minCount).map(([w]) => w);
const id = new Map(words.map((w, i) => [w, i]));

// co-occurrence counts within the window (rows: kept words; contexts: kept words)
const rows = words.map(() => new Map());
let total = 0;
for (const s of sentences) {
  for (let i = 0; i < s.length; i++) {
    const a = id.get(s[i]);
    if (a === undefined) continue;
    for (let j = Math.max(0, i - window); j <= Math.min(s.length - 1, i + window); j++) {
      const b = id.get(s[j]);
      if (j === i || b === undefined) continue;
      rows[a].set(b, (rows[a].get(b) ?? 0) + 1);
      total++;
    }
  }
}
const rowSum = rows.map((r) => [...r.values()].reduce((x, y) => x + y, 0));

// one fixed Gaussian vector per context word: the projection's columns
const rng = new Rng(args.number('seed'));
const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
const proj = words.map(() => Float64Array.from({ length: dim }, gauss));

const lines = [];
words.forEach((w, a) => {
  const v = new Float64Array(dim);
  for (const [b, c] of rows[a]) {
    const pmi = Math.log((c * total) / (rowSum[a] * rowSum[b]));
    if (pmi <= 0) continue;
    for (let k = 0; k < dim; k++) v[k] += pmi * proj[b][k];
  }
  const norm = Math.hypot(...v) || 1;
  lines.push(`${w} ${Array.from(v, (x) => (x / norm).toFixed(5)).join(' ')}`);
});
writeFileSync(out, lines.join('\n') + '\n');
process.stderr.write(`vectors.mjs: ${words.length} words (of ${count.size}, min count ${minCount}) from ${sentences.length} sentences, ${dim} numbers each; wrote ${out}\n`);
