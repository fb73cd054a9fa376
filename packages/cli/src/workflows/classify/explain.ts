import { ValueError } from '@rnn/core';
import { action, withCommon } from '../../command.js';
import { flag } from '../../flags.js';
import { explainFlags } from '../explain/flags.js';
import { writeReport } from '../explain/report.js';
import { explainSequences } from '../explain/sequence.js';
import { classifierInputs } from '../flags.js';
import { padded } from './data.js';
import { openClassifier } from './run.js';

/**
 * `rnn explain --sequences`: which steps and channels made a sequence classifier pick its class
 * (or `--class C`), for the sequences named by `--ids` (default: the first), padded rows reading
 * only their own steps.
 */
export const explainClassify = action({
  flags: withCommon({
    ...classifierInputs('the sequences (id,step,channels…: the channels the model was trained on)'),
    ids: flag.string('the sequences to explain, comma-separated ids (default: the first in the file)', { value: 'ID,ID…' }),
    class: flag.string('the class whose logit to explain (default: each sequence\'s predicted class)', { value: 'C' }),
    pictures: flag.int('sequences that get pictures (explain.json has every one)', { value: 'N', default: 1, check: 'positive' }),
    ...explainFlags,
  }),
  examples: ['rnn explain --model movement.safetensors --sequences data/indoor-movement/sequences.csv --ids 1,2 --out explain-movement/'],
  computes: true,
  async run(v, io) {
    const { model, meta, seqs } = await openClassifier(v.model, v.sequences);
    const wanted = v.ids ? v.ids.split(',').map((s) => s.trim()) : [seqs.ids[0]!];
    const idx = wanted.map((id) => {
      const i = seqs.ids.indexOf(id);
      if (i < 0) throw new ValueError(`--ids: no sequence '${id}' in ${seqs.source} (its ids run ${seqs.ids[0]} … ${seqs.ids.at(-1)})`);
      return i;
    });
    let target: number[] | undefined;
    if (v.class !== undefined) {
      const k = meta.classes.indexOf(v.class);
      if (k < 0) throw new ValueError(`--class '${v.class}': the model's classes are ${meta.classes.join(', ')}`);
      target = idx.map(() => k);
    }
    const { x, lengths } = padded(seqs, idx, meta.scaler);
    const r = explainSequences(
      {
        model,
        x,
        lengths,
        features: meta.channels,
        ...(target ? { target } : {}),
        describe: (b, k) => `the logit of class '${meta.classes[k]}' for sequence ${wanted[b]}`,
        pictured: v.pictures,
      },
      v,
    );
    writeReport(v.out, { model: v.model, sequences: v.sequences, ids: wanted, classes: meta.classes, ...r.json }, r.pictures, v.png === true, io, r.summary);
  },
});
