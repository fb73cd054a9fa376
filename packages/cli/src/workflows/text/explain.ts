import { ValueError, tensor } from '@rnn/core';
import { action, withCommon } from '../../command.js';
import { flag } from '../../flags.js';
import { explainFlags } from '../explain/flags.js';
import { writeReport } from '../explain/report.js';
import { explainSequences } from '../explain/sequence.js';
import { charModelInputs } from '../flags.js';
import { readText } from './corpus.js';
import { openCharModel, showChar } from './open.js';

/**
 * `rnn explain --text`: which characters made a character model predict its next character (the
 * likeliest one, or `--next C`). The last `--context` characters of the text are read, as
 * `rnn predict --text` reads them; each gets the attribution of its embedding vector.
 */
export const explainText = action({
  flags: withCommon({
    ...charModelInputs('the text so far (.gz read transparently)'),
    context: flag.int('read the last N characters of the text', { value: 'N', default: 80, check: 'positive' }),
    next: flag.string('the next character to explain (default: the likeliest)', { value: 'C' }),
    ...explainFlags,
  }),
  examples: ['rnn explain --model shakespeare.safetensors --text prompt.txt --out explain-text/'],
  computes: true,
  async run(v, io) {
    const { model, vocab } = await openCharModel(v.model);
    const all = vocab.encode(readText(v.text, v.gz), `--text ${v.text}`);
    if (all.length === 0) throw new ValueError(`--text ${v.text}: the file is empty; explain needs at least one character`);
    const ids = all.slice(Math.max(0, all.length - v.context));
    let target: number[] | undefined;
    if (v.next !== undefined) {
      const k = vocab.chars.indexOf(v.next);
      if ([...v.next].length !== 1 || k < 0) throw new ValueError(`--next ${JSON.stringify(v.next)}: expected one character of the model's vocabulary (${vocab.size} characters)`);
      target = [k];
    }
    const r = explainSequences(
      {
        model,
        x: tensor(Int32Array.from(ids), [1, ids.length], { dtype: 'int32' }),
        lengths: null,
        features: [],
        tokens: [Array.from(ids, (i) => vocab.chars[i]!)],
        ...(target ? { target } : {}),
        describe: (_b, t) => `the logit of the next character ${showChar(vocab.chars[t]!)}`,
      },
      v,
    );
    writeReport(v.out, { model: v.model, text: v.text, context: ids.length, ...r.json }, r.pictures, v.png === true, io, r.summary);
  },
});
