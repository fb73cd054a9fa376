import { readFileSync } from 'node:fs';
import { ConfigError, Rng, noGrad } from '@rnn/core';
import { Seq2Seq, SeqVocab, Trainer, getOptimizer, progressReporter, writeFileAtomic, type Callback, type Logs, type Seq2SeqPair, type TrainBegin } from '@rnn/layers';
import { action, withCommon, type Io } from '../../command.js';
import { UsageError, flag, type Values } from '../../flags.js';
import { CHECKPOINT_FLAGS, commandLine, decodeSlot, encodeSlot, fingerprint, minutes, resumeSettings, runControl, trainResumable, type CheckpointLoader, resumeHint } from '../checkpoint.js';
import { checkOutputs, saveModel } from '../outputs.js';
import { batchSize, clipNorm, epochJson, epochsOrMinutes, lr, out, seed } from '../flags.js';
import { LOG_FLAGS, trainLogs } from '../logging.js';
import { PackedPairs, chooseSplits, tokenizePairs, type Pairs } from './data.js';
import { formatScores, scoresJson } from './evaluate.js';
import { pairsMetadata, parsePairsModel, type PairsMeta } from './model-file.js';
import { scorePairs, type PairScores } from './score.js';
import { SPLITS } from './split.js';
import { readPairs } from './tsv.js';

/**
 * `rnn train --pairs`: an attention encoder–decoder (`Seq2Seq` of @rnn/layers) from a TSV of
 * source<TAB>target pairs. Every line is a training pair, in length-bucketed batches unless
 * --no-bucket. With --dev, after every epoch (every --dev-every N-th) the dev
 * sources are decoded greedily and scored; the weights with the lowest dev TOKEN ERROR RATE (ties:
 * the lower dev loss) are kept and written to --out each time they improve. A run stopped by
 * --minutes mid-epoch scores its last weights too and keeps them if they are better.
 */
export const trainFlags = withCommon({
  pairs: flag.string('pairs to train on, source<TAB>target per line (.gz read transparently)', { value: 'TRAIN.tsv[.gz]', required: true }),
  dev: flag.string('pairs scored after every epoch (greedy decoding); the weights with the best dev token error rate are kept', { value: 'DEV.tsv[.gz]' }),
  'dev-every': flag.int('score --dev after every N-th epoch only (and always the weights training ends with): decoding dev takes time from a --minutes budget', {
    value: 'N',
    check: 'positive',
  }),
  out: { ...out, info: { ...out.info, help: 'where to write the model (with --dev: the best weights, each time they improve)' } },
  'source-split': flag.choice(SPLITS, 'split sources into characters or space-separated tokens (default: space when any source holds a space)', { value: 'char|space' }),
  'target-split': flag.choice(SPLITS, 'split targets into characters or space-separated tokens (default: space when any target holds a space)', { value: 'char|space' }),
  embedding: flag.int('token vector size (both sides)', { value: 'N', default: 64, check: 'positive' }),
  encoder: flag.choice(['lstm', 'gru'], 'encoder cell', { value: 'CELL', default: 'lstm' }),
  hidden: flag.int('encoder units per direction', { value: 'N', default: 256, check: 'positive' }),
  layers: flag.int('stacked encoder layers', { value: 'N', default: 2, check: 'positive' }),
  bidirectional: flag.boolean('bidirectional encoder (--no-bidirectional: left to right only)', { default: true }),
  'decoder-hidden': flag.int('decoder LSTM units', { value: 'N', default: 256, check: 'positive' }),
  'decoder-layers': flag.int('stacked decoder layers', { value: 'N', default: 1, check: 'positive' }),
  attention: flag.choice(['luong', 'bahdanau', 'none'], 'attention: luong (general, multiplicative), bahdanau (additive), none (Cho/Sutskever)', { value: 'KIND', default: 'luong' }),
  'input-feeding': flag.boolean('feed the previous attentional state to the decoder (Luong et al.): the decoder then runs step by step, about half the training speed; off by default, so it runs over the whole target at once', { default: false }),
  dropout: flag.number('dropout on the embeddings, between stacked layers and before the output layer', { value: 'F', default: 0.2, check: 'fraction' }),
  'scheduled-sampling': flag.number("in training, the probability of feeding the model's own previous prediction instead of the gold token", { value: 'F', default: 0, check: 'fraction' }),
  'label-smoothing': flag.number('in training, the loss spreads F of each target token\'s weight evenly over the target vocabulary (PyTorch\'s label_smoothing); dev loss and selection stay plain cross-entropy', { value: 'F', default: 0, check: 'fraction' }),
  'min-count': flag.int('source tokens seen fewer times are trained as <unk> (what a token never seen in training reads)', { value: 'N', default: 1, check: 'positive' }),
  epochs: epochsOrMinutes(10),
  minutes,
  'batch-size': batchSize(64),
  bucket: flag.boolean('length bucketing: each batch holds pairs of similar lengths, from chunks of 50 batches (--no-bucket: plain random batches)', { default: true }),
  lr: lr(0.002),
  'lr-decay': flag.number('multiply the learning rate by F at each epoch after --decay-after (1: constant)', { value: 'F', default: 1, check: 'positive' }),
  'decay-after': flag.int('epochs at the full learning rate before --lr-decay applies', { value: 'N', default: 0, check: 'non-negative' }),
  anneal: flag.number(
    'with --minutes: over the last F of the time budget (0 < F ≤ 1) the learning rate falls linearly from --lr to 0 (a resumed run anneals within its own budget)',
    { value: 'F', check: 'positive' },
  ),
  'clip-norm': clipNorm(5),
  seed,
  ...CHECKPOINT_FLAGS,
  json: epochJson,
  ...LOG_FLAGS,
});

