import type { Workflow } from '../workflow.js';
import { evaluateClassify } from './evaluate.js';
import { predictClassify } from './predict.js';
import { trainClassify } from './train.js';
import { explainClassify } from './explain.js';

/** `--sequences`: classify variable-length sequences. */
export const classify: Workflow = {
  name: 'classify',
  trigger: 'sequences',
  summary: 'classify variable-length multichannel sequences (a CSV of steps plus a CSV of labels): train, evaluate, predict labels',
  train: trainClassify,
  evaluate: evaluateClassify,
  predict: predictClassify,
  explain: explainClassify,
};
