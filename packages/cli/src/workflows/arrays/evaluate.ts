import { RnnError, fmt } from '@rnn/core';
import { checkTarget, type MetricName } from '@rnn/layers';
import { readArray } from '../../arrays.js';
import { useBackend } from '../../backend.js';
import { action, withCommon } from '../../command.js';
import { UsageError, flag } from '../../flags.js';
import { inputTensor, loadModel } from '../../model-io.js';
import { modelIn } from '../flags.js';
import { targetTensor } from './train.js';

/**
 * `rnn evaluate` in array mode: a model's loss on inputs and targets, with the contract's loss
 * semantics (mse: mean over every element; crossentropy: mean over every position of the class
 * ids), plus MAE (mse) or accuracy (crossentropy).
 */
export const evaluateArrays = action({
  flags: withCommon({
    model: modelIn('the model file'),
    x: flag.string('inputs [batch, time, features] or token ids [batch, time]', { value: 'X.json|X.npy' }),
    y: flag.string('targets (class ids for crossentropy)', { value: 'Y.json|Y.npy' }),
    loss: flag.choice(['mse', 'crossentropy'], 'loss function', { value: 'NAME', default: 'mse' }),
    'batch-size': flag.int('rows per forward pass', { value: 'N', default: 256, check: 'positive' }),
    json: flag.boolean('print the scores as one JSON object'),
  }),
  examples: ['rnn evaluate --model m.safetensors --x x.json --y y.json', 'rnn evaluate --model lm.safetensors --x ids.npy --y next.npy --loss crossentropy --json'],
  async run(v, io) {
    const { x: xPath, y: yPath } = v;
    if (xPath === undefined || yPath === undefined) {
      throw new UsageError(`rnn evaluate: --${xPath === undefined ? 'x' : 'y'} is required in array mode (or evaluate --csv, --text, --sequences or --trees); see rnn evaluate --help`);
    }
    await useBackend(io, v.verbose === true);
    const model = await loadModel(v.model);
    const xa = readArray(xPath, '--x');
    const ya = readArray(yPath, '--y');
    const x = inputTensor(model, xa);
    const y = targetTensor(ya, v.loss);
    const metric: MetricName = v.loss === 'crossentropy' ? 'accuracy' : 'mae';
    model.compile({ optimizer: { type: 'sgd', lr: 1 }, loss: v.loss, metrics: [metric] });
    try {
      checkTarget(model, x, y, model.training);
    } catch (err) {
      if (err instanceof RnnError) throw new RnnError(err.code, `--y ${yPath} (shape ${fmt(ya.shape)}) does not fit --x ${xPath} and the model: ${err.message.replace(/^fit: /, '')}`);
      throw err;
    }
    const s = model.evaluate(x, y, { batchSize: v['batch-size'] });
    const rows = x.shape[0]!;
    if (v.json) io.stdout.write(JSON.stringify({ rows, loss_name: v.loss, ...s }) + '\n');
    else {
      const m = metric === 'accuracy' ? `accuracy ${(100 * s[metric]!).toFixed(2)}%` : `MAE ${s[metric]!.toPrecision(6)}`;
      io.stdout.write(`${v.loss} loss ${s['loss']!.toPrecision(6)}, ${m} over ${rows} rows of ${xPath}\n`);
    }
  },
});
