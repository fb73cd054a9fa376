import { argmax, noGrad, tensor } from '@rnn/core';
import { useBackend } from '../../backend.js';
import { action, withCommon, type Io } from '../../command.js';
import { UsageError, flag, type Values } from '../../flags.js';
import { progressCallback } from '../../progress.js';
import { CHECKPOINT_FLAGS, commandLine, fingerprint, fitResumable, minutes, noEpochLimit, resumeSettings, runControl } from '../checkpoint.js';
import { checkOutputs, saveModel } from '../outputs.js';
import { batchSize, cell, clipNorm, csvIn, epochJson, epochsOrMinutes, hidden, layers, lr, out, seed } from '../flags.js';
import { LOG_FLAGS, trainLogs } from '../logging.js';
import { TASK_KEY } from '../text/corpus.js';
import { CLASSIFY_KEY, classLogits, classifierModel } from './model.js';
import { channelScaler, padded, readSequenceSet, stratifiedSplit } from './data.js';

/** `rnn train --sequences`: defaults chosen on the indoor-movement data (see data/indoor-movement/README.md). */
export const trainFlags = withCommon({
  sequences: csvIn('variable-length sequences to classify, one row per step (id,step,channels…); needs --labels'),
  labels: flag.string('one label per sequence (id,label)', { value: 'FILE.csv' }),
  out,
  cell,
  hidden: hidden(32),
  layers: layers(1),
  epochs: epochsOrMinutes(60),
  minutes,
  'batch-size': batchSize(16),
  lr: lr(0.005),
  'clip-norm': clipNorm(1),
  'test-split': flag.number('held-out part: a stratified fraction of the sequences', { value: 'F', default: 0.2, check: 'fraction' }),
  seed,
  ...CHECKPOINT_FLAGS,
  json: epochJson,
  ...LOG_FLAGS,
});

function accuracy(pred: ArrayLike<number>, labels: readonly number[]): number {
  let ok = 0;
  labels.forEach((c, i) => (ok += pred[i] === c ? 1 : 0));
  return labels.length ? ok / labels.length : NaN;
}

async function runClassify(v: Values<typeof trainFlags>, io: Io): Promise<void> {
  const verbose = v.verbose === true;
  const json = v.json === true;
  const logging = trainLogs(v, io);
  await useBackend(io, verbose);
  if (!v.labels) throw new UsageError('rnn train --sequences: --labels FILE.csv is required (one label per sequence id)');
  const control = await runControl(v);
  checkOutputs({ out: v.out, checkpoint: v.checkpoint });
  const epochs = v.epochs ?? (control.budgetMs !== null ? Number.MAX_SAFE_INTEGER : 60);
  const { lr, 'clip-norm': clip, 'test-split': testSplit, seed, cell } = v;

  const set = readSequenceSet(v.sequences, v.labels);
  const { train, test } = stratifiedSplit(set.labels, testSplit, seed);
  const scaler = channelScaler(set, train);
  const arch = { cell, hidden: v.hidden, layers: v.layers, channels: set.channels.length, classes: set.classes.length, seed };
  const model = classifierModel(arch);
  model.metadata = {
    ...model.metadata,
    [TASK_KEY]: 'classify',
    [CLASSIFY_KEY]: JSON.stringify({ version: 1, channels: set.channels, classes: set.classes, scaler, heldOut: test.map((i) => set.ids[i]!) }),
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
  const data = `${set.ids.length}:${fingerprint(new Int32Array(all.buffer))}:${fingerprint(set.labels)}`;
  const settings = resumeSettings(data, v, ['cell', 'hidden', 'layers', 'batch-size', 'lr', 'clip-norm', 'test-split', 'seed']);
  const t0 = performance.now();
  const r = await fitResumable(
    model,
    tr.x,
    y,
    { epochs, batchSize: v['batch-size'], seed, lengths: tr.lengths, callbacks: [noEpochLimit(progressCallback(io, { json, label: 'classify', minutes: v.minutes }), v.epochs === undefined && control.budgetMs !== null), ...logging.callbacks] },
    { workflow: 'sequences', settings, control, command: commandLine(v, trainFlags.flags), io, extra: logging.extra },
  );
  const seconds = (performance.now() - t0) / 1000;
  const saved = await saveModel(io, 'out', v.out, (p) => model.save(p));

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
    out: saved.path,
  };
  if (json) io.stdout.write(JSON.stringify(summary) + '\n');
  const pct = (a: number) => `${(100 * a).toFixed(1)}%`;
  io.stderr.write(
    `rnn: ${r.stopped === 'time' ? 'time budget reached after' : 'trained'} ${r.epoch} epochs in ${seconds.toFixed(1)}s; ` +
      (te
        ? `held-out accuracy ${pct(testAcc)} on ${test.length} sequences (majority class '${set.classes[majority]}': ${pct(baseline)})`
        : 'no held-out part (--test-split 0)') +
      `; wrote ${saved.path}${r.checkpoint ? `; checkpoint ${r.checkpoint}` : ''}\n`,
  );
  if (saved.error) throw saved.error;
}

export const trainClassify = action({
  flags: trainFlags,
  examples: [
    'rnn train --sequences data/indoor-movement/sequences.csv --labels data/indoor-movement/labels.csv --out movement.safetensors',
    'rnn train --sequences seqs.csv --labels labels.csv --out m.safetensors --cell gru --hidden 64 --epochs 100 --test-split 0.25 --seed 3',
  ],
  run: runClassify,
});
