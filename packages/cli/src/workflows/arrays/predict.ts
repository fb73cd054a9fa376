import { readArray, toJson, writeArray } from '../../arrays.js';
import { action, withCommon } from '../../command.js';
import { flag } from '../../flags.js';
import { inputTensor, loadModel } from '../../model-io.js';
import { modelIn } from '../flags.js';

export const predictArrays = action({
  flags: withCommon({
    model: modelIn('the model file'),
    input: flag.string('inputs, batch-first [batch, time, features] (or [batch, time] token ids)', { value: 'X.json|X.npy', required: true }),
    output: flag.string('where to write the predictions (default: JSON on stdout)', { value: 'Y.json|Y.npy' }),
    'batch-size': flag.int('rows per forward pass', { value: 'N', default: 256, check: 'positive' }),
  }),
  examples: ['rnn predict --model model.safetensors --input x.json', 'rnn predict --model model.safetensors --input x.npy --output y.npy --verbose'],
  computes: true,
  async run(v, io) {
    const model = await loadModel(v.model);
    const x = inputTensor(model, readArray(v.input, '--input'));
    const y = model.predict(x, { batchSize: v['batch-size'] });
    const data = y.data();
    if (v.output) writeArray(v.output, y.shape, data);
    else io.stdout.write(toJson(y.shape, data) + '\n');
  },
});
