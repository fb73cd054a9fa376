import { readArray, toJson, writeArray } from '../arrays.js';
import { useBackend } from '../backend.js';
import { COMMON, type Command } from '../command.js';
import { inputTensor, loadModel } from '../model-io.js';

export const predict: Command = {
  name: 'predict',
  summary: 'run a model on an array of inputs',
  flags: {
    model: { type: 'string', value: 'M.safetensors', help: 'the model file', required: true },
    input: { type: 'string', value: 'X.json|X.npy', help: 'inputs, batch-first [batch, time, features] (or [batch, time] token ids)', required: true },
    output: { type: 'string', value: 'Y.json|Y.npy', help: 'where to write the predictions (default: JSON on stdout)' },
    'batch-size': { type: 'int', value: 'N', help: 'rows per forward pass', default: 256 },
    ...COMMON,
  },
  examples: [
    'rnn predict --model model.safetensors --input x.json',
    'rnn predict --model model.safetensors --input x.npy --output y.npy --verbose',
  ],
  async run(v, io) {
    await useBackend(io, v['verbose'] === true);
    const model = await loadModel(v['model'] as string);
    const x = inputTensor(model, readArray(v['input'] as string, '--input'));
    const y = model.predict(x, { batchSize: v['batch-size'] as number });
    const data = y.data();
    if (v['output']) writeArray(v['output'] as string, y.shape, data);
    else io.stdout.write(toJson(y.shape, data) + '\n');
  },
};
