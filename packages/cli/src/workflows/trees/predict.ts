import { argmax, noGrad } from '@rnn/core';
import { loadTreeNet, readTrees, writeFileAtomic, type Tree, type TreeNet } from '@rnn/layers';
import { action, withCommon } from '../../command.js';
import { flag } from '../../flags.js';
import { modelIn } from '../flags.js';

/** Every node's predicted class, per tree (nodes in the tree's own post-order numbering). */
export function predictNodes(net: TreeNet, trees: readonly Tree[], batchSize = 256): Int32Array[] {
  const out: Int32Array[] = [];
  noGrad(() => {
    for (let i = 0; i < trees.length; i += batchSize) {
      const batch = trees.slice(i, i + batchSize);
      const { plan, logits } = net.forward(net.encode(batch));
      const best = argmax(logits, -1).data() as Int32Array;
      batch.forEach((_, b) => out.push(Int32Array.from(plan.rowOf[b]!, (row) => best[row]!)));
    }
  });
  return out;
}

/** A tree in PTB brackets with `labels` at its nodes: `(3 (2 It) (4 works))`. Post-order, so no recursion. */
export function bracketed(t: Tree, labels: ArrayLike<number>): string {
  const s: string[] = [];
  for (let n = 0; n < t.labels.length; n++) {
    const kids = t.children[n]!;
    s.push(kids.length ? `(${labels[n]} ${kids.map((c) => s[c]).join(' ')})` : `(${labels[n]} ${t.words[n] ?? ''})`);
  }
  return s[s.length - 1]!;
}

/** The words at the leaves, left to right: the sentence. */
function sentence(t: Tree): string {
  return t.words.filter((w, n) => w !== null && t.children[n]!.length === 0).join(' ');
}

/**
 * `rnn predict --trees`: a label per tree (its root), or with --nodes every node's label as the
 * tree in PTB brackets. The labels in the input are ignored (any integer will do: `(0 (0 a) (0 b))`).
 */
export const predictTrees = action({
  flags: withCommon({
    model: modelIn('a tree model from rnn train --trees'),
    trees: flag.string('PTB bracket trees to label (their own labels are ignored)', { value: 'FILE.txt[.gz]', required: true }),
    nodes: flag.boolean('write each tree in brackets with the predicted label at every node (default: the root label and the sentence)'),
    output: flag.string('write to a file instead of stdout', { value: 'OUT.txt' }),
  }),
  examples: ['rnn predict --model sst.safetensors --trees data/sst/test.txt.gz', 'rnn predict --model sst.safetensors --trees parsed.txt --nodes --output labelled.txt'],
  computes: true,
  async run(v, io) {
    const net = loadTreeNet(v.model);
    const trees = readTrees(v.trees);
    const labels = predictNodes(net, trees);
    const lines = trees.map((t, i) => (v.nodes ? bracketed(t, labels[i]!) : `${labels[i]![t.labels.length - 1]}\t${sentence(t)}`));
    const text = lines.join('\n') + (lines.length ? '\n' : '');
    if (v.output) {
      writeFileAtomic(v.output, text);
      io.stderr.write(`rnn: labelled ${trees.length} trees; wrote ${v.output}\n`);
    } else io.stdout.write(text);
  },
});
