import type { Workflow } from '../workflow.js';
import { evaluateArrays } from './evaluate.js';
import { predictArrays } from './predict.js';
import { trainArrays } from './train.js';
import { explainArrays } from './explain.js';

/** The contract's array mode: a model file plus inputs and targets as .json/.npy arrays. */
export const arrays: Workflow = {
  name: 'arrays',
  summary: "the contract's array mode: a model file (--model) trained and scored on --x/--y arrays (.json or .npy), run on --input",
  train: trainArrays,
  evaluate: evaluateArrays,
  predict: predictArrays,
  explain: explainArrays,
};