type TrainValues = Values<typeof trainFlags>;

/** What a resume must share with the run that wrote the checkpoint (besides the data). */
const RESUME_KEYS = [
  'source-split', 'target-split', 'embedding', 'encoder', 'hidden', 'layers', 'bidirectional', 'decoder-hidden', 'decoder-layers', 'attention',
  'input-feeding', 'dropout', 'scheduled-sampling', 'label-smoothing', 'min-count', 'batch-size', 'bucket', 'lr', 'lr-decay', 'decay-after', 'anneal', 'clip-norm', 'seed',
];

const loadPairsCheckpoint: CheckpointLoader<Seq2Seq> = async (path) => {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ConfigError(`--resume ${path}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, expected a checkpoint file' : (err as Error).message}`);
  }
  const { model, metadata } = parsePairsModel(bytes, `--resume ${path}`);
  return { model, metadata };
};

/** Dev scores of the weights the model holds now: greedy decoding, and the teacher-forced loss. */
export function scoreDev(model: Seq2Seq, dev: Pairs, encoded: readonly Seq2SeqPair[]): PairScores & { loss: number } {
  const out = model.predict(dev.groups.map((g) => g.tokens));
  const s = scorePairs(
    out.map((t) => t.tokens),
    dev.groups.map((g) => g.targets),
  );
  return { ...s, loss: model.evaluateLoss(encoded) };
}

const better = (a: { ter: number; loss: number }, b: { ter: number; loss: number } | null) => b === null || a.ter < b.ter || (a.ter === b.ter && a.loss < b.loss);

interface Best {
  ter: number;
  loss: number;
  epoch: number;
  weights: Float32Array | Float64Array;
  scores: PairScores & { loss: number };
}

/** The model `rnn train --pairs` trains, from its flags and the two vocabularies. */
function newModel(v: TrainValues, sourceVocab: SeqVocab, targetVocab: SeqVocab): Seq2Seq {
  return new Seq2Seq({
    sourceVocab,
    targetVocab,
    embeddingDim: v.embedding,
    encoder: { type: v.encoder, hiddenSize: v.hidden, numLayers: v.layers, bidirectional: v.bidirectional },
    decoder: { hiddenSize: v['decoder-hidden'], numLayers: v['decoder-layers'] },
    attention: v.attention,
    inputFeeding: v['input-feeding'],
    dropout: v.dropout,
    scheduledSampling: v['scheduled-sampling'],
    labelSmoothing: v['label-smoothing'],
    seed: v.seed,
  });
}

