import { flag } from '../../flags.js';

/** Where every `rnn explain` workflow writes (explain.json, the pictures, report.html). */
export const pictureFlags = {
  out: flag.string('folder for explain.json, the SVG pictures and report.html (created)', { value: 'DIR', required: true }),
  png: flag.boolean('write each picture as PNG too (drawn here, no browser needed)'),
};

/** The flags of the workflows explained by gradients (arrays, --csv, --text, --sequences) besides their input. */
export const explainFlags = {
  out: pictureFlags.out,
  steps: flag.int('integrated-gradient steps (Gauss–Legendre points); the completeness check is in explain.json', { value: 'N', default: 32, check: 'positive' }),
  window: flag.int('time steps blanked at once by occlusion', { value: 'N', default: 1, check: 'positive' }),
  png: pictureFlags.png,
};
