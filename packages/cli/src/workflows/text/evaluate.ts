import { ValueError, tensor } from '@rnn/core';
import { action, withCommon } from '../../command.js';
import { flag } from '../../flags.js';
import { charModelInputs } from '../flags.js';
import { readText, windows } from './corpus.js';
import { openCharModel } from './open.js';

/**
 * `rnn evaluate --text`: a character model's loss on a text it did not train on, in nats and bits
 * per character (the `val_loss` of training, measured the same way: sequences of `--seq-len`
 * characters, the state reset at each, every character after the first of the text predicted).
 */
export const evaluateText = action({
  flags: withCommon({
    ...charModelInputs('held-out text to score the model on (.gz read transparently)'),
    'seq-len': flag.int('characters per scored sequence (the state starts afresh at each)', { value: 'T', default: 100, check: 'positive' }),
    'batch-size': flag.int('sequences per forward pass', { value: 'N', default: 64, check: 'positive' }),
    json: flag.boolean('print the scores as one JSON object'),
  }),
  examples: ['rnn evaluate --model shakespeare.safetensors --text held-out.txt', 'rnn evaluate --model notes.safetensors --text more-notes.txt --seq-len 64 --json'],
  computes: true,
  async run(v, io) {
    const { model, vocab } = await openCharModel(v.model);
    const ids = vocab.encode(readText(v.text, v.gz), `--text ${v.text}`);
    if (ids.length < 2) throw new ValueError(`--text ${v.text}: ${ids.length} character${ids.length === 1 ? '' : 's'}; scoring needs at least two (one to read, one to predict)`);
    const T = Math.min(v['seq-len'], ids.length - 1);
    const w = windows(ids, T);
    model.compile({ optimizer: { type: 'sgd', lr: 1 }, loss: 'crossentropy' });
    const x = tensor(w.x, [w.rows, T], { dtype: 'int32' });
    const y = tensor(w.y, [w.rows, T], { dtype: 'int32' });
    const nats = model.evaluate(x, y, { batchSize: v['batch-size'] })['loss']!;
    const scored = w.rows * T;
    const bits = nats / Math.LN2;
    if (v.json) {
      io.stdout.write(JSON.stringify({ characters: ids.length, scored, seq_len: T, sequences: w.rows, loss: nats, bits_per_char: bits, perplexity: Math.exp(nats) }) + '\n');
    } else {
      const unscored = ids.length - 1 - scored;
      io.stdout.write(
        `${v.text}: ${nats.toFixed(4)} nats/char, ${bits.toFixed(3)} bits/char (perplexity ${Math.exp(nats).toFixed(2)}) over ${scored} characters ` +
          `(${w.rows} sequence${w.rows === 1 ? '' : 's'} of ${T}${unscored ? `; the last ${unscored} not scored` : ''})\n`,
      );
    }
  },
});
