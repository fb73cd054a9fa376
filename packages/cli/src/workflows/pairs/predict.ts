import { writeFileAtomic } from '@rnn/layers';
import { action, withCommon } from '../../command.js';
import { flag } from '../../flags.js';
import { checkChartPath } from '../../plot/index.js';
import { modelIn } from '../flags.js';
import { DECODE_FLAGS, decodeSources, outputText, plotAttention } from './decode.js';
import { openPairsModel } from './model-file.js';
import { tokenize } from './split.js';
import { readPairs } from './tsv.js';

/**
 * `rnn predict --pairs IN --output OUT`: the first column of every line of IN, decoded; one line
 * out per line in, in order, `source<TAB>prediction` (tokens joined by one space for a space-split
 * target, concatenated for a char-split one). Any second column of IN is ignored.
 */
export const predictPairs = action({
  flags: withCommon({
    model: modelIn('a model from rnn train --pairs (or a checkpoint)'),
    pairs: flag.string('sources to decode: the first column of each line (a second is ignored; .gz read transparently)', { value: 'IN.tsv[.gz]', required: true }),
    output: flag.string('where to write source<TAB>prediction, one line per input line', { value: 'OUT.tsv', required: true }),
    ...DECODE_FLAGS,
  }),
  examples: ['rnn predict --model g2p.safetensors --pairs words.txt --output phones.tsv --beam 5'],
  computes: true,
  async run(v, io) {
    if (v['attention-plot']) checkChartPath(v['attention-plot'], '--attention-plot');
    const { model, meta } = openPairsModel(v.model);
    const lines = readPairs(v.pairs, '--pairs', 'sources');
    const sources = lines.map((l) => tokenize(l.source, meta.sourceSplit));
    const out = decodeSources(model, meta, sources, v, io, `--pairs ${v.pairs}`);
    writeFileAtomic(v.output, lines.map((l, i) => `${l.source}\t${outputText(out[i]!, meta)}\n`).join(''));
    const parts = [`decoded ${lines.length} source${lines.length === 1 ? '' : 's'}${v.beam > 1 ? ` (beam ${v.beam})` : ' (greedy)'}; wrote ${v.output}`];
    if (v['attention-plot']) {
      const wrote = plotAttention(v['attention-plot'], meta, sources, out, v['plot-count'], `Attention: ${v.pairs}`, io);
      if (wrote) parts.push(`wrote ${wrote}`);
    }
    io.stderr.write(`rnn: ${parts.join('; ')}\n`);
  },
});
