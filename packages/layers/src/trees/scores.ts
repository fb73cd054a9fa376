import type { TreeForward } from './batch.js';

/**
 * Sentiment-treebank scores (Socher et al. 2013): fine-grained accuracy over all classes, and
 * binary accuracy with the neutral class left out (gold 0, 1 → negative, 3, 4 → positive; the
 * prediction is whichever side has more probability), each at the root (the sentence) and over
 * every labelled node (all phrases, roots included). Binary scores need 5 classes.
 */
export interface TreeScores {
  /** Mean loss per tree (every labelled node, no L2). */
  loss: number;
  fineRoot: number;
  fineAll: number;
  binaryRoot: number;
  binaryAll: number;
  trees: number;
  nodes: number;
  /** Roots / nodes with a non-neutral gold label (the binary scores' denominators). */
  binaryTrees: number;
  binaryNodes: number;
}

export interface ScoreAccumulator {
  add(out: TreeForward): void;
  result(): TreeScores;
}

export function scoreAccumulator(numClasses: number): ScoreAccumulator {
  let lossSum = 0;
  let trees = 0;
  let nodes = 0;
  let fineRoot = 0;
  let fineAll = 0;
  let binTrees = 0;
  let binNodes = 0;
  let binRoot = 0;
  let binAll = 0;
  const C = numClasses;
  const binary = C === 5;
  return {
    add({ plan, logits }) {
      const z = logits.data();
      const isRoot = new Uint8Array(plan.total);
      for (const r of plan.roots) isRoot[r] = 1;
      const p = new Float64Array(C);
      for (let r = 0; r < plan.total; r++) {
        const y = plan.labels[r]!;
        if (y < 0) continue;
        // log-softmax and argmax on the host: the scores are counted here anyway
        let m = -Infinity;
        let arg = 0;
        for (let k = 0; k < C; k++) {
          const v = z[r * C + k]!;
          if (v > m) {
            m = v;
            arg = k;
          }
        }
        let s = 0;
        for (let k = 0; k < C; k++) s += (p[k] = Math.exp(z[r * C + k]! - m));
        lossSum -= Math.log(p[y]! / s);
        nodes++;
        const hit = arg === y ? 1 : 0;
        fineAll += hit;
        if (isRoot[r]) {
          trees++;
          fineRoot += hit;
        }
        if (binary && y !== 2) {
          const pos = (p[3]! + p[4]!) > (p[0]! + p[1]!);
          const ok = pos === y > 2 ? 1 : 0;
          binNodes++;
          binAll += ok;
          if (isRoot[r]) {
            binTrees++;
            binRoot += ok;
          }
        }
      }
    },
    result() {
      const f = (a: number, b: number) => (b === 0 ? NaN : a / b);
      return {
        loss: f(lossSum, trees),
        fineRoot: f(fineRoot, trees),
        fineAll: f(fineAll, nodes),
        binaryRoot: f(binRoot, binTrees),
        binaryAll: f(binAll, binNodes),
        trees,
        nodes,
        binaryTrees: binTrees,
        binaryNodes: binNodes,
      };
    },
  };
}
