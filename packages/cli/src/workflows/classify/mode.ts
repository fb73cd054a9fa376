import { ConfigError, argmax, noGrad, tensor } from '@rnn/core';
import { dense, gru, lstm, sequential, simpleRNN, type Sequential } from '@rnn/layers';
import type { Flags, Parsed } from '../../args.js';
import { useBackend } from '../../backend.js';
import type { Io } from '../../command.js';
import { progressCallback } from '../../progress.js';
import { CHECKPOINT_FLAGS, commandLine, fingerprint, fitResumable, noEpochLimit, runControl } from '../checkpoint.js';
import { registerTrainMode } from '../mode.js';
import { TASK_KEY } from '../text/corpus.js';
import { TEXT_FLAGS } from '../text/mode.js';
import type { Scaler } from '../timeseries/scaler.js';
import { channelScaler, padded, readSequenceSet, stratifiedSplit, type SequenceSet } from './data.js';

export const CLASSIFY_KEY = 'rnn.classify';

/** Defaults for `--sequences`, chosen on the indoor-movement data (see data/indoor-movement/README.md). */
export const CLASSIFY_DEFAULTS = {
  cell: 'lstm',
  hidden: 32,
  layers: 1,
  epochs: 60,
  'batch-size': 16,
  lr: 0.005,
  'clip-norm': 1,
  'test-split': 0.2,
};

export const CLASSIFY_FLAGS: Flags = {
  sequences: {
    type: 'string',
    value: 'FILE.csv',
    help:
      'classification mode: variable-length sequences, one row per step (id,step,channels…); needs --labels (--sequences defaults: ' +
      `--epochs ${CLASSIFY_DEFAULTS.epochs}, --lr ${CLASSIFY_DEFAULTS.lr}, --batch-size ${CLASSIFY_DEFAULTS['batch-size']}, --clip-norm ${CLASSIFY_DEFAULTS['clip-norm']})`,
  },
  labels: { type: 'string', value: 'FILE.csv', help: '--sequences: one label per sequence (id,label)' },
  cell: TEXT_FLAGS['cell']!,
  hidden: TEXT_FLAGS['hidden']!,
  layers: TEXT_FLAGS['layers']!,
  'test-split': {
    type: 'number',
    value: 'F',
    help: `held-out part: --sequences a stratified fraction of the sequences (default ${CLASSIFY_DEFAULTS['test-split']}); --csv a fraction or a number of steps at the end (default 0.15)`,
  },
  ...CHECKPOINT_FLAGS,
};

const RUN_KEYS = ['sequences', 'labels', 'out', 'cell', 'hidden', 'layers', 'epochs', 'minutes', 'batch-size', 'lr', 'clip-norm', 'test-split', 'seed', 'checkpoint', 'checkpoint-every', 'json', 'verbose'];

function num(v: Parsed, k: keyof typeof CLASSIFY_DEFAULTS): number {
  return (v[k] as number | undefined) ?? (CLASSIFY_DEFAULTS[k] as number);
}

/** recurrent (final state) → dense logits, one per class. */
export function classifierModel(o: { cell: string; hidden: number; layers: number; channels: number; classes: number; seed: number }): Sequential {
  const rec = { name: o.cell, hiddenSize: o.hidden, numLayers: o.layers, returnSequences: false };
  const cell = o.cell === 'gru' ? gru(rec) : o.cell === 'rnn' ? simpleRNN(rec) : lstm(rec);
  return sequential([cell, dense({ name: 'fc', units: o.classes })]).build({ inputSize: o.channels, seed: o.seed });
}

/**
 * Class logits for sequences `idx`, in batches each padded only to its own longest sequence; the
 * padding does not change a sequence's result (it equals the sequence run alone).
 */
export function classLogits(model: Sequential, s: SequenceSet, idx: readonly number[], scaler: Scaler, batchSize = 64): Float32Array {
  const K = model.output.features;
  const out = new Float32Array(idx.length * K);
  for (let i = 0; i < idx.length; i += batchSize) {
    const { x, lengths } = padded(s, idx.slice(i, i + batchSize), scaler);
    out.set(model.predict(x, { lengths }).data() as Float32Array, i * K);
  }
  return out;
}

function accuracy(pred: ArrayLike<number>, labels: readonly number[]): number {
  let ok = 0;
  labels.forEach((c, i) => (ok += pred[i] === c ? 1 : 0));
  return labels.length ? ok / labels.length : NaN;
}

