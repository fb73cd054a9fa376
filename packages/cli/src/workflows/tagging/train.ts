import { readFileSync } from 'node:fs';
import { Rng } from '@rnn/core';
import { Tagger, TaggingVocab, Trainer, getOptimizer, isChunkTagSet, progressReporter, readWordVectors, weightAverage, type Callback, type Logs, type TagScores, type TrainBegin, type WeightAverage } from '@rnn/layers';
import { action, withCommon, type Io } from '../../command.js';
import { flag, type Values } from '../../flags.js';
import { CHECKPOINT_FLAGS, commandLine, decodeSlot, encodeSlot, fingerprint, minutes, resumeSettings, runControl, trainResumable, resumeHint } from '../checkpoint.js';
import { batchSize, epochJson, epochsOrMinutes, hidden, layers, seed } from '../flags.js';
import { LOG_FLAGS, trainLogs } from '../logging.js';
import { checkOutputs, saveModel } from '../outputs.js';
import { COLUMN_FLAGS, noteUnknownTags, readTagged } from './data.js';
import { loadTaggerCheckpoint, tagFile, taggerBytes } from './model.js';
import { scoresJson, shortScores } from './scores.js';

/**
 * `rnn train --tagging`: a BiLSTM-CRF tagger (word embeddings ⊕ a character CNN → stacked BiLSTM →
 * CRF, or a softmax per token with --no-crf) on a CoNLL/CoNLL-U file, trained from scratch on the
 * one `Trainer`. With --dev, the epoch with the best dev entity F1 (token accuracy when the tags
 * are not entity tags) is kept and written to --out.
 */

/** Default learning rate per optimizer. */
const LR = { adam: 0.002, sgd: 0.015, adagrad: 0.05 };

export const trainFlags = withCommon({
  tagging: flag.string('a CoNLL or CoNLL-U file of tagged sentences to train on (.gz read transparently)', { value: 'TRAIN.conll[.gz]', required: true }),
  dev: flag.string('scored after every epoch; the epoch with the best entity F1 (token accuracy for non-entity tags) is kept', { value: 'DEV.conll[.gz]' }),
  out: flag.string('where to write the tagger model', { value: 'M.safetensors', required: true }),
  ...COLUMN_FLAGS,
  crf: flag.boolean('a linear-chain CRF over the tags (--no-crf: an independent softmax per token)', { default: true }),
  'word-vectors': flag.string("pretrained word vectors, a text file of 'word v1 v2 …' lines (GloVe's format): they initialise the embeddings of the words they list", {
    value: 'FILE',
  }),
  lowercase: flag.boolean('fold words to lower case for the word embeddings (the characters keep their case)'),
  'min-count': flag.int('training words seen fewer times are <unk> (so <unk> is trained too)', { value: 'N', default: 1, check: 'positive' }),
  embedding: flag.int('word vector size (default 100, or the width of --word-vectors)', { value: 'N', check: 'positive' }),
  chars: flag.boolean('character features: a CNN over each word\'s characters, max-pooled (--no-chars: words only)', { default: true }),
  'char-embedding': flag.int('character vector size', { value: 'N', default: 30, check: 'positive' }),
  'char-filters': flag.int('character CNN filters (character features per word)', { value: 'N', default: 50, check: 'positive' }),
  'char-kernel': flag.int('character CNN width, in characters', { value: 'N', default: 3, check: 'positive' }),
  shape: flag.int("word-shape vector size (casing, digits, @user, #tag, URL, punctuation; read from the original spelling): the strongest clue to a name never seen in training; 0: none", {
    value: 'N',
    default: 0,
    check: 'non-negative',
  }),
  'word-dropout': flag.number('in training, read each word as <unk> with this probability, so <unk> learns what unseen words look like', { value: 'P', default: 0, check: 'fraction' }),
  hidden: hidden(100),
  layers: layers(1),
  dropout: flag.number('dropout on the BiLSTM\'s input and output', { value: 'F', default: 0.5, check: 'fraction' }),
  'weight-average': flag.number(
    'score and keep a moving average of the weights over the training steps, with this decay (e.g. 0.999: about the last 1,000 steps), not the weights of the last step; 0: off',
    { value: 'D', default: 0, check: 'fraction' },
  ),
  epochs: epochsOrMinutes(30),
  minutes,
  'batch-size': batchSize(10),
  optimizer: flag.choice(['adam', 'sgd', 'adagrad'], 'optimizer', { value: 'NAME', default: 'adam' }),
  lr: flag.number(`learning rate (default ${LR.adam} with adam, ${LR.sgd} with sgd, ${LR.adagrad} with adagrad)`, { value: 'F', check: 'positive' }),
  'clip-norm': flag.number('clip the global gradient norm before each step', { value: 'F', default: 5, check: 'positive' }),
  seed,
  ...CHECKPOINT_FLAGS,
  json: epochJson,
  ...LOG_FLAGS,
});

