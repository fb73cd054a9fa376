import { ConfigError, ValueError } from '@rnn/core';
import { TreeNet, Vocab, fitTrees, readTrees, saveTreeNet, cellKinds, type Tree, type TreeScores } from '@rnn/layers';
import type { Flags, FlagSpec, Parsed } from '../../args.js';
import { useBackend } from '../../backend.js';
import type { Io } from '../../command.js';
import { CHECKPOINT_FLAGS } from '../checkpoint.js';
import { registerTrainMode } from '../mode.js';
import { TEXT_FLAGS } from '../text/mode.js';
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

/** Defaults for `--trees`; shared flags carry no default in their spec (see train.ts). */
export const TREE_DEFAULTS = {
  cell: 'tree-lstm',
  hidden: 100,
  embedding: 100,
  epochs: 10,
  'batch-size': 25,
  optimizer: 'adagrad',
  dropout: 0.5,
  l2: 1e-4,
  'min-count': 1,
};

const TREE_CELLS = ['tree-lstm', 'child-sum', 'rnn', 'rntn'];

/** Default learning rate per optimizer. */
const LR: Record<string, number> = { adagrad: 0.05, adam: 0.001, sgd: 0.05 };

/**
 * `--optimizer` is shared with array mode, whose spec defaults to adam; this adds adagrad to its
 * choices (array mode can use it too). Were the shared spec's default dropped (as for --lr),
 * --trees would default to adagrad.
 */
const OPTIMIZER: FlagSpec = {
  type: 'string',
  value: 'NAME',
  help: 'optimizer (default adam; --trees: adagrad recommended, as Tai et al. 2015)',
  default: 'adam',
  choices: ['sgd', 'adam', 'adagrad'],
};

/** A shared flag's spec with this mode's part added to its help (and `choices`). */
function extend(spec: FlagSpec | undefined, fallback: FlagSpec, help: string, choices?: readonly string[]): FlagSpec {
  const base = spec ?? fallback;
  const merged = choices && base.choices ? [...new Set([...base.choices, ...choices])] : base.choices;
  return { ...base, help: `${base.help}; ${help}`, ...(merged ? { choices: merged } : {}) };
}

export const TREE_FLAGS: Flags = {
  trees: {
    type: 'string',
    value: 'TRAIN.txt[.gz]',
    help:
      'tree mode: PTB bracket trees with a label on every node (e.g. SST) to train a recursive net on; --dev picks the best epoch ' +
      `(--trees defaults: --cell ${TREE_DEFAULTS.cell}, --hidden ${TREE_DEFAULTS.hidden}, --embedding ${TREE_DEFAULTS.embedding}, ` +
      `--epochs ${TREE_DEFAULTS.epochs} or no limit with --minutes, --batch-size ${TREE_DEFAULTS['batch-size']}, --lr ${LR.adagrad} with --optimizer adagrad ` +
      `(recommended: Tai et al. 2015), ${LR.adam} with adam, ${LR.sgd} with sgd)`,
  },
  dev: { type: 'string', value: 'DEV.txt[.gz]', help: '--trees: scored after every epoch; the best epoch (fine-grained root accuracy) is kept and written to --out' },
  test: { type: 'string', value: 'TEST.txt[.gz]', help: '--trees: scored once, at the end, with the kept weights' },
  cell: extend(TEXT_FLAGS['cell'], { type: 'string', value: 'NAME', help: 'recurrent cell' }, `--trees: ${TREE_CELLS.join('|')} (default ${TREE_DEFAULTS.cell})`, TREE_CELLS),
  hidden: extend(TEXT_FLAGS['hidden'], { type: 'int', value: 'N', help: 'hidden units' }, `--trees default ${TREE_DEFAULTS.hidden}`),
  embedding: extend(TEXT_FLAGS['embedding'], { type: 'int', value: 'N', help: 'embedding size' }, `--trees: word vector size (default ${TREE_DEFAULTS.embedding}; rnn and rntn: --hidden)`),
  minutes: CHECKPOINT_FLAGS['minutes']!,
  optimizer: OPTIMIZER,
  dropout: { type: 'number', value: 'F', help: `--trees: dropout on the word vectors and on each node's h before the classifier (default ${TREE_DEFAULTS.dropout})` },
  l2: { type: 'number', value: 'F', help: `--trees: L2 penalty on the cell and classifier weights (default ${TREE_DEFAULTS.l2})` },
  'root-only': { type: 'boolean', help: '--trees: loss on the root labels only (default: on every labelled node, as the SST papers)' },
  'min-count': { type: 'int', value: 'N', help: `--trees: words seen fewer times in training are <unk> (default ${TREE_DEFAULTS['min-count']})` },
  lowercase: { type: 'boolean', help: '--trees: fold words to lower case (default on; --no-lowercase keeps case)' },
};

