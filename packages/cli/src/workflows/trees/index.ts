import { action, withCommon } from '../../command.js';
import { flag } from '../../flags.js';
import { modelIn } from '../flags.js';
import type { Workflow } from '../workflow.js';
import { evaluateTreeModel, formatTreeScores, treeScoresJson } from './evaluate.js';
import { predictTrees } from './predict.js';
import { trainTrees } from './train.js';
import { explainTrees } from './explain.js';

/** `rnn evaluate --trees`: a tree model's scores on a file of labelled trees. */
const evaluateTrees = action({
  flags: withCommon({
    model: modelIn('a tree model from rnn train --trees'),
    trees: flag.string('labelled PTB trees (e.g. SST test.txt) to score the model on', { value: 'FILE.txt[.gz]', required: true }),
    json: flag.boolean('print the scores as one JSON object'),
  }),
  examples: ['rnn evaluate --model sst.safetensors --trees data/sst/test.txt.gz'],
  computes: true,
  async run(v, io) {
    const { scores } = evaluateTreeModel(v.model, v.trees);
    io.stdout.write(v.json ? JSON.stringify(treeScoresJson(scores)) + '\n' : formatTreeScores(scores, v.trees) + '\n');
  },
});

/** `--trees`: recursive nets over parse trees (Tree-LSTM, RNTN, …). */
export const trees: Workflow = {
  name: 'trees',
  trigger: 'trees',
  summary: 'a recursive net over labelled parse trees (SST): train with --dev/--test, evaluate, predict labels',
  train: trainTrees,
  evaluate: evaluateTrees,
  predict: predictTrees,
  explain: explainTrees,
};
