import { ValueError } from '@rnn/core';
import { explainTranslations } from '@rnn/layers';
import { action, withCommon } from '../../command.js';
import { flag } from '../../flags.js';
import { heatmapScene, tokensScene } from '../../plot/index.js';
import { pictureFlags } from '../explain/flags.js';
import { writeReport, type Picture } from '../explain/report.js';
import { modelIn } from '../flags.js';
import { openPairsModel } from './model-file.js';
import { detokenize, tokenize } from './split.js';
import { readPairs } from './tsv.js';

/**
 * `rnn explain --pairs`: for the first sources of a file, the model's (greedy) output, the attention
 * weights it put on each source token at every output step, and each source token's occlusion
 * score (how much the log-probability of that output falls when the token is made unknown).
 */
export const explainPairs = action({
  flags: withCommon({
    model: modelIn('a model from rnn train --pairs (or a checkpoint)'),
    pairs: flag.string('sources: the first column of each line (.gz read transparently)', { value: 'IN.tsv[.gz]', required: true }),
    first: flag.int('explain the first N sources of the file', { value: 'N', default: 3, check: 'positive' }),
    ...pictureFlags,
  }),
  examples: ['rnn explain --model g2p.safetensors --pairs words.txt --first 4 --out explain-g2p/'],
  computes: true,
  async run(v, io) {
    const { model, meta } = openPairsModel(v.model);
    const lines = readPairs(v.pairs, '--pairs', 'sources').slice(0, v.first);
    if (lines.length === 0) throw new ValueError(`--pairs ${v.pairs}: no sources in the file`);
    const sources = lines.map((l) => tokenize(l.source, meta.sourceSplit));
    const out = explainTranslations(model, sources);
    const pictures: Picture[] = [];
    const panels = out.filter((e) => e.attention).map((e) => ({ title: `${detokenize(e.source, meta.sourceSplit)} → ${detokenize(e.output.filter((t) => t !== '</s>'), meta.targetSplit)}`.slice(0, 60), columns: e.source, rows: e.output, weights: e.attention! }));
    if (panels.length) pictures.push({ name: 'attention', caption: 'The attention weight of each output token (rows) on each source token (columns).', scene: heatmapScene(panels, { title: `Attention: ${v.pairs}`, subtitle: 'attention weight of each output token (rows) on each source token (columns)' }) });
    out.forEach((e, i) =>
      pictures.push({
        name: `tokens-${i}`,
        caption: `Source ${i}: each token coloured by how much making it unknown lowers the log-probability of the output (blue: it supported the output).`,
        scene: tokensScene({ title: `Which source tokens made "${detokenize(e.output.filter((t) => t !== '</s>'), meta.targetSplit)}"`.slice(0, 80), subtitle: `log p(output) = ${e.logProb.toFixed(3)}; occlusion per source token`, tokens: e.source, scores: e.occlusion }),
      }),
    );
    const summary = out.map((e, i) => {
      const top = e.occlusion.map((s, j) => [s, j] as const).sort((a, b) => b[0] - a[0]).slice(0, 3);
      return `source ${i}: ${detokenize(e.source, meta.sourceSplit)} → ${detokenize(e.output.filter((t) => t !== '</s>'), meta.targetSplit)} (log p ${e.logProb.toFixed(3)}); tokens it leaned on most: ${top.map(([s, j]) => `${JSON.stringify(e.source[j])} (${s.toFixed(3)})`).join(', ')}`;
    });
    if (!panels.length) io.stderr.write('rnn: note: this model has no attention (--attention none): explain.json has the occlusion scores only\n');
    writeReport(v.out, { model: v.model, pairs: v.pairs, translations: out, attribution: 'occlusion: log p(output) minus log p(output) with the source token made <unk>' }, pictures, v.png === true, io, summary);
  },
});
