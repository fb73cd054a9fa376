import { writeFileAtomic } from '@rnn/layers';
import { action, withCommon } from '../../command.js';
import { flag } from '../../flags.js';
import { modelIn } from '../flags.js';
import { COLUMN_FLAGS, readTagged } from './data.js';
import { loadTaggerFile, tagFile } from './model.js';

/**
 * `rnn predict --tagging`: tag every sentence of a CoNLL/CoNLL-U file. Any tags in it are ignored
 * (a file of tokens alone will do). The output follows the input line for line: `token<TAB>tag`
 * for each token line, a blank line for each blank line, nothing for comments and CoNLL-U's
 * multi-word-token and empty-node lines.
 */
export const predictTagging = action({
  flags: withCommon({
    model: modelIn('a tagger from rnn train --tagging'),
    tagging: flag.string('a CoNLL or CoNLL-U file of sentences to tag, one token a line (its tags, if any, are ignored)', { value: 'IN.conll[.gz]', required: true }),
    output: flag.string('write token<TAB>tag lines here (default: stdout)', { value: 'OUT.conll' }),
    ...COLUMN_FLAGS,
    'batch-size': flag.int('sentences tagged at once', { value: 'N', default: 64, check: 'positive' }),
  }),
  examples: ['rnn predict --model wnut.safetensors --tagging data/wnut17/test.conll.gz --output test.predicted.conll', 'rnn predict --model pos.safetensors --tagging new.conllu --token-column 2'],
  computes: true,
  async run(v, io) {
    const tagger = loadTaggerFile(v.model);
    const file = readTagged(v.tagging, v, io, { tags: false });
    const { predicted } = tagFile(tagger, file, v['batch-size']);
    const out: string[] = [];
    for (const l of file.lines) {
      if (l.kind === 'token') out.push(`${file.sentences[l.sentence]!.tokens[l.index]}\t${predicted[l.sentence]![l.index]}`);
      else if (l.kind === 'blank') out.push('');
    }
    const text = out.length ? out.join('\n') + '\n' : '';
    if (v.output) {
      writeFileAtomic(v.output, text);
      io.stderr.write(`rnn: tagged ${file.sentences.length} sentences (${file.tokens} tokens); wrote ${v.output}\n`);
    } else io.stdout.write(text);
  },
});
