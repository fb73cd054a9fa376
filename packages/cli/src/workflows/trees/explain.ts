import { ValueError } from '@rnn/core';
import { explainTree, loadTreeNet, readTrees } from '@rnn/layers';
import { action, withCommon } from '../../command.js';
import { flag } from '../../flags.js';
import { treeScene } from '../../plot/index.js';
import { pictureFlags } from '../explain/flags.js';
import { writeReport, type Picture } from '../explain/report.js';
import { modelIn } from '../flags.js';

/**
 * `rnn explain --trees`: every node's state and predicted sentiment, and each phrase's
 * attribution — how much the root's score for its predicted class drops when the phrase's words
 * are replaced by the unknown word (occlusion, one batched forward per tree).
 */
export const explainTrees = action({
  flags: withCommon({
    model: modelIn('a tree model from rnn train --trees'),
    trees: flag.string('PTB bracket trees (their own labels are ignored)', { value: 'FILE.txt[.gz]', required: true }),
    first: flag.int('explain the first N trees of the file', { value: 'N', default: 1, check: 'positive' }),
    ...pictureFlags,
  }),
  examples: ['rnn explain --model sst.safetensors --trees data/sst/dev.txt.gz --out explain-sst/'],
  computes: true,
  async run(v, io) {
    const net = loadTreeNet(v.model);
    const trees = readTrees(v.trees).slice(0, v.first);
    if (trees.length === 0) throw new ValueError(`--trees ${v.trees}: no trees in the file`);
    const out = trees.map((t) => ({ tree: t, e: explainTree(net, t) }));
    const pictures: Picture[] = out.map(({ tree, e }, i) => ({
      name: `tree-${i}`,
      caption: `Tree ${i}: every node coloured by its predicted sentiment (class 0 very negative … ${net.numClasses - 1} very positive).`,
      scene: treeScene({
        title: `Tree ${i}: predicted class ${e.rootClass} at the root`,
        subtitle: e.nodes[e.root]!.phrase.slice(0, 110),
        nodes: e.nodes.map((n, k) => ({ ...n, word: tree.words[k] ?? null })),
        root: e.root,
      }),
    }));
    const summary = out.map(({ e }, i) => {
      const phrases = e.nodes
        .map((n, k) => ({ n, k }))
        .filter(({ k }) => k !== e.root)
        .sort((a, b) => Math.abs(b.n.attribution) - Math.abs(a.n.attribution))
        .slice(0, 3);
      return `tree ${i}: class ${e.rootClass} (p ${e.nodes[e.root]!.probs[e.rootClass]!.toFixed(3)}); phrases that moved it most: ${phrases.map(({ n }) => `"${n.phrase}" (${n.attribution >= 0 ? '+' : ''}${n.attribution.toPrecision(3)})`).join(', ')}`;
    });
    const json = {
      model: v.model,
      trees: out.map(({ e }) => ({ root: e.root, rootClass: e.rootClass, nodes: e.nodes })),
      attribution: 'occlusion: the root score of its predicted class minus that score with the phrase made unknown words',
    };
    writeReport(v.out, json, pictures, v.png === true, io, summary);
  },
});