async function runClassify(v: Parsed, io: Io): Promise<void> {
  const verbose = v['verbose'] === true;
  const json = v['json'] === true;
  await useBackend(io, verbose);
  if (!v['labels']) throw new ConfigError('rnn train --sequences: --labels FILE.csv is required (one label per sequence id)');
  const control = await runControl(v);
  for (const k of ['hidden', 'layers', 'batch-size'] as const) {
    if (!(Number.isInteger(num(v, k)) && num(v, k) >= 1)) throw new ConfigError(`--${k} must be a positive integer, found ${num(v, k)}`);
  }
  const epochs = (v['epochs'] as number | undefined) ?? (control.budgetMs !== null ? Number.MAX_SAFE_INTEGER : CLASSIFY_DEFAULTS.epochs);
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new ConfigError(`--epochs must be a positive integer, found ${epochs}`);
  const lr = num(v, 'lr');
  if (!(lr > 0)) throw new ConfigError(`--lr must be a positive number, found ${lr}`);
  const clip = num(v, 'clip-norm');
  if (!(clip > 0)) throw new ConfigError(`--clip-norm must be a positive number, found ${clip}`);
  const testSplit = num(v, 'test-split');
  if (!(testSplit >= 0 && testSplit < 1)) throw new ConfigError(`--test-split must be a fraction in [0, 1), found ${testSplit}`);
  const seed = (v['seed'] as number | undefined) ?? 0;
  const cell = (v['cell'] as string | undefined) ?? CLASSIFY_DEFAULTS.cell;

  const set = readSequenceSet(v['sequences'] as string, v['labels'] as string);
  const { train, test } = stratifiedSplit(set.labels, testSplit, seed);
  const scaler = channelScaler(set, train);
  const arch = { cell, hidden: num(v, 'hidden'), layers: num(v, 'layers'), channels: set.channels.length, classes: set.classes.length, seed };
  const model = classifierModel(arch);
  model.metadata = {
    ...model.metadata,
    [TASK_KEY]: 'classify',
    [CLASSIFY_KEY]: JSON.stringify({ version: 1, channels: set.channels, classes: set.classes, scaler }),
  };
  model.compile({ optimizer: { type: 'adam', lr }, loss: 'crossentropy', clipNorm: clip, metrics: ['accuracy'] });
  const tr = padded(set, train, scaler);
  const y = tensor(Int32Array.from(train, (i) => set.labels[i]!), [train.length], { dtype: 'int32' });
  const te = test.length ? padded(set, test, scaler) : null;
  const yTest = tensor(Int32Array.from(test, (i) => set.labels[i]!), [test.length], { dtype: 'int32' });
  if (verbose) {
    io.stderr.write(
      `rnn: ${set.ids.length} sequences of ${set.channels.length} channels (lengths ${Math.min(...set.lengths)}..${Math.max(...set.lengths)}), ` +
        `classes ${set.classes.join(', ')}; ${train.length} for training, ${test.length} held out\n`,
    );
  }
  const all = new Float32Array(set.data.reduce((n, d) => n + d.length, 0));
  set.data.reduce((o, d) => (all.set(d, o), o + d.length), 0);
  const settings = {
    data: `${set.ids.length}:${fingerprint(new Int32Array(all.buffer))}:${fingerprint(set.labels)}`,
    cell,
    hidden: arch.hidden,
    layers: arch.layers,
    'batch-size': num(v, 'batch-size'),
    lr,
    'clip-norm': clip,
    'test-split': testSplit,
    seed,
  };
  const t0 = performance.now();
  const r = await fitResumable(
    model,
    tr.x,
    y,
    { epochs, batchSize: num(v, 'batch-size'), seed, lengths: tr.lengths, callbacks: [noEpochLimit(progressCallback(io, { json, label: 'classify', verbose }), v['epochs'] === undefined && control.budgetMs !== null)] },
    { mode: 'sequences', settings, control, command: commandLine(v, RUN_KEYS), io },
  );
  const seconds = (performance.now() - t0) / 1000;
  await model.save(v['out'] as string);

  // the majority class of the training part, predicted for every held-out sequence
  const counts = set.classes.map((_, c) => train.filter((i) => set.labels[i] === c).length);
  const majority = counts.indexOf(Math.max(...counts));
  const testLabels = test.map((i) => set.labels[i]!);
  let testAcc = NaN;
  let testLoss = NaN;
  if (te) {
    const logits = classLogits(model, set, test, scaler);
    const pred = noGrad(() => argmax(tensor(logits, [test.length, set.classes.length]), -1).data());
    testAcc = accuracy(pred, testLabels);
    testLoss = model.evaluate(te.x, yTest, { lengths: te.lengths })['loss']!;
  }
  const baseline = accuracy(testLabels.map(() => majority), testLabels);
  const summary = {
    event: 'done',
    stopped: r.stopped ?? 'epochs',
    epochs: r.epoch,
    seconds: +seconds.toFixed(2),
    sequences: set.ids.length,
    train: train.length,
    test: test.length,
    classes: set.classes,
    test_accuracy: te ? testAcc : null,
    test_loss: te ? testLoss : null,
    baseline_accuracy: te ? baseline : null,
    baseline_class: set.classes[majority],
    checkpoint: r.checkpoint,
    out: v['out'],
  };
  if (json) io.stdout.write(JSON.stringify(summary) + '\n');
  const pct = (a: number) => `${(100 * a).toFixed(1)}%`;
  io.stderr.write(
    `rnn: ${r.stopped === 'time' ? 'time budget reached after' : 'trained'} ${r.epoch} epochs in ${seconds.toFixed(1)}s; ` +
      (te
        ? `held-out accuracy ${pct(testAcc)} on ${test.length} sequences (majority class '${set.classes[majority]}': ${pct(baseline)})`
        : 'no held-out part (--test-split 0)') +
      `; wrote ${v['out']}${r.checkpoint ? `; checkpoint ${r.checkpoint}` : ''}\n`,
  );
}

registerTrainMode({
  name: 'sequences',
  trigger: 'sequences',
  flags: CLASSIFY_FLAGS,
  examples: [
    'rnn train --sequences data/indoor-movement/sequences.csv --labels data/indoor-movement/labels.csv --out movement.safetensors',
    'rnn train --sequences seqs.csv --labels labels.csv --out m.safetensors --cell gru --hidden 64 --epochs 100 --test-split 0.25 --seed 3',
  ],
  run: runClassify,
});