/**
 * The model and the data of `rnn train --pairs`: the files read, split into tokens, the
 * vocabularies built (or a resumed model's), the model made and the pairs encoded by it. Only what
 * training reads leaves this function: the training pairs packed as ids (`PackedPairs`), the dev
 * pairs (a few thousand) as the scorer wants them. The file's lines and token strings (about 80 MB
 * of small JS objects for CMUdict's 117,340 pairs, against 1.5 MB packed) are garbage once it
 * returns, so V8's major collections, which mark every live object and ran about once per batch,
 * no longer walk them.
 */
function loadPairs(v: TrainValues, resumed: Seq2Seq | null) {
  const lines = readPairs(v.pairs, '--pairs');
  const devLines = v.dev ? readPairs(v.dev, '--dev') : null;
  const splits = chooseSplits(lines, { source: v['source-split'], target: v['target-split'] });
  const train = tokenizePairs(lines, splits);
  const dev = devLines ? tokenizePairs(devLines, splits) : null;
  const meta: PairsMeta = {
    sourceSplit: splits.source,
    targetSplit: splits.target,
    longestSource: train.sources.reduce((m, s) => Math.max(m, s.length), 0),
    longestTarget: train.targets.reduce((m, t) => Math.max(m, t.length), 0),
  };
  const model = newModel(
    v,
    resumed?.sourceVocab ?? SeqVocab.build(train.sources, { minCount: v['min-count'] }),
    resumed?.targetVocab ?? SeqVocab.build(train.targets),
  );
  const encode = (p: Pairs) => model.encodePairs(p.sources.map((source, i) => ({ source, target: p.targets[i]! })));
  return {
    meta,
    model,
    encoded: PackedPairs.from(encode(train)),
    dev,
    devEncoded: dev ? encode(dev) : [],
    summary: `${lines.length} training pairs (${train.groups.length} distinct sources), ${devLines?.length ?? 0} dev`,
  };
}

