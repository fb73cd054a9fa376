import type { Workflow } from '../workflow.js';
import { trainClassify } from './train.js';

/** `--sequences`: classify variable-length sequences. */
export const classify: Workflow = {
  name: 'classify',
  trigger: 'sequences',
  summary: 'classify variable-length multichannel sequences (a CSV of steps plus a CSV of labels)',
  train: trainClassify,
};
