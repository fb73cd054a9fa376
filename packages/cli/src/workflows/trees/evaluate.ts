import { evaluateTrees, loadTreeNet, readTrees, type TreeNet, type TreeScores } from '@rnn/layers';

/**
 * Scoring a tree model on a file of labelled trees: what `rnn train --trees --test` prints at the
 * end, and what `rnn evaluate` can call for a tree model (a safetensors file with `rnn.tree`
 * metadata, see @rnn/layers trees/files.ts).
 */
export function scoreTreeFile(net: TreeNet, treesPath: string): TreeScores {
  return evaluateTrees(net, readTrees(treesPath));
}

/** Load a tree model and score it on a trees file. */
export function evaluateTreeModel(modelPath: string, treesPath: string): { net: TreeNet; scores: TreeScores } {
  const net = loadTreeNet(modelPath);
  return { net, scores: scoreTreeFile(net, treesPath) };
}

const pct = (a: number) => (Number.isNaN(a) ? 'n/a' : `${(100 * a).toFixed(1)}%`);

/** Two lines: fine-grained and binary accuracy at the root and over all phrases. */
export function formatTreeScores(s: TreeScores, label: string): string {
  return (
    `${label}: fine-grained (5-class) ${pct(s.fineRoot)} at the root, ${pct(s.fineAll)} over all phrases; ` +
    `binary (neutral removed) ${pct(s.binaryRoot)} at the root, ${pct(s.binaryAll)} over all phrases ` +
    `(${s.trees} trees, ${s.nodes} phrases; binary: ${s.binaryTrees} and ${s.binaryNodes})`
  );
}

/** The scores as the JSON fields `rnn train --trees --json` prints. */
export function treeScoresJson(s: TreeScores): Record<string, number> {
  return {
    loss: s.loss,
    fine_root: s.fineRoot,
    fine_all: s.fineAll,
    binary_root: s.binaryRoot,
    binary_all: s.binaryAll,
    trees: s.trees,
    phrases: s.nodes,
    binary_trees: s.binaryTrees,
    binary_phrases: s.binaryNodes,
  };
}