async function runPairs(v: TrainValues, io: Io): Promise<void> {
  const json = v.json === true;
  const logging = trainLogs(v, io);
  if (v['reduce-lr-on-plateau'] !== undefined && v['lr-decay'] !== 1) {
    throw new UsageError('rnn train --pairs: --lr-decay and --reduce-lr-on-plateau both set the learning rate; choose one');
  }
  if (v['dev-every'] !== undefined && !v.dev) throw new UsageError('rnn train --pairs: --dev-every N needs --dev DEV.tsv (the pairs it scores)');
  if (v['dev-every'] !== undefined && v['dev-every'] > 1 && v['reduce-lr-on-plateau'] !== undefined) {
    throw new UsageError('rnn train --pairs: --reduce-lr-on-plateau watches the dev loss of every epoch; it cannot be used with --dev-every above 1');
  }
  const devEvery = v['dev-every'] ?? 1;
  if (v.anneal !== undefined) {
    if (v.anneal > 1) throw new UsageError(`rnn train --pairs: --anneal is the share of the time budget to anneal over, in (0, 1]; found ${v.anneal}`);
    if (v.minutes === undefined) throw new UsageError('rnn train --pairs: --anneal needs --minutes M (it anneals over the last part of the time budget)');
    const other = v['lr-decay'] !== 1 ? '--lr-decay' : v['reduce-lr-on-plateau'] !== undefined ? '--reduce-lr-on-plateau' : null;
    if (other) throw new UsageError(`rnn train --pairs: --anneal and ${other} both set the learning rate; choose one`);
  }
  if (v.attention === 'none' && v['input-feeding']) {
    throw new UsageError('rnn train --pairs: --input-feeding feeds the previous attentional state, so it needs --attention luong or bahdanau (found --attention none); drop one of them');
  }
  const control = await runControl(v, loadPairsCheckpoint);
  checkOutputs({ out: v.out, checkpoint: v.checkpoint });
  const epochs = v.epochs ?? (control.budgetMs !== null ? Number.MAX_SAFE_INTEGER : 10);

  const { meta, model, encoded, dev, devEncoded, summary } = loadPairs(v, control.resume?.model ?? null);
  if (v.verbose) {
    io.stderr.write(
      `rnn: ${summary}; source split ${meta.sourceSplit}, vocabulary ${model.sourceVocab.size}; target split ${meta.targetSplit}, vocabulary ${model.targetVocab.size}; ` +
        `${model.params.size} parameters\n`,
    );
  }

  const data = [v.pairs, v.dev].map((p) => (p ? fingerprint(readFileSync(p)) : '-')).join(':');
  // label smoothing joined the keys later: left out when off, so older checkpoints still resume
  const settings = resumeSettings(data, v, v['label-smoothing'] > 0 ? RESUME_KEYS : RESUME_KEYS.filter((k) => k !== 'label-smoothing'));
  const bytes = (extra: Record<string, string> = {}) => model.toBytes({ ...pairsMetadata(meta), ...extra });
  let best: Best | null = null;
  let lastDev: (PairScores & { loss: number }) | null = null;
  let wrote = 0;
  let bestWriteFailed = false;
  let optimizer: TrainBegin['optimizer'] | null = null;
  const setWeights = (w: Float32Array | Float64Array) =>
    noGrad(() => model.params.backend.assign(model.params.values, { storage: model.params.backend.write(w), shape: model.params.values.shape, dtype: model.params.values.dtype }));

  let started = 0;
  const schedule: Callback = {
    onTrainBegin: (info) => {
      optimizer = info.optimizer;
      started = performance.now();
    },
    // linear to zero over the last --anneal of the budget: the share of the budget used so far sets the rate
    onBatchBegin: () => {
      if (v.anneal === undefined) return;
      const used = (performance.now() - started) / (v.minutes! * 60_000);
      optimizer!.lr = v.lr * Math.min(1, Math.max(0, (1 - used) / v.anneal));
    },
    // a function of the epoch alone, so a resumed run gets the same rate
    onEpochBegin: (epoch) => {
      if (v['lr-decay'] !== 1) optimizer!.lr = v.lr * v['lr-decay'] ** Math.max(0, epoch - v['decay-after']);
    },
  };
  const selector: Callback = {
    async onEpochEnd(epoch) {
      if (!lastDev) return;
      // (each epoch's scores are its own: an epoch --dev-every skips leaves none)
      const cand = { ter: lastDev.tokenErrorRate, loss: lastDev.loss };
      if (!better(cand, best)) return;
      best = { ...cand, epoch, weights: model.params.values.data() as Float32Array, scores: lastDev };
      try {
        writeFileAtomic(v.out, bytes());
        wrote++;
      } catch {
        bestWriteFailed = true;
      }
    },
  };
  const progress = progressReporter({
    stderr: io.stderr,
    stdout: io.stdout,
    json,
    verbose: true,
    label: 'pairs',
    unit: 'pairs',
    countKey: 'pairs',
    minutes: v.minutes,
    describe: (logs: Logs) =>
      logs['val_token_error_rate'] === undefined
        ? ''
        : ` dev loss ${logs['val_loss']!.toPrecision(4)} TER ${(100 * logs['val_token_error_rate']).toFixed(2)}% SER ${(100 * logs['val_sequence_error_rate']!).toFixed(1)}%`,
  });

  const r = await trainResumable(
    {
      model,
      epochs,
      bytes: (metadata) => bytes(metadata),
      fit: (o) =>
        new Trainer(model, {
          optimizer: getOptimizer({ type: 'adam', lr: v.lr }),
          epochs,
          batchSize: v['batch-size'],
          buckets: v.bucket ? { keys: encoded.lengthKeys() } : undefined,
          rng: new Rng(v.seed),
          clipNorm: v['clip-norm'],
          // a non-finite gradient makes the next loss non-finite: no extra pass over the gradients
          checkNumerics: 'epoch',
          initialEpoch: o.initialEpoch,
          initialBatch: o.initialBatch,
          countKey: 'pairs',
          clock: true,
          validate: dev
            ? (epoch) => {
                lastDev = null;
                if ((epoch + 1) % devEvery !== 0 && epoch + 1 !== epochs) return {} as Record<string, number>;
                const s = (lastDev = scoreDev(model, dev, devEncoded));
                return { val_loss: s.loss, val_token_error_rate: s.tokenErrorRate, val_sequence_error_rate: s.sequenceErrorRate };
              }
            : undefined,
          callbacks: [schedule, progress, ...logging.callbacks, selector, ...o.callbacks],
        }).fit({ size: encoded.size, take: (idx) => Array.from(idx, (i) => encoded.pair(i)) }),
    },
    {
      workflow: 'pairs',
      settings,
      control,
      command: commandLine(v, trainFlags.flags),
      io,
      extra: {
        save: () => JSON.stringify({ best: best && { ...best, weights: encodeSlot(best.weights) }, plateau: logging.extra?.save() ?? null }),
        restore: (text) => {
          const s = JSON.parse(text) as { best: (Omit<Best, 'weights'> & { weights: ReturnType<typeof encodeSlot> }) | null; plateau: string | null };
          best = s.best && { ...s.best, weights: decodeSlot(s.best.weights) as Float32Array };
          if (s.plateau !== null) logging.extra?.restore(s.plateau);
        },
      },
    },
  );

  // the weights kept: the best epoch on dev, or the last weights when a run cut short mid-epoch scores better
  let kept = 'the last weights (no --dev)';
  let devScores: (PairScores & { loss: number }) | null = null;
  if (dev) {
    const b = best as Best | null;
    // the weights training ended with, unless the best epoch is the last one (already scored)
    const last = r.batch > 0 || !b || b.epoch !== r.epoch - 1 ? scoreDev(model, dev, devEncoded) : null;
    if (last && better({ ter: last.tokenErrorRate, loss: last.loss }, b)) {
      kept =
        r.batch > 0
          ? `the last weights (epoch ${r.epoch + 1}, ${r.batch} of ${r.batches} batches), better on dev than any finished epoch`
          : `the last weights (epoch ${r.epoch}), better on dev than any epoch scored before`;
      devScores = last;
      wrote = 0;
    } else if (b) {
      setWeights(b.weights);
      kept = `epoch ${b.epoch + 1}, the best on dev`;
      devScores = b.scores;
    }
  }
  const saved = !dev || wrote === 0 || bestWriteFailed ? await saveModel(io, 'out', v.out, (p) => writeFileAtomic(p, bytes())) : { path: v.out, error: null };
  const h = r.history;
  const where = `${r.epoch} epoch${r.epoch === 1 ? '' : 's'}${r.batch > 0 ? ` and ${r.batch} of ${r.batches} batches` : ''}`;
  if (json) {
    io.stdout.write(
      JSON.stringify({
        event: 'done',
        stopped: r.stopped === 'time' ? 'time' : 'epochs',
        epochs: r.epoch,
        batch: r.batch,
        batches: r.batches,
        seconds: +h.seconds.toFixed(2),
        pairs_per_second: +h.samplesPerSecond.toFixed(2),
        parameters: model.params.size,
        source_vocabulary: model.sourceVocab.size,
        target_vocabulary: model.targetVocab.size,
        selected_on: dev ? 'dev token error rate (greedy; ties: dev loss)' : null,
        kept,
        dev: devScores ? { ...scoresJson(devScores), loss: devScores.loss } : null,
        checkpoint: r.checkpoint,
        out: saved.path,
      }) + '\n',
    );
  }
  const lines2 = [
    `rnn: ${r.stopped === 'time' ? 'time budget reached after' : 'trained'} ${where} in ${h.seconds.toFixed(1)}s (${h.samplesPerSecond.toFixed(0)} pairs/s); kept ${kept}; wrote ${saved.path}` +
      `${resumeHint(r.checkpoint)}`,
  ];
  if (devScores) lines2.push(`rnn: ${formatScores(devScores, 'dev (greedy)')}, loss ${devScores.loss.toFixed(4)}`);
  io.stderr.write(lines2.join('\n') + '\n');
  if (saved.error) throw saved.error;
}

export const trainPairs = action({
  flags: trainFlags,
  examples: [
    'rnn train --pairs data/cmudict/train.tsv.gz --dev data/cmudict/dev.tsv.gz --out g2p.safetensors --minutes 20',
    'rnn train --pairs pairs.tsv --out m.safetensors --epochs 30 --attention bahdanau --hidden 128 --layers 1',
  ],
  computes: true,
  run: runPairs,
});
