import { readFileSync } from 'node:fs';
import { ConfigError, ValueError, parseSafetensors, serializeSafetensors } from '@rnn/core';
import { TreeNet, Vocab, fitTrees, parseTreeNet, readTrees, cellKinds, writeFileAtomic, type Tree, type TreeScores } from '@rnn/layers';
import { useBackend } from '../../backend.js';
import type { TrainBegin } from '@rnn/layers';
import { action, withCommon, type Io } from '../../command.js';
import { flag, type Values } from '../../flags.js';
import {
  CHECKPOINT_FLAGS,
  commandLine,
  decodeSlot,
  encodeSlot,
  fingerprint,
  minutes,
  resumeSettings,
  resumeHint,
  runControl,
  trainResumable,
  type CheckpointLoader,
} from '../checkpoint.js';
import { checkOutputs, saveModel } from '../outputs.js';
import { batchSize, epochJson, epochsOrMinutes, hidden, seed } from '../flags.js';
import { LOG_FLAGS, trainLogs } from '../logging.js';
import { formatTreeScores, scoreTreeFile, treeScoresJson } from './evaluate.js';
import { treeProgress } from './progress.js';

/**
 * `rnn train --trees`: a recursive tree net (binary Tree-LSTM, Child-Sum Tree-LSTM, RNN, RNTN)
 * on PTB bracket trees with a label on every node (the Stanford Sentiment Treebank), trained from
 * scratch with a loss at every node, the best epoch on --dev kept and written to --out each time
 * it improves (atomically), and --test scored once at the end.
 *
 * The model file is safetensors with metadata `rnn.tree` (config and vocabulary), NOT a model
 * file of the contract: `rnn predict`/`summary` do not read it (see @rnn/layers trees/files.ts).
 */

/**
 * The tree cells built in (`cellKinds('tree')` also lists cells a plugin registered, which --cell
 * takes too, so it is a plain string checked at run time).
 */
const TREE_CELLS = ['tree-lstm', 'child-sum', 'rnn', 'rntn'];

/** Default learning rate per optimizer. */
const LR = { adagrad: 0.05, adam: 0.001, sgd: 0.05 };

export const trainFlags = withCommon({
  trees: flag.string('PTB bracket trees with a label on every node (e.g. SST) to train a recursive net on; --dev picks the best epoch', {
    value: 'TRAIN.txt[.gz]',
    required: true,
  }),
  dev: flag.string('scored after every epoch; the best epoch (fine-grained root accuracy) is kept and written to --out', { value: 'DEV.txt[.gz]' }),
  test: flag.string('scored once, at the end, with the kept weights', { value: 'TEST.txt[.gz]' }),
  out: flag.string('where to write the tree model: the best epoch on --dev, atomically, each time it improves', { value: 'M.safetensors', required: true }),
  cell: flag.string(`tree cell: ${TREE_CELLS.join('|')} (or one a plugin registered)`, { value: 'NAME', default: 'tree-lstm' }),
  hidden: hidden(100),
  embedding: flag.int('word vector size (default 100; rnn and rntn: --hidden)', { value: 'N', check: 'positive' }),
  epochs: epochsOrMinutes(10),
  minutes,
  'batch-size': batchSize(25),
  optimizer: flag.choice(['sgd', 'adam', 'adagrad'], 'optimizer (adagrad as Tai et al. 2015)', { value: 'NAME', default: 'adam' }),
  lr: flag.number(`learning rate (default ${LR.adagrad} with adagrad, ${LR.adam} with adam, ${LR.sgd} with sgd)`, { value: 'F', check: 'positive' }),
  dropout: flag.number("dropout on the word vectors and on each node's h before the classifier", { value: 'F', default: 0.5, check: 'fraction' }),
  l2: flag.number('L2 penalty on the cell and classifier weights', { value: 'F', default: 1e-4, check: 'non-negative' }),
  'root-only': flag.boolean('loss on the root labels only (default: on every labelled node, as the SST papers)'),
  'min-count': flag.int('words seen fewer times in training are <unk>', { value: 'N', default: 1, check: 'positive' }),
  lowercase: flag.boolean('fold words to lower case (--no-lowercase keeps case)', { default: true }),
  'clip-norm': flag.number('clip the global gradient norm before each step', { value: 'F', check: 'positive' }),
  seed,
  ...CHECKPOINT_FLAGS,
  json: epochJson,
  ...LOG_FLAGS,
});

/** A tree checkpoint: a tree-model file (`rnn evaluate --trees` reads it) with `rnn.checkpoint` added. */
const loadTreeCheckpoint: CheckpointLoader<TreeNet> = async (path) => {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(`--resume ${path}: no such file`);
    if (code === 'EISDIR') throw new ConfigError(`--resume ${path}: is a directory, expected a checkpoint file`);
    throw err;
  }
  return { model: parseTreeNet(bytes, `--resume ${path}`), metadata: parseSafetensors(bytes, path).metadata };
};

