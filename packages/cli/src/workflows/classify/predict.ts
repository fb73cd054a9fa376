import { writeFileAtomic } from '@rnn/layers';
import { action, withCommon } from '../../command.js';
import { flag } from '../../flags.js';
import { classifierInputs } from '../flags.js';
import { outputType } from '../outputs.js';
import { argmaxOf, classProbabilities, openClassifier } from './run.js';

/** A CSV field, quoted when it must be. */
const field = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/**
 * `rnn predict --sequences`: a label per sequence. CSV (stdout, or --output .csv): the id column
 * under the input's name, `label`, and with --probabilities one column `p_<class>` per class;
 * --output .json (or --json): a list of `{ id, label, probabilities? }`.
 */
export const predictClassify = action({
  flags: withCommon({
    ...classifierInputs('the sequences to label, one row per step (id,step,channels…: the channels the model was trained on)'),
    output: flag.string('write the labels to a file (default: CSV on stdout)', { value: 'OUT.csv|OUT.json' }),
    probabilities: flag.boolean("add each class's probability (softmax of the logits)"),
    json: flag.boolean('print the labels as JSON on stdout'),
  }),
  examples: [
    'rnn predict --model movement.safetensors --sequences data/indoor-movement/sequences.csv',
    'rnn predict --model movement.safetensors --sequences new.csv --probabilities --output labels.csv',
  ],
  computes: true,
  async run(v, io) {
    const out = v.output;
    const ext = out ? outputType(out) : '';
    const { model, meta, seqs } = await openClassifier(v.model, v.sequences);
    const idx = seqs.ids.map((_, i) => i);
    const probs = classProbabilities(model, meta, seqs, idx);
    const withP = v.probabilities === true;
    const rows = seqs.ids.map((id, i) => ({
      id,
      label: meta.classes[argmaxOf(probs[i]!)]!,
      ...(withP ? { probabilities: Object.fromEntries(meta.classes.map((c, k) => [c, +probs[i]![k]!.toPrecision(6)])) } : {}),
    }));
    const csv =
      [
        [seqs.idColumn, 'label', ...(withP ? meta.classes.map((c) => `p_${c}`) : [])].map(field).join(','),
        ...rows.map((r) => [r.id, r.label, ...(withP ? meta.classes.map((c) => String(r.probabilities![c])) : [])].map(field).join(',')),
      ].join('\n') + '\n';
    if (out) writeFileAtomic(out, ext === '.csv' ? csv : JSON.stringify(rows, null, 1) + '\n');
    if (v.json) io.stdout.write(JSON.stringify(rows) + '\n');
    else if (!out) io.stdout.write(csv);
    else io.stderr.write(`rnn: labelled ${rows.length} sequences; wrote ${out}\n`);
  },
});
