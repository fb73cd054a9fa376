import { ValueError, tensor } from '@rnn/core';
import { action, withCommon } from '../../command.js';
import { flag } from '../../flags.js';
import { charModelInputs } from '../flags.js';
import { readText } from './corpus.js';
import { openCharModel, showChar } from './open.js';

/**
 * `rnn predict --text`: the model's distribution of the character that follows a text. Unlike
 * `rnn generate`, which samples a continuation (random, shaped by --temperature), this is
 * deterministic: the probability of every possible next character, the likeliest first.
 */
export const predictText = action({
  flags: withCommon({
    ...charModelInputs('the text so far (.gz read transparently); the model reads all of it'),
    top: flag.int('show the K likeliest characters', { value: 'K', default: 10, check: 'positive' }),
    json: flag.boolean('print the distribution as one JSON object: { context, entropy_bits, next: [{ char, p }] }'),
    all: flag.boolean('list every character of the vocabulary, not only the top K'),
  }),
  examples: ['rnn predict --model shakespeare.safetensors --text prompt.txt', 'rnn predict --model shakespeare.safetensors --text prompt.txt --all --json'],
  computes: true,
  async run(v, io) {
    const { model, vocab } = await openCharModel(v.model);
    const ids = vocab.encode(readText(v.text, v.gz), `--text ${v.text}`);
    if (ids.length === 0) throw new ValueError(`--text ${v.text}: the file is empty; predict needs at least one character to continue (rnn generate starts from nothing)`);
    const out = model.predict(tensor(ids, [1, ids.length], { dtype: 'int32' }));
    const V = vocab.size;
    const logits = Float64Array.from((out.data() as Float32Array).subarray((ids.length - 1) * V, ids.length * V));
    const m = Math.max(...logits);
    let sum = 0;
    for (let k = 0; k < V; k++) sum += logits[k] = Math.exp(logits[k]! - m);
    const dist = vocab.chars.map((char, k) => ({ char, p: logits[k]! / sum })).sort((a, b) => b.p - a.p);
    const shown = v.all ? dist : dist.slice(0, v.top);
    const entropy = -dist.reduce((s, d) => s + (d.p > 0 ? d.p * Math.log2(d.p) : 0), 0);
    if (v.json) {
      io.stdout.write(JSON.stringify({ context: ids.length, entropy_bits: entropy, next: shown }) + '\n');
      return;
    }
    const rows = shown.map((d) => [showChar(d.char), d.p.toFixed(4)]);
    const w = Math.max(...rows.map((r) => r[0]!.length));
    io.stdout.write(
      `next character after the ${ids.length} characters of ${v.text} (entropy ${entropy.toFixed(3)} bits):\n` + rows.map((r) => `${r[0]!.padEnd(w)}  ${r[1]}`).join('\n') + '\n',
    );
  },
});
