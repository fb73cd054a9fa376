import { ValueError } from '@rnn/core';
import { action, withCommon } from '../../command.js';
import { flag } from '../../flags.js';
import { classifierInputs, csvIn } from '../flags.js';
import { readLabels } from './data.js';
import { argmaxOf, classProbabilities, openClassifier } from './run.js';
import { classificationReport, type ClassificationReport } from './scores.js';

const pct = (a: number) => (Number.isNaN(a) ? 'n/a' : `${(100 * a).toFixed(1)}%`);
const num = (a: number) => (Number.isNaN(a) ? 'n/a' : a.toFixed(3));

/** The report as aligned text: accuracy, a row per class, the confusion matrix. */
function reportText(r: ClassificationReport, classes: readonly string[], what: string): string {
  const head = ['class', 'precision', 'recall', 'F1', 'support'];
  const rows = classes.map((c, k) => [c, num(r.perClass[k]!.precision), num(r.perClass[k]!.recall), num(r.perClass[k]!.f1), String(r.perClass[k]!.support)]);
  const table = (hd: string[], body: string[][]) => {
    const w = hd.map((h, k) => Math.max(h.length, ...body.map((b) => b[k]!.length)));
    return [hd, ...body].map((b) => b.map((c, k) => (k === 0 ? c.padEnd(w[k]!) : c.padStart(w[k]!))).join('  ')).join('\n');
  };
  const right = r.confusion.reduce((a, row, k) => a + row[k]!, 0);
  return [
    `${what}: accuracy ${pct(r.accuracy)} (${right}/${r.sequences}), macro F1 ${num(r.macroF1)}`,
    table(head, rows),
    'confusion matrix (rows: true class, columns: predicted):',
    table(['', ...classes], r.confusion.map((row, k) => [classes[k]!, ...row.map(String)])),
  ].join('\n');
}

/** `rnn evaluate --sequences`: a classifier's accuracy, per-class precision/recall/F1 and confusion matrix. */
export const evaluateClassify = action({
  flags: withCommon({
    ...classifierInputs('labelled sequences to score (id,step,channels…)'),
    labels: csvIn('one label per sequence (id,label)'),
    'held-out': flag.boolean('score only the sequences training held out (--test-split), found by id in the files it was trained on (default: every sequence of the files)'),
    json: flag.boolean('print the scores as one JSON object'),
  }),
  examples: [
    'rnn evaluate --model movement.safetensors --sequences data/indoor-movement/sequences.csv --labels data/indoor-movement/labels.csv --held-out',
    'rnn evaluate --model movement.safetensors --sequences test.csv --labels test-labels.csv --json',
  ],
  computes: true,
  async run(v, io) {
    const { model, meta, seqs } = await openClassifier(v.model, v.sequences);
    const raw = readLabels(v.labels, seqs);
    const index = new Map(meta.classes.map((c, k) => [c, k]));
    const unknown = [...new Set(raw.filter((l) => !index.has(l)))];
    if (unknown.length) {
      throw new ValueError(`--labels ${v.labels}: label${unknown.length > 1 ? 's' : ''} ${unknown.slice(0, 5).map((l) => `'${l}'`).join(', ')} the model does not know; its classes are ${meta.classes.join(', ')}`);
    }
    let idx = seqs.ids.map((_, i) => i);
    const heldOut = v['held-out'] === true;
    if (heldOut) {
      if (!meta.heldOut?.length) throw new ValueError(`--model ${v.model}: the model records no held-out sequences (trained with --test-split 0, or by an older rnn); score sequences it never saw, without --held-out`);
      const at = new Map(seqs.ids.map((id, i) => [id, i]));
      const missing = meta.heldOut.filter((id) => !at.has(id));
      if (missing.length) throw new ValueError(`${seqs.source}: ${missing.length} of the ${meta.heldOut.length} held-out sequences are not in the file (e.g. '${missing[0]}'); --held-out needs the file the model was trained on`);
      idx = meta.heldOut.map((id) => at.get(id)!);
    }
    const probs = classProbabilities(model, meta, seqs, idx);
    const truth = idx.map((i) => index.get(raw[i]!)!);
    const r = classificationReport(truth, probs.map(argmaxOf), meta.classes.length);
    if (v.json) {
      io.stdout.write(
        JSON.stringify({
          part: heldOut ? 'held-out' : 'all',
          sequences: r.sequences,
          accuracy: r.accuracy,
          macro_f1: Number.isNaN(r.macroF1) ? null : r.macroF1,
          classes: meta.classes,
          // a list in class order: class names like '1' and '-1' would be reordered as object keys
          per_class: meta.classes.map((c, k) => ({ class: c, ...Object.fromEntries(Object.entries(r.perClass[k]!).map(([key, x]) => [key, Number.isNaN(x) ? null : x])) })),
          confusion: r.confusion,
        }) + '\n',
      );
    } else {
      io.stdout.write(reportText(r, meta.classes, `${heldOut ? 'held-out part:' : 'all'} ${r.sequences} sequences of ${v.sequences}`) + '\n');
    }
  },
});
