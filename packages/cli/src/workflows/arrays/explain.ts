import { ShapeError } from '@rnn/core';
import { readArray } from '../../arrays.js';
import { action, withCommon } from '../../command.js';
import { flag } from '../../flags.js';
import { inputTensor, loadModel } from '../../model-io.js';
import { explainFlags } from '../explain/flags.js';
import { writeReport } from '../explain/report.js';
import { explainSequences } from '../explain/sequence.js';
import { modelIn } from '../flags.js';

/** `rnn explain --input X`: attributions and gate traces of a model of the array mode, per input row. */
export const explainArrays = action({
  flags: withCommon({
    model: modelIn('the model file'),
    input: flag.string('inputs, batch-first [batch, time, features] (or [batch, time] token ids)', { value: 'X.json|X.npy', required: true }),
    target: flag.int('the output column to explain (default: each row\'s largest output; 0 for one output)', { value: 'K', check: 'non-negative' }),
    pictures: flag.int('rows that get pictures (explain.json has every row)', { value: 'N', default: 1, check: 'positive' }),
    ...explainFlags,
  }),
  examples: ['rnn explain --model model.safetensors --input x.json --out explain/', 'rnn explain --model model.safetensors --input x.npy --target 2 --out explain/ --png'],
  computes: true,
  async run(v, io) {
    const model = await loadModel(v.model);
    const x = inputTensor(model, readArray(v.input, '--input'));
    if (x.rank !== 3 && x.rank !== 2) throw new ShapeError(`--input ${v.input}: explain reads sequences [batch, time, features], found ${x.describe()}`);
    const B = x.shape[0]!;
    const F = x.rank === 3 ? x.shape[2]! : 0;
    const r = explainSequences(
      {
        model,
        x,
        lengths: null,
        features: Array.from({ length: F }, (_, f) => `x${f}`),
        ...(x.rank === 2 ? { tokens: Array.from({ length: B }, (_, b) => Array.from(x.data().subarray(b * x.shape[1]!, (b + 1) * x.shape[1]!), String)) } : {}),
        ...(v.target !== undefined ? { target: new Array<number>(B).fill(v.target) } : {}),
        describe: (_b, target, step) => `output ${target}${step !== null ? ` at step ${step}` : ''}`,
        pictured: v.pictures,
      },
      v,
    );
    writeReport(v.out, { model: v.model, input: v.input, ...r.json }, r.pictures, v.png === true, io, r.summary);
  },
});
