import { ConfigError } from '@rnn/core';
import { Dense } from '@rnn/layers';
import { useBackend } from '../backend.js';
import { COMMON, type Command } from '../command.js';
import { loadModel } from '../model-io.js';
import { Vocabulary } from '../workflows/text/corpus.js';
import { generate as sampleText } from '../workflows/text/sample.js';

export const generate: Command = {
  name: 'generate',
  summary: 'write text with a character model from rnn train --text',
  flags: {
    model: { type: 'string', value: 'M.safetensors', help: 'a character model (or a checkpoint) from rnn train --text', required: true },
    prime: { type: 'string', value: 'TEXT', help: 'text to start from; the output continues it (default: one random character)' },
    length: { type: 'int', value: 'N', help: 'characters to generate after the prime', default: 500 },
    temperature: { type: 'number', value: 'F', help: 'sampling temperature: lower is safer, higher more varied; 0 always takes the likeliest character', default: 0.8 },
    seed: { type: 'int', value: 'N', help: 'random seed: the same seed gives the same text', default: 0 },
    ...COMMON,
  },
  examples: [
    'rnn generate --model shakespeare.safetensors --prime "ROMEO:" --length 500 --temperature 0.8 --seed 1',
    'rnn generate --model shakespeare.safetensors --prime "First Citizen:\\n" --temperature 0',
  ],
  async run(v, io) {
    await useBackend(io, v['verbose'] === true);
    const path = v['model'] as string;
    const length = v['length'] as number;
    const temperature = v['temperature'] as number;
    if (!(Number.isInteger(length) && length >= 0)) throw new ConfigError(`--length must be a non-negative integer, found ${length}`);
    if (!(temperature >= 0)) throw new ConfigError(`--temperature must be a number >= 0, found ${temperature}`);
    const model = await loadModel(path);
    const vocab = Vocabulary.fromMetadata(model.metadata, `--model ${path}`);
    const last = model.layers[model.layers.length - 1]!;
    if (!(last instanceof Dense) || last.units !== vocab.size) {
      throw new ConfigError(`--model ${path}: its last layer must be a dense layer with one logit per vocabulary character (${vocab.size}); found ${last.type} '${last.name}'`);
    }
    const prime = (v['prime'] as string | undefined) ?? '';
    // refuse an unknown prime before printing anything
    vocab.encode(prime, '--prime');
    io.stdout.write(prime);
    sampleText(model, vocab, { prime, length, temperature, seed: v['seed'] as number }, (c) => io.stdout.write(c));
    io.stdout.write('\n');
  },
};
