import { z } from 'zod';
import { noGrad, parseOptions, schemas } from '@rnn/core';
import type { EncodedTree } from './batch.js';
import type { TreeNet } from './model.js';
import { scoreAccumulator, type TreeScores } from './scores.js';
import type { Tree } from './tree.js';

export { scoreAccumulator, type ScoreAccumulator, type TreeScores } from './scores.js';

const evaluateTreesOptions = z.strictObject({ batchSize: schemas.positiveInt().optional() });

/** Score `net` on labelled trees, in batches, without gradients. */
export function evaluateTrees(net: TreeNet, trees: readonly (Tree | EncodedTree)[], options: { batchSize?: number } = {}): TreeScores {
  const o = parseOptions(evaluateTreesOptions, options, 'evaluateTrees');
  const bs = o.batchSize ?? 256;
  const enc = trees.map((t) => ('tree' in t ? t : net.encode([t])[0]!));
  const acc = scoreAccumulator(net.numClasses);
  noGrad(() => {
    for (let i = 0; i < enc.length; i += bs) acc.add(net.forward(enc.slice(i, i + bs)));
  });
  return acc.result();
}
