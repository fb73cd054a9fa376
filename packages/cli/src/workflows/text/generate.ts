import { action, withCommon } from '../../command.js';
import { flag } from '../../flags.js';
import { modelIn } from '../flags.js';
import { openCharModel } from './open.js';
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
  computes: true,
  async run(v, io) {
    const { model, vocab } = await openCharModel(v.model);
    const prime = v.prime ?? '';
    // refuse an unknown prime before printing anything
    vocab.encode(prime, '--prime');
    io.stdout.write(prime);
    sampleText(model, vocab, { prime, length: v.length, temperature: v.temperature, seed: v.seed }, (c) => io.stdout.write(c));
    io.stdout.write('\n');
  },
});
