import type { Workflow } from '../workflow.js';
import { evaluatePairs } from './evaluate.js';
import { predictPairs } from './predict.js';
import { trainPairs } from './train.js';
import { explainPairs } from './explain.js';

/** `--pairs`: sequence to sequence (an attention encoder–decoder) on source<TAB>target pairs. */
export const pairs: Workflow = {
  name: 'pairs',
  trigger: 'pairs',
  summary: 'sequence to sequence on source<TAB>target pairs (e.g. grapheme-to-phoneme): train with --dev, predict with --beam K, evaluate token/sequence error rates',
  train: trainPairs,
  predict: predictPairs,
  explain: explainPairs,
  evaluate: evaluatePairs,
};
