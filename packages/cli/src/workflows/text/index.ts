import type { Workflow } from '../workflow.js';
import { evaluateText } from './evaluate.js';
import { generateText } from './generate.js';
import { predictText } from './predict.js';
import { trainText } from './train.js';
import { explainText } from './explain.js';

/** `--text`: character-level language models. */
export const text: Workflow = {
  name: 'text',
  trigger: 'text',
  summary: 'a character-level language model on a text file: train, evaluate (bits/char), predict the next character, generate text',
  train: trainText,
  evaluate: evaluateText,
  predict: predictText,
  explain: explainText,
  generate: generateText,
};
