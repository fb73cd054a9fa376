import { ValueError } from '@rnn/core';
import { explainTagging } from '@rnn/layers';
import { action, withCommon } from '../../command.js';
import { flag } from '../../flags.js';
import { tokensScene } from '../../plot/index.js';
import { pictureFlags } from '../explain/flags.js';
import { writeReport, type Picture } from '../explain/report.js';
import { modelIn } from '../flags.js';
import { COLUMN_FLAGS, readTagged } from './data.js';
import { loadTaggerFile } from './model.js';

/**
 * `rnn explain --tagging`: for the first sentences of a file, the predicted tags and how much each
 * token holds them up (occlusion: the log-likelihood of the predicted tags falls by this much when
 * the token is made unknown, word and characters).
 */
export const explainTaggingAction = action({
  flags: withCommon({
    model: modelIn('a tagger from rnn train --tagging'),
    tagging: flag.string('a CoNLL or CoNLL-U file of sentences (its tags, if any, are ignored)', { value: 'IN.conll[.gz]', required: true }),
    ...COLUMN_FLAGS,
    first: flag.int('explain the first N sentences of the file', { value: 'N', default: 3, check: 'positive' }),
    ...pictureFlags,
  }),
  examples: ['rnn explain --model wnut.safetensors --tagging data/wnut17/test.conll.gz --first 5 --out explain-wnut/'],
  computes: true,
  async run(v, io) {
    const tagger = loadTaggerFile(v.model);
    const file = readTagged(v.tagging, v, io, { tags: false });
    const sentences = file.sentences.slice(0, v.first).map((s) => s.tokens);
    if (sentences.length === 0) throw new ValueError(`--tagging ${v.tagging}: no sentences in the file`);
    const out = explainTagging(tagger, sentences);
    const pictures: Picture[] = out.map((e, i) => ({
      name: `tokens-${i}`,
      caption: `Sentence ${i}: each token coloured by how much making it unknown lowers the log-likelihood of the predicted tags (blue: it supported them).`,
      scene: tokensScene({ title: `Sentence ${i}: ${e.tokens.map((t, k) => (e.tags[k] === 'O' ? t : `${t}/${e.tags[k]}`)).join(' ')}`.slice(0, 100), subtitle: `log-likelihood of the predicted tags ${e.logLikelihood.toFixed(3)}`, tokens: e.tokens, scores: e.occlusion }),
    }));
    const summary = out.map((e, i) => {
      const top = e.occlusion.map((s, j) => [s, j] as const).sort((a, b) => b[0] - a[0]).slice(0, 3);
      return `sentence ${i}: ${e.tokens.length} tokens, ${e.tags.filter((t) => t !== 'O').length} tagged; the tags lean most on ${top.map(([s, j]) => `${JSON.stringify(e.tokens[j])} (${s.toFixed(3)})`).join(', ')}`;
    });
    writeReport(v.out, { model: v.model, tagging: v.tagging, sentences: out, attribution: 'occlusion: log-likelihood of the predicted tags minus the same with the token made unknown' }, pictures, v.png === true, io, summary);
  },
});
