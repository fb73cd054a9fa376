import type { Workflow } from '../workflow.js';
import { evaluateTagging } from './evaluate.js';
import { predictTagging } from './predict.js';
import { trainTagging } from './train.js';
import { explainTaggingAction } from './explain.js';

/** `--tagging`: sequence labelling (named entities, part of speech) on CoNLL/CoNLL-U files. */
export const tagging: Workflow = {
  name: 'tagging',
  trigger: 'tagging',
  summary: 'a BiLSTM-CRF sequence tagger on CoNLL/CoNLL-U files (named entities, POS): train with --dev, evaluate (conlleval F1), predict tags',
  train: trainTagging,
  evaluate: evaluateTagging,
  predict: predictTagging,
  explain: explainTaggingAction,
};