/** What a resume must share with the run that wrote the checkpoint (besides the data). */
const RESUME_KEYS = [
  'token-column',
  'tag-column',
  'crf',
  'lowercase',
  'min-count',
  'embedding',
  'chars',
  'char-embedding',
  'char-filters',
  'char-kernel',
  'shape',
  'word-dropout',
  'hidden',
  'layers',
  'dropout',
  'weight-average',
  'batch-size',
  'optimizer',
  'lr',
  'clip-norm',
  'seed',
];

/**
 * A run stopped by --minutes mid-epoch has trained part of an epoch that no epoch-end scoring saw.
 * `look`, placed after the checkpoint hooks (so a checkpoint holds the same selection as a run
 * that never stopped), scores those weights on dev once the budget is spent and offers them to the
 * trainer's selection; `start`, placed before them, starts the clock no later than theirs.
 */
function budgetLook(
  tagger: Tagger,
  minutes: number | undefined,
  selection: () => TrainBegin['selection'],
  score: () => number,
  onBest: () => void,
  enabled: boolean,
  average: WeightAverage | null,
): { start: Callback; look: Callback; scored: { value: number; kept: boolean } | null } {
  let t0 = 0;
  const out: { start: Callback; look: Callback; scored: { value: number; kept: boolean } | null } = {
    start: { onTrainBegin: () => void (t0 = performance.now()) },
    look: {
      onBatchBegin(batch, epoch) {
        const sel = selection();
        if (!enabled || minutes === undefined || out.scored || batch === 0 || !sel || performance.now() - t0 < minutes * 60_000) return;
        average?.swapIn();
        const value = score();
        const best = sel.get();
        const kept = best === null || value > best.value;
        if (kept) {
          sel.set({ value, epoch, weights: tagger.params.values.data() });
          onBest();
        }
        average?.swapOut();
        out.scored = { value, kept };
      },
    },
    scored: null,
  };
  return out;
}

/** The epoch line's dev scores. */
function devScores(logs: Logs): string {
  const f1 = logs['val_f1'] !== undefined ? ` dev F1 ${(100 * logs['val_f1']).toFixed(2)}` : '';
  const acc = logs['val_accuracy'] !== undefined ? ` dev accuracy ${(100 * logs['val_accuracy']).toFixed(2)}%` : '';
  return `${f1}${acc}`;
}

