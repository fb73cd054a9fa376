import { ConfigError } from '@rnn/core';
import { Dense } from '@rnn/layers';
import { useBackend } from '../../backend.js';
import { action, withCommon } from '../../command.js';
import { flag } from '../../flags.js';
import { loadModel } from '../../model-io.js';
import { modelIn } from '../flags.js';
import { Vocabulary } from './corpus.js';
import { generate as sampleText } from './sample.js';

/** `rnn generate`: text from a character model of `rnn train --text`. */
export const generateText = action({
  flags: withCommon({
    model: modelIn('a character model (or a checkpoint) from rnn train --text'),
    prime: flag.string('text to start from; the output continues it (default: one random character)', { value: 'TEXT' }),
    length: flag.int('characters to generate after the prime', { value: 'N', default: 500, check: 'non-negative' }),
    temperature: flag.number('sampling temperature: lower is safer, higher more varied; 0 always takes the likeliest character', {
      value: 'F',
      default: 0.8,
      check: 'non-negative',
    }),
    seed: flag.int('random seed: the same seed gives the same text', { value: 'N', default: 0 }),
  }),
  examples: [
    'rnn generate --model shakespeare.safetensors --prime "ROMEO:" --length 500 --temperature 0.8 --seed 1',
    'rnn generate --model shakespeare.safetensors --prime "First Citizen:\\n" --temperature 0',
  ],
  async run(v, io) {
    await useBackend(io, v.verbose === true);
    const path = v.model;
    const model = await loadModel(path);
    const vocab = Vocabulary.fromMetadata(model.metadata, `--model ${path}`);
    const last = model.layers[model.layers.length - 1]!;
    if (!(last instanceof Dense) || last.units !== vocab.size) {
      throw new ConfigError(`--model ${path}: its last layer must be a dense layer with one logit per vocabulary character (${vocab.size}); found ${last.type} '${last.name}'`);
    }
    const prime = v.prime ?? '';
    // refuse an unknown prime before printing anything
    vocab.encode(prime, '--prime');
    io.stdout.write(prime);
    sampleText(model, vocab, { prime, length: v.length, temperature: v.temperature, seed: v.seed }, (c) => io.stdout.write(c));
    io.stdout.write('\n');
  },
});
