import { flag } from '../../flags.js';

/** The flags every `rnn explain` workflow takes besides its input. */
export const explainFlags = {
  out: flag.string('folder for explain.json, the SVG pictures and report.html (created)', { value: 'DIR', required: true }),
  steps: flag.int('integrated-gradient steps (Gauss–Legendre points); the completeness check is in explain.json', { value: 'N', default: 32, check: 'positive' }),
  window: flag.int('time steps blanked at once by occlusion', { value: 'N', default: 1, check: 'positive' }),
  png: flag.boolean('write each picture as PNG too (drawn here, no browser needed)'),
};
