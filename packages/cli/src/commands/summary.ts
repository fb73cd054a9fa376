import { useBackend } from '../backend.js';
import { action, withCommon } from '../command.js';
import { flag } from '../flags.js';
import { loadModel } from '../model-io.js';
import { modelIn } from '../workflows/flags.js';
import { plainCommand } from './workflow-command.js';

export const summary = plainCommand('summary', 'layers, shapes, parameter counts and metadata of a model file', action({
  flags: withCommon({
    model: modelIn('the model file'),
    json: flag.boolean('print the config and metadata as JSON'),
  }),
  examples: ['rnn summary --model model.safetensors'],
  async run(v, io) {
    await useBackend(io, v.verbose === true);
    const model = await loadModel(v.model);
    if (v.json) {
      io.stdout.write(JSON.stringify({ config: model.config(), parameters: model.params!.size, metadata: model.metadata }, null, 2) + '\n');
      return;
    }
    const meta = Object.entries(model.metadata);
    io.stdout.write(
      `${v.model}\n${model.config().inputSize !== undefined ? `input: [batch, time, ${model.config().inputSize}]\n` : 'input: [batch, time] token ids\n'}` +
        `${model.summary()}\n` +
        (meta.length ? `metadata:\n${meta.map(([k, val]) => `  ${k}: ${val.length > 80 ? `${val.slice(0, 77)}...` : val}`).join('\n')}\n` : ''),
    );
  },
}));
