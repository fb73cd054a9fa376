import type { Workflow } from '../workflow.js';
import { generateText } from './generate.js';
import { trainText } from './train.js';

/** `--text`: character-level language models. */
export const text: Workflow = {
  name: 'text',
  trigger: 'text',
  summary: 'a character-level language model on a text file: train, then generate text from it',
  train: trainText,
  generate: generateText,
};
