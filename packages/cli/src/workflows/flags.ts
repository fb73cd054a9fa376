import { flag } from '../flags.js';
import { CELLS } from './cells.js';

/**
 * Flags several workflows share, with each workflow's own default. The help line is the same
 * everywhere; the default shown is the workflow's.
 */

export const out = flag.string('where to write the trained model', { value: 'M.safetensors', required: true });
export const seed = flag.int('random seed (shuffling, initialisation): the same seed gives the same model', { value: 'N', default: 0 });
export const epochJson = flag.boolean('print one JSON line per epoch on stdout, and a summary line at the end');
export const modelIn = (help: string) => flag.string(help, { value: 'M.safetensors', required: true });
export const csvIn = (help: string) => flag.string(help, { value: 'FILE.csv', required: true });
/** `gunzip` of a text file (`--text`). */
export const gz = flag.choice(['auto', 'yes', 'no'], 'gunzip the file: auto (by its magic bytes), yes, no', { value: 'WHEN', default: 'auto' });

/** What `rnn evaluate|predict|forecast --csv` read first: the model and the series (`csv`: the help of `--csv`). */
export const seriesInputs = (csv: string) => ({ model: modelIn('a model trained with rnn train --csv'), csv: csvIn(csv) });
/** What `rnn evaluate|predict --sequences` read first: the classifier and the sequences. */
export const classifierInputs = (sequences: string) => ({ model: modelIn('a classifier from rnn train --sequences'), sequences: csvIn(sequences) });
/** What `rnn evaluate|predict --text` read first: the character model and the text. */
export const charModelInputs = (text: string) => ({
  model: modelIn('a character model (or a checkpoint) from rnn train --text'),
  text: flag.string(text, { value: 'FILE', required: true }),
  gz,
});

export const lr = (d: number) => flag.number('learning rate', { value: 'F', default: d, check: 'positive' });
export const epochs = (d: number) => flag.int('passes over the data', { value: 'N', default: d, check: 'positive' });
/** With `--minutes` and no `--epochs`, training has no epoch limit: the default is applied by the workflow. */
export const epochsOrMinutes = (d: number) =>
  flag.int(`passes over the data (default ${d}; with --minutes and no --epochs, no limit)`, { value: 'N', check: 'positive' });
export const batchSize = (d: number) => flag.int('rows per optimizer step', { value: 'N', default: d, check: 'positive' });
export const clipNorm = (d: number) => flag.number('clip the global gradient norm before each step', { value: 'F', default: d, check: 'positive' });

export const cell = flag.choice(CELLS, 'recurrent cell', { value: 'NAME', default: 'lstm' });
export const hidden = (d: number) => flag.int('hidden units per recurrent layer', { value: 'N', default: d, check: 'positive' });
export const layers = (d: number) => flag.int('stacked recurrent layers', { value: 'N', default: d, check: 'positive' });
