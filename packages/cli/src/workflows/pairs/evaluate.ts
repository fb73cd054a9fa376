import { action, withCommon } from '../../command.js';
import { flag } from '../../flags.js';
import { checkChartPath } from '../../plot/index.js';
import { modelIn } from '../flags.js';
import { tokenizePairs } from './data.js';
import { DECODE_FLAGS, decodeSources, plotAttention } from './decode.js';
import { openPairsModel } from './model-file.js';
import { scorePairs, type PairScores } from './score.js';
import { readPairs } from './tsv.js';

/** The scores as `--json` prints them (snake_case, as the other workflows' JSON). */
export function scoresJson(s: PairScores): Record<string, number> {
  return {
    sources: s.sequences,
    wrong: s.wrong,
    sequence_error_rate: s.sequenceErrorRate,
    edits: s.edits,
    tokens: s.tokens,
    token_error_rate: s.tokenErrorRate,
  };
}

const pct = (v: number) => (Number.isNaN(v) ? 'n/a' : `${(100 * v).toFixed(2)}%`);

export function formatScores(s: PairScores, label: string): string {
  return (
    `${label}: token error rate ${pct(s.tokenErrorRate)} (${s.edits} edits / ${s.tokens} tokens), ` +
    `sequence error rate ${pct(s.sequenceErrorRate)} (${s.wrong} of ${s.sequences} sources wrong)`
  );
}

/**
 * `rnn evaluate --pairs`: decode every distinct source of a pairs file and score it against all of
 * its targets (a source on several lines has alternatives; right when equal to any).
 */
export const evaluatePairs = action({
  flags: withCommon({
    model: modelIn('a model from rnn train --pairs (or a checkpoint)'),
    pairs: flag.string('pairs to score the model on, source<TAB>target (.gz read transparently)', { value: 'TEST.tsv[.gz]', required: true }),
    ...DECODE_FLAGS,
    json: flag.boolean('print the scores as one JSON object'),
  }),
  examples: ['rnn evaluate --model g2p.safetensors --pairs data/cmudict/test.tsv.gz', 'rnn evaluate --model g2p.safetensors --pairs test.tsv --beam 5 --json'],
  computes: true,
  async run(v, io) {
    if (v['attention-plot']) checkChartPath(v['attention-plot'], '--attention-plot');
    const { model, meta } = openPairsModel(v.model);
    const where = `--pairs ${v.pairs}`;
    const p = tokenizePairs(readPairs(v.pairs, '--pairs'), { source: meta.sourceSplit, target: meta.targetSplit });
    const sources = p.groups.map((g) => g.tokens);
    const out = decodeSources(model, meta, sources, v, io, where);
    const scores = scorePairs(
      out.map((t) => t.tokens),
      p.groups.map((g) => g.targets),
    );
    if (v['attention-plot']) {
      const wrote = plotAttention(v['attention-plot'], meta, sources, out, v['plot-count'], `Attention: ${v.pairs}`, io);
      if (wrote) io.stderr.write(`rnn: wrote ${wrote}\n`);
    }
    if (v.json) io.stdout.write(JSON.stringify({ ...scoresJson(scores), pairs: p.sources.length, beam: v.beam }) + '\n');
    else io.stdout.write(`${formatScores(scores, `${v.pairs}${v.beam > 1 ? ` (beam ${v.beam})` : ' (greedy)'}`)}\n`);
  },
});