function treeCheckpointBytes(net: TreeNet, metadata: Record<string, string>): Uint8Array {
  // TreeNet.toBytes keeps `rnn.` keys for itself: add the checkpoint's to its file
  const file = parseSafetensors(net.toBytes(), 'checkpoint');
  return serializeSafetensors(file.tensors, { ...file.metadata, ...metadata });
}

/** What a resume must share with the run that wrote the checkpoint (besides the data). */
const RESUME_KEYS = ['cell', 'hidden', 'embedding', 'batch-size', 'optimizer', 'lr', 'dropout', 'l2', 'root-only', 'min-count', 'lowercase', 'clip-norm', 'seed'];

function numClassesOf(trees: readonly Tree[], path: string): number {
  let max = -1;
  for (const t of trees) {
    for (const y of t.labels) {
      if (y < 0) continue;
      if (y > 99) throw new ValueError(`${path}: tree at line ${t.line} has label ${y}; labels must be class ids 0..99`);
      if (y > max) max = y;
    }
  }
  if (max < 1) throw new ValueError(`${path}: every label is ${max}; at least two classes are needed`);
  return max + 1;
}

function checkLabels(trees: readonly Tree[], classes: number, path: string): void {
  for (const t of trees) {
    for (const y of t.labels) {
      if (y >= classes) throw new ValueError(`${path}: tree at line ${t.line} has label ${y}, but the training trees have classes 0..${classes - 1}`);
    }
  }
}

