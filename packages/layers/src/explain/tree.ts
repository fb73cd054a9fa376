import { noGrad, softmax } from '@rnn/core';
import type { EncodedTree } from '../trees/batch.js';
import type { TreeNet } from '../trees/model.js';
import type { Tree } from '../trees/tree.js';

/** One node of an explained tree: its phrase, the net's class probabilities, and its phrase's attribution. */
export interface ExplainedNode {
  /** The words under the node, left to right. */
  phrase: string;
  children: readonly number[];
  /** Softmax of the node's class scores (the net classifies every node). */
  probs: number[];
  predicted: number;
  /** Occlusion: the root's score for its predicted class minus that score with this phrase's words
   *  replaced by the unknown word (positive: the phrase pushed the root towards its prediction). */
  attribution: number;
  /** The node's hidden state. */
  h: number[];
}

export interface ExplainedTree {
  root: number;
  rootClass: number;
  nodes: ExplainedNode[];
}

/** Node states, per-node sentiment and per-phrase occlusion of a tree net, one batched forward per tree. */
export function explainTree(net: TreeNet, tree: Tree): ExplainedTree {
  const [enc] = net.encode([tree]) as [EncodedTree];
  const n = enc.ids.length;
  const spans = Array.from({ length: n }, (_, i) => allBelow(tree, i).filter((j) => tree.words[j] !== null).sort((a, b) => a - b));
  // the original tree, then one copy per node with that node's words made unknown (id 0)
  const batch: EncodedTree[] = [enc];
  for (let i = 0; i < n; i++) {
    const ids = enc.ids.slice();
    // every word-bearing node under i (dependency trees carry words on internal nodes too)
    for (const j of allBelow(tree, i)) if (tree.words[j] !== null) ids[j] = 0;
    batch.push({ tree, ids });
  }
  return noGrad(() => {
    const out = net.forward(batch);
    const C = net.numClasses;
    const H = out.h.shape[1]!;
    const logits = out.logits.data();
    const probs = softmax(out.logits, -1).data();
    const hs = out.h.data();
    const rows = out.plan.rowOf[0]!;
    const root = rootOf(tree);
    const rr = rows[root]!;
    let rootClass = 0;
    for (let c = 1; c < C; c++) if (logits[rr * C + c]! > logits[rr * C + rootClass]!) rootClass = c;
    const base = logits[rr * C + rootClass]!;
    const nodes = Array.from({ length: n }, (_, i): ExplainedNode => {
      const r = rows[i]!;
      const p = Array.from(probs.subarray(r * C, (r + 1) * C));
      const occRoot = out.plan.rowOf[i + 1]![root]!;
      return {
        phrase: spans[i]!.map((l) => tree.words[l] ?? '').join(' '),
        children: tree.children[i]!,
        probs: p,
        predicted: p.indexOf(Math.max(...p)),
        attribution: base - logits[occRoot * C + rootClass]!,
        h: Array.from(hs.subarray(r * H, (r + 1) * H)),
      };
    });
    return { root, rootClass, nodes };
  });
}

function allBelow(t: Tree, i: number): number[] {
  return [i, ...t.children[i]!.flatMap((c) => allBelow(t, c))];
}

/** The root: the one node no other node lists as a child (the last, in the reader's numbering). */
function rootOf(t: Tree): number {
  const child = new Set(t.children.flat());
  for (let i = t.children.length - 1; i >= 0; i--) if (!child.has(i)) return i;
  return t.children.length - 1;
}