async function runTagging(v: Values<typeof trainFlags>, io: Io): Promise<void> {
  const verbose = v.verbose === true;
  const json = v.json === true;
  const control = await runControl(v, loadTaggerCheckpoint);
  checkOutputs({ out: v.out, checkpoint: v.checkpoint });
  const { 'batch-size': batch, optimizer, 'clip-norm': clipNorm, seed, out } = v;
  const epochs = v.epochs ?? (v.minutes !== undefined ? Number.MAX_SAFE_INTEGER : 30);
  const lr = v.lr ?? LR[optimizer];

  const train = readTagged(v.tagging, v, io);
  // read everything before training, so that a bad file fails now rather than after it
  const dev = v.dev ? readTagged(v.dev, v, io) : null;
  const vectors = v['word-vectors'] ? readWordVectors(v['word-vectors']) : undefined;
  const vocab = TaggingVocab.build(train.sentences.map((s) => ({ tokens: s.tokens, tags: s.tags! })), { minCount: v['min-count'], lowercase: v.lowercase === true });
  if (dev) noteUnknownTags(v.dev!, dev, (t) => vocab.hasTag(t), io);
  const tagger = new Tagger({
    vocab,
    wordDim: v.embedding,
    wordVectors: vectors,
    chars: v.chars,
    charDim: v['char-embedding'],
    charFilters: v['char-filters'],
    charKernel: v['char-kernel'],
    ...(v.shape > 0 ? { shapeDim: v.shape } : {}),
    wordDropout: v['word-dropout'],
    hiddenSize: v.hidden,
    numLayers: v.layers,
    dropout: v.dropout,
    crf: v.crf,
    seed,
  });
  // entity F1 picks the epoch (and drives --reduce-lr-on-plateau) when the tags are entity tags;
  // token accuracy otherwise (POS tags). The tagger predicts training tags only, so these decide.
  const entityTags = isChunkTagSet([...vocab.tags, ...(dev ? dev.sentences.flatMap((s) => s.tags!) : [])]);
  const devKey = entityTags ? 'val_f1' : 'val_accuracy';
  const logging = trainLogs(v, io, dev ? { monitor: devKey, mode: 'max' } : {});
  if (verbose) {
    io.stderr.write(
      `rnn: ${train.sentences.length} training sentences (${train.tokens} tokens), ${dev ? `${dev.sentences.length} dev` : 'no dev'}; ` +
        `${vocab.words.size} words${v.lowercase ? ' (lower-cased)' : ''} (min count ${v['min-count']}), ${vocab.chars.size} characters, ${vocab.tags.length} tags; ` +
        `${vectors ? `${tagger.pretrainedWords} of them with a pretrained vector (${vectors.dim} numbers); ` : ''}` +
        `${tagger.params.size} parameters; ${v.crf ? 'CRF' : 'softmax'}; ${optimizer} lr ${lr}\n`,
    );
  }
  const encoded = tagger.encode(train.sentences.map((s) => ({ tokens: s.tokens, tags: s.tags! })));
  const files = [v.tagging, v.dev, v['word-vectors']].map((p) => (p ? fingerprint(readFileSync(p)) : '-')).join(':');
  const settings = resumeSettings(files, { ...v, lr, crf: v.crf, chars: v.chars, lowercase: v.lowercase === true }, RESUME_KEYS);

  // scored, kept and written instead of the last step's weights; swapped in to validate (so the
  // selection copies the average) and out again at the epoch's end, before a checkpoint is written
  const average = v['weight-average'] > 0 ? weightAverage({ decay: v['weight-average'] }) : null;
  const averageHooks: Callback[] = average ? [average, { onEpochEnd: () => average.swapOut() }] : [];
  let lastDev: TagScores | null = null;
  let bestDev: TagScores | null = null;
  let selection: TrainBegin['selection'];
  const progress = progressReporter({
    stderr: io.stderr,
    stdout: io.stdout,
    json,
    verbose: true,
    label: 'tagging',
    unit: 'sentences',
    countKey: 'sentences',
    describe: devScores,
    minutes: v.minutes,
  });
  // --minutes usually ends mid-epoch: those weights are scored on dev too, and kept if they beat every epoch's
  const lastLook = budgetLook(tagger, v.minutes, () => selection, () => {
    const s = (lastDev = tagFile(tagger, dev!).scores!);
    return s.entities ? s.entities.f1 : s.accuracy;
  }, () => void (bestDev = lastDev), dev !== null, average);
  const r = await trainResumable(
    {
      model: tagger,
      epochs,
      bytes: (metadata) => taggerBytes(tagger, metadata),
      fit: (o) =>
        new Trainer(tagger, {
          optimizer: getOptimizer({ type: optimizer, lr }),
          epochs,
          batchSize: batch,
          rng: new Rng(seed),
          clipNorm,
          // a non-finite gradient makes the next loss non-finite: no extra pass over the gradients
          checkNumerics: 'epoch',
          countKey: 'sentences',
          clock: true,
          initialEpoch: o.initialEpoch,
          initialBatch: o.initialBatch,
          validate: dev
            ? () => {
                average?.swapIn();
                const s = (lastDev = tagFile(tagger, dev).scores!);
                return { val_accuracy: s.accuracy, ...(s.entities ? { val_f1: s.entities.f1, val_precision: s.entities.precision, val_recall: s.entities.recall } : {}) };
              }
            : undefined,
          select: dev
            ? {
                key: devKey,
                higher: true,
                onBest: () => void (bestDev = lastDev),
              }
            : undefined,
          callbacks: [...averageHooks, progress, ...logging.callbacks, { onTrainBegin: (info) => void (selection = info.selection) }, lastLook.start, ...o.callbacks, lastLook.look],
        }).fit({ size: encoded.length, take: (idx) => Array.from(idx, (i) => encoded[i]!) }),
    },
    {
      workflow: 'tagging',
      settings,
      control,
      command: commandLine(v, trainFlags.flags),
      io,
      extra: {
        save: () => {
          const best = selection?.get() ?? null;
          const avg = average?.getState();
          return JSON.stringify({
            best: best && { value: best.value, epoch: best.epoch, weights: encodeSlot(best.weights) },
            bestDev,
            extra: logging.extra?.save() ?? null,
            average: avg ? { steps: avg.steps, values: avg.average && encodeSlot(avg.average) } : null,
          });
        },
        restore: (text) => {
          const saved = JSON.parse(text) as {
            best: { value: number; epoch: number; weights: ReturnType<typeof encodeSlot> } | null;
            bestDev: TagScores | null;
            extra: string | null;
            average?: { steps: number; values: ReturnType<typeof encodeSlot> | null } | null;
          };
          if (average && saved.average) average.setState({ steps: saved.average.steps, average: saved.average.values && Float64Array.from(decodeSlot(saved.average.values)) });
          selection?.set(saved.best && { value: saved.best.value, epoch: saved.best.epoch, weights: decodeSlot(saved.best.weights) });
          bestDev = saved.bestDev;
          if (saved.extra !== null) logging.extra?.restore(saved.extra);
        },
      },
    },
  );
  // without --dev nothing was selected: the average is the model
  if (average && !dev) average.swapIn();
  const saved = await saveModel(io, 'out', out, (p) => tagger.save(p));
  const history = r.history;
  const bestEpoch = selection?.get()?.epoch ?? history.bestEpoch;
  const where = `${r.epoch} epoch${r.epoch === 1 ? '' : 's'}${r.batch > 0 ? ` and ${r.batch} of ${r.batches} batches` : ''}`;
  if (json) {
    io.stdout.write(
      JSON.stringify({
        event: 'done',
        stopped: r.stopped === 'time' ? 'time' : 'epochs',
        epochs: r.epoch,
        best_epoch: bestEpoch + 1,
        seconds: +history.seconds.toFixed(2),
        sentences_per_second: +history.samplesPerSecond.toFixed(2),
        parameters: tagger.params.size,
        words: vocab.words.size,
        tags: vocab.tags.length,
        pretrained_words: tagger.pretrainedWords,
        dev: bestDev ? scoresJson(bestDev, dev!.sentences.length) : null,
        checkpoint: r.checkpoint,
        out: saved.path,
      }) + '\n',
    );
  }
  const kept = dev ? (bestEpoch >= 0 && bestDev ? `best epoch on dev: ${bestEpoch + 1}` : 'no epoch finished to score on dev: kept the last weights') : 'no --dev: kept the last weights';
  const lines = [
    `rnn: ${r.stopped === 'time' ? 'time budget reached after' : 'trained'} ${where} in ${history.seconds.toFixed(1)}s ` +
      `(${history.samplesPerSecond.toFixed(1)} sentences/s); ${kept}; wrote ${saved.path}` +
      `${resumeHint(r.checkpoint)}`,
  ];
  if (lastLook.scored) lines.push(`rnn: the weights when the time ran out scored ${(100 * lastLook.scored.value).toFixed(2)} on dev: ${lastLook.scored.kept ? 'kept them' : 'kept the best epoch'}`);
  if (bestDev) lines.push(`rnn: dev: ${shortScores(bestDev)}`);
  io.stderr.write(lines.join('\n') + '\n');
  if (saved.error) throw saved.error;
}

export const trainTagging = action({
  flags: trainFlags,
  examples: [
    'rnn train --tagging data/wnut17/train.conll.gz --dev data/wnut17/dev.conll.gz --out wnut.safetensors --minutes 20',
    'rnn train --tagging en_ewt-ud-train.conllu --token-column 2 --tag-column 4 --dev en_ewt-ud-dev.conllu --out pos.safetensors --epochs 10',
  ],
  computes: true,
  run: runTagging,
});