async function runTrees(v: Values<typeof trainFlags>, io: Io): Promise<void> {
  const verbose = v.verbose === true;
  const json = v.json === true;
  const logging = trainLogs(v, io);
  await useBackend(io, verbose);
  const cellName = v.cell;
  if (!cellKinds('tree').includes(cellName)) {
    throw new ConfigError(`--cell ${cellName} is not a tree cell; --trees takes ${TREE_CELLS.join(', ')}`);
  }
  const control = await runControl(v, loadTreeCheckpoint);
  checkOutputs({ out: v.out, checkpoint: v.checkpoint });
  const hidden = v.hidden;
  // the recursive nets of Socher et al. use the word vectors as the leaves' states
  const embedding = v.embedding ?? (cellName === 'rnn' || cellName === 'rntn' ? hidden : 100);
  const { 'batch-size': batchSize, 'min-count': minCount, minutes, optimizer, dropout, l2, 'clip-norm': clipNorm, seed, lowercase, out } = v;
  const epochs = v.epochs ?? (minutes !== undefined ? Number.MAX_SAFE_INTEGER : 10);
  const lr = v.lr ?? LR[optimizer];

  const trainPath = v.trees;
  const train = readTrees(trainPath);
  const classes = numClassesOf(train, trainPath);
  const dev = v.dev ? readTrees(v.dev) : null;
  if (dev) checkLabels(dev, classes, v.dev!);
  // read the test file now, so that a bad path fails before training rather than after it
  const test = v.test ? readTrees(v.test) : null;
  if (test) checkLabels(test, classes, v.test!);
  const vocab = Vocab.build(train, { minCount, lowercase });
  const net = new TreeNet({ cell: cellName, hiddenSize: hidden, embeddingDim: embedding, vocab, numClasses: classes, dropout, seed });
  const nodes = train.reduce((s, t) => s + t.labels.length, 0);
  if (verbose) {
    io.stderr.write(
      `rnn: ${train.length} training trees (${nodes} nodes, ${classes} classes), ${dev?.length ?? 0} dev, ${test?.length ?? 0} test; ` +
        `vocabulary ${vocab.size} words (min count ${minCount}${lowercase ? ', lower-cased' : ''}); ` +
        `${cellName} hidden ${hidden}, embedding ${embedding}: ${net.params.size} parameters; ${optimizer} lr ${lr}\n`,
    );
  }
  // what shaped the run, echoed in the JSON summary
  const settings = Object.fromEntries(Object.entries(v).filter(([k, x]) => x !== undefined && !['json', 'verbose', 'config'].includes(k)));
  const data = [trainPath, v.dev].map((p) => (p ? fingerprint(readFileSync(p)) : '-')).join(':');
  const resumeWith = resumeSettings(data, { ...v, lr, embedding }, RESUME_KEYS);
  let wrote = 0;
  // the dev scores of the best epoch, carried through a checkpoint with the Trainer's selection
  let bestDev: TreeScores | null = null;
  let selection: TrainBegin['selection'];
  // --out is written each time dev improves; a failed write there is retried (and rescued) at the end
  let bestWriteFailed = false;
  const cpu0 = process.cpuUsage();
  const r = await trainResumable(
    {
      model: net,
      epochs,
      bytes: (metadata) => treeCheckpointBytes(net, metadata),
      fit: (o) =>
        fitTrees(net, net.encode(train), {
          epochs,
          batchSize,
          optimizer: { type: optimizer, lr },
          l2,
          rootOnly: v['root-only'] === true,
          clipNorm,
          seed,
          dev: dev ? net.encode(dev) : undefined,
          onBest: (n, _epoch, scores) => {
            bestDev = scores;
            try {
              writeFileAtomic(out, n.toBytes());
              wrote++;
            } catch {
              bestWriteFailed = true;
            }
          },
          initialEpoch: o.initialEpoch,
          initialBatch: o.initialBatch,
          callbacks: [treeProgress(io, { json, minutes }), ...logging.callbacks, { onTrainBegin: (info) => void (selection = info.selection) }, ...o.callbacks],
        }).then((h) => ({ epochs: h.epochs, bestEpoch: h.bestEpoch, seconds: h.seconds, samplesPerSecond: h.treesPerSecond })),
    },
    {
      workflow: 'trees',
      settings: resumeWith,
      control,
      command: commandLine(v, trainFlags.flags),
      io,
      extra: {
        save: () => {
          const best = selection?.get() ?? null;
          return JSON.stringify({ best: best && { value: best.value, epoch: best.epoch, weights: encodeSlot(best.weights) }, bestDev });
        },
        restore: (text) => {
          const saved = JSON.parse(text) as { best: { value: number; epoch: number; weights: ReturnType<typeof encodeSlot> } | null; bestDev: TreeScores | null };
          selection?.set(saved.best && { value: saved.best.value, epoch: saved.best.epoch, weights: decodeSlot(saved.best.weights) });
          bestDev = saved.bestDev;
        },
      },
    },
  );
  const history = r.history;
  const cpu = process.cpuUsage(cpu0);
  // without --dev, or when no epoch improved in this run (a resume, a budget spent mid-epoch), or a write failed
  const saved = !dev || wrote === 0 || bestWriteFailed ? await saveModel(io, 'out', out, (p) => writeFileAtomic(p, net.toBytes())) : { path: out, error: null };
  const testScores: TreeScores | null = test ? scoreTreeFile(net, v.test!) : null;
  const ran = r.epoch;
  const stoppedByTime = r.stopped === 'time';
  const bestEpoch = selection?.get()?.epoch ?? history.bestEpoch;
  const where = `${ran} epoch${ran === 1 ? '' : 's'}${r.batch > 0 ? ` and ${r.batch} of ${r.batches} batches` : ''}`;
  if (json) {
    io.stdout.write(
      JSON.stringify({
        event: 'done',
        stopped: stoppedByTime ? 'time' : 'epochs',
        epochs: ran,
        best_epoch: bestEpoch + 1,
        seconds: +history.seconds.toFixed(2),
        cpu_seconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
        trees_per_second: +history.samplesPerSecond.toFixed(2),
        parameters: net.params.size,
        vocabulary: vocab.size,
        settings,
        dev: bestDev ? treeScoresJson(bestDev) : null,
        test: testScores ? treeScoresJson(testScores) : null,
        checkpoint: r.checkpoint,
        out: saved.path,
      }) + '\n',
    );
  }
  const lines = [
    `rnn: ${stoppedByTime ? 'time budget reached after' : 'trained'} ${where} in ${history.seconds.toFixed(1)}s ` +
      `(${history.samplesPerSecond.toFixed(1)} trees/s); ${dev ? (bestEpoch >= 0 ? `best epoch on dev: ${bestEpoch + 1}` : 'no epoch finished to score on dev: kept the last weights') : 'no --dev: kept the last epoch'}; wrote ${saved.path}` +
      `${wrote > 1 ? ` (updated ${wrote} times)` : ''}${resumeHint(r.checkpoint)}`,
  ];
  if (bestDev) lines.push(`rnn: ${formatTreeScores(bestDev, 'dev')}`);
  if (testScores) lines.push(`rnn: ${formatTreeScores(testScores, 'test')}`);
  io.stderr.write(lines.join('\n') + '\n');
  if (saved.error) throw saved.error;
}

export const trainTrees = action({
  flags: trainFlags,
  examples: [
    'rnn train --trees data/sst/train.txt.gz --dev data/sst/dev.txt.gz --test data/sst/test.txt.gz --out sst.safetensors --minutes 30',
    'rnn train --trees train.txt --dev dev.txt --cell rntn --hidden 25 --epochs 20 --out rntn.safetensors --json',
  ],
  run: runTrees,
});