/** Flags that shape a trees run, echoed in --verbose and the JSON summary. */
const RUN_KEYS = ['trees', 'dev', 'test', 'out', 'cell', 'hidden', 'embedding', 'epochs', 'minutes', 'batch-size', 'lr', 'optimizer', 'dropout', 'l2', 'root-only', 'min-count', 'lowercase', 'seed'];

function num(v: Parsed, k: keyof typeof TREE_DEFAULTS): number {
  return (v[k] as number | undefined) ?? (TREE_DEFAULTS[k] as number);
}

function positiveInt(v: Parsed, k: 'hidden' | 'embedding' | 'batch-size' | 'min-count'): number {
  const n = num(v, k);
  if (!(Number.isInteger(n) && n >= 1)) throw new ConfigError(`--${k} must be a positive integer, found ${n}`);
  return n;
}

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

async function runTrees(v: Parsed, io: Io): Promise<void> {
  const verbose = v['verbose'] === true;
  const json = v['json'] === true;
  await useBackend(io, verbose);
  for (const k of ['checkpoint', 'resume', 'checkpoint-every', 'model', 'x', 'y'] as const) {
    if (v[k] !== undefined) {
      throw new ConfigError(
        `rnn train --trees: --${k} is not used in tree mode` +
          (k.startsWith('checkpoint') || k === 'resume' ? ' (the best epoch on --dev is written to --out, atomically, each time it improves)' : ''),
      );
    }
  }
  const cellName = (v['cell'] as string | undefined) ?? TREE_DEFAULTS.cell;
  if (!cellKinds('tree').includes(cellName)) {
    throw new ConfigError(`--cell ${cellName} is not a tree cell; --trees takes ${TREE_CELLS.join(', ')}`);
  }
  const hidden = positiveInt(v, 'hidden');
  // the recursive nets of Socher et al. use the word vectors as the leaves' states
  const embedding = v['embedding'] === undefined && (cellName === 'rnn' || cellName === 'rntn') ? hidden : positiveInt(v, 'embedding');
  const batchSize = positiveInt(v, 'batch-size');
  const minCount = positiveInt(v, 'min-count');
  const minutes = v['minutes'] as number | undefined;
  if (minutes !== undefined && !(minutes > 0)) throw new ConfigError(`--minutes must be a positive number, found ${minutes}`);
  const epochs = (v['epochs'] as number | undefined) ?? (minutes !== undefined ? Number.MAX_SAFE_INTEGER : TREE_DEFAULTS.epochs);
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new ConfigError(`--epochs must be a positive integer, found ${epochs}`);
  const optimizer = (v['optimizer'] as string | undefined) ?? TREE_DEFAULTS.optimizer;
  if (!(optimizer in LR)) throw new ConfigError(`--optimizer ${optimizer}: --trees takes ${Object.keys(LR).join(', ')}`);
  const lr = (v['lr'] as number | undefined) ?? LR[optimizer]!;
  if (!(lr > 0)) throw new ConfigError(`--lr must be a positive number, found ${lr}`);
  const dropout = num(v, 'dropout');
  if (!(dropout >= 0 && dropout < 1)) throw new ConfigError(`--dropout must be in [0, 1), found ${dropout}`);
  const l2 = num(v, 'l2');
  if (!(l2 >= 0)) throw new ConfigError(`--l2 must be a non-negative number, found ${l2}`);
  const clipNorm = v['clip-norm'] as number | undefined;
  if (clipNorm !== undefined && !(clipNorm > 0)) throw new ConfigError(`--clip-norm must be a positive number, found ${clipNorm}`);
  const seed = (v['seed'] as number | undefined) ?? 0;
  const lowercase = (v['lowercase'] as boolean | undefined) ?? true;
  const out = v['out'] as string;

  const trainPath = v['trees'] as string;
  const train = readTrees(trainPath);
  const classes = numClassesOf(train, trainPath);
  const dev = v['dev'] ? readTrees(v['dev'] as string) : null;
  if (dev) checkLabels(dev, classes, v['dev'] as string);
  // read the test file now, so that a bad path fails before training rather than after it
  const test = v['test'] ? readTrees(v['test'] as string) : null;
  if (test) checkLabels(test, classes, v['test'] as string);
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
  const settings = Object.fromEntries(RUN_KEYS.filter((k) => v[k] !== undefined).map((k) => [k, v[k]]));
  const deadline = minutes !== undefined ? performance.now() + minutes * 60_000 : null;
  let wrote = 0;
  const cpu0 = process.cpuUsage();
  const history = await fitTrees(net, net.encode(train), {
    epochs,
    minutes,
    batchSize,
    optimizer: { type: optimizer as 'adagrad' | 'adam' | 'sgd', lr },
    l2,
    rootOnly: v['root-only'] === true,
    clipNorm,
    seed,
    dev: dev ? net.encode(dev) : undefined,
    onBest: (n) => {
      saveTreeNet(n, out);
      wrote++;
    },
    callbacks: [treeProgress(io, { json, verbose, deadline })],
  });
  const cpu = process.cpuUsage(cpu0);
  if (!dev) saveTreeNet(net, out);
  const testScores: TreeScores | null = test ? scoreTreeFile(net, v['test'] as string) : null;
  const ran = history.epochs.length;
  const stoppedByTime = ran < epochs && minutes !== undefined;
  if (json) {
    io.stdout.write(
      JSON.stringify({
        event: 'done',
        stopped: stoppedByTime ? 'time' : 'epochs',
        epochs: ran,
        best_epoch: history.bestEpoch + 1,
        seconds: +history.seconds.toFixed(2),
        cpu_seconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
        trees_per_second: +history.treesPerSecond.toFixed(2),
        parameters: net.params.size,
        vocabulary: vocab.size,
        settings,
        dev: history.bestDev ? treeScoresJson(history.bestDev) : null,
        test: testScores ? treeScoresJson(testScores) : null,
        out,
      }) + '\n',
    );
  }
  const lines = [
    `rnn: ${stoppedByTime ? 'time budget reached after' : 'trained'} ${ran} epoch${ran === 1 ? '' : 's'} in ${history.seconds.toFixed(1)}s ` +
      `(${history.treesPerSecond.toFixed(1)} trees/s); ${dev ? `best epoch on dev: ${history.bestEpoch + 1}` : 'no --dev: kept the last epoch'}; wrote ${out}` +
      `${wrote > 1 ? ` (updated ${wrote} times)` : ''}`,
  ];
  if (history.bestDev) lines.push(`rnn: ${formatTreeScores(history.bestDev, 'dev')}`);
  if (testScores) lines.push(`rnn: ${formatTreeScores(testScores, 'test')}`);
  io.stderr.write(lines.join('\n') + '\n');
}

registerTrainMode({
  name: 'trees',
  trigger: 'trees',
  flags: TREE_FLAGS,
  examples: [
    'rnn train --trees data/sst/train.txt.gz --dev data/sst/dev.txt.gz --test data/sst/test.txt.gz --out sst.safetensors --minutes 30',
    'rnn train --trees train.txt --dev dev.txt --cell rntn --hidden 25 --epochs 20 --out rntn.safetensors --json',
  ],
  run: runTrees,
});
