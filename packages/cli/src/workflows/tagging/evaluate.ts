import { mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { entitiesOf, writeFileAtomic } from '@rnn/layers';
import { ConfigError } from '@rnn/core';
import { action, withCommon, type Io } from '../../command.js';
import { flag } from '../../flags.js';
import { renderPng, sceneToSvg } from '../../plot/index.js';
import { modelIn } from '../flags.js';
import { unwritable } from '../outputs.js';
import { COLUMN_FLAGS, noteUnknownTags, readTagged } from './data.js';
import { crfScores, loadTaggerFile, tagFile } from './model.js';
import { entitiesHtml, sentenceScene, transitionScene, typeColors, typesOf, type SentenceView } from './pictures.js';
import { formatScores, scoresJson } from './scores.js';

/** The sentence the report draws: the one with the most gold entities the model found, of 6 to 30 tokens. */
export function showcase(views: readonly SentenceView[]): number {
  let best = 0;
  let bestScore = -1;
  views.forEach((s, i) => {
    if (s.tokens.length < 6 || s.tokens.length > 30) return;
    const gold = new Set((s.gold ? entitiesOf(s.gold) : []).map((e) => `${e.type} ${e.start} ${e.end}`));
    const found = entitiesOf(s.predicted).filter((e) => gold.has(`${e.type} ${e.start} ${e.end}`)).length;
    const score = found * 10 + gold.size;
    if (score > bestScore) [best, bestScore] = [i, score];
  });
  return best;
}

/**
 * `--report DIR`: entities.html (every sentence with an entity, marked, and the scores),
 * sentence.svg (one sentence drawn), transitions.svg and .png (the CRF's scores; not for a
 * --no-crf model). Returns the files written.
 */
function writeReport(dir: string, modelPath: string, testPath: string, views: SentenceView[], scores: Parameters<typeof entitiesHtml>[1], tagger: ReturnType<typeof loadTaggerFile>, io: Io): string[] {
  const why = unwritable(join(dir, 'entities.html'));
  if (why) throw new ConfigError(`--report ${dir}: ${why}; choose a folder that can be written`);
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const put = (name: string, data: string | Uint8Array) => {
    const p = join(dir, name);
    writeFileAtomic(p, data);
    written.push(p);
  };
  put('entities.html', entitiesHtml(views, scores, { title: `${modelPath} on ${testPath}` }));
  const i = showcase(views);
  put('sentence.svg', sceneToSvg(sentenceScene(views[i]!, { title: `${basename(testPath)}, sentence ${i + 1}`, colors: typeColors(typesOf(views)) })));
  if (tagger.useCrf) {
    const scene = transitionScene(crfScores(tagger, modelPath), { title: `Learned CRF transition scores: ${basename(modelPath)}` });
    put('transitions.svg', sceneToSvg(scene));
    put('transitions.png', renderPng(scene, 2, (m) => io.stderr.write(`rnn: note: ${m}\n`)));
  }
  return written;
}

/**
 * `rnn evaluate --tagging`: token accuracy and, for entity tags (BIO/IOB2/IOBES), conlleval's
 * entity precision, recall and F1, overall and per type, printed as conlleval prints them.
 */
export const evaluateTagging = action({
  flags: withCommon({
    model: modelIn('a tagger from rnn train --tagging'),
    tagging: flag.string('a CoNLL or CoNLL-U file of tagged sentences to score the tagger on', { value: 'TEST.conll[.gz]', required: true }),
    ...COLUMN_FLAGS,
    json: flag.boolean('print the scores as one JSON object (fractions in [0, 1])'),
    report: flag.string('write pictures here: entities.html (the sentences with their entities marked), sentence.svg, transitions.svg/.png (the CRF)', { value: 'DIR' }),
    'batch-size': flag.int('sentences tagged at once', { value: 'N', default: 64, check: 'positive' }),
  }),
  examples: ['rnn evaluate --model wnut.safetensors --tagging data/wnut17/test.conll.gz', 'rnn evaluate --model wnut.safetensors --tagging data/wnut17/test.conll.gz --json --report wnut-report'],
  computes: true,
  async run(v, io) {
    const tagger = loadTaggerFile(v.model);
    const file = readTagged(v.tagging, v, io);
    if (v.report) {
      const why = unwritable(join(v.report, 'entities.html'));
      if (why) throw new ConfigError(`--report ${v.report}: ${why}; choose a folder that can be written`);
    }
    noteUnknownTags(v.tagging, file, (t) => tagger.vocab.hasTag(t), io);
    const { predicted, scores } = tagFile(tagger, file, v['batch-size']);
    io.stdout.write(v.json ? JSON.stringify(scoresJson(scores!, file.sentences.length)) + '\n' : formatScores(scores!) + '\n');
    if (v.report) {
      const views = file.sentences.map((s, i) => ({ tokens: s.tokens, predicted: predicted[i]!, gold: s.tags }));
      const written = writeReport(v.report, v.model, v.tagging, views, scores, tagger, io);
      io.stderr.write(`rnn: wrote ${written.join(', ')}\n`);
    }
  },
});
