import { ConfigError, Rng, tensor, type Tensor } from '@rnn/core';
import { Trainer, warmupCosine, type Callback, type Sequential } from '@rnn/layers';
import { useBackend } from '../../backend.js';
import { action, withCommon, type Io } from '../../command.js';
import { UsageError, flag, type Values } from '../../flags.js';
import { progressCallback } from '../../progress.js';
import { CHECKPOINT_FLAGS, commandLine, fingerprint, fitResumable, minutes, noEpochLimit, resumeSettings, runControl, resumeHint, trainResumable, type ResumableResult } from '../checkpoint.js';
import { checkOutputs, saveModel } from '../outputs.js';
import { batchSize, cell, clipNorm, epochJson, epochsOrMinutes, gz, hidden, layers, lr, out, seed } from '../flags.js';
import { LOG_FLAGS, trainLogs } from '../logging.js';
import { TASK_KEY, VOCAB_KEY, Vocabulary, readText, windows } from './corpus.js';
import { textModel } from './model.js';
import { StatefulModel, carriedLoss, streamData, streams } from './stateful.js';

/** `rnn train --text`: a character-level language model (char-rnn's defaults). */
export const trainFlags = withCommon({
  text: flag.string('a text file to train a character-level language model on (.gz read transparently)', { value: 'FILE', required: true }),
  gz,
  out,
  'seq-len': flag.int('characters per training sequence', { value: 'T', default: 100, check: 'positive' }),
  embedding: flag.int('character embedding size', { value: 'N', default: 64, check: 'positive' }),
  cell,
  hidden: hidden(256),
  layers: layers(2),
  epochs: epochsOrMinutes(1),
  minutes,
  'batch-size': batchSize(32),
  lr: lr(2e-3),
  'clip-norm': clipNorm(5),
  dropout: flag.number('dropout on the character vectors and on the recurrent output before the dense layer (0: none)', { value: 'F', default: 0, check: 'fraction' }),
  'val-split': flag.number('validation part: the last fraction of the text', { value: 'F', default: 0.05, check: 'fraction' }),
  stateful: flag.boolean(
    "carry each batch row's recurrent state into the next window of its stream (stateful truncated BPTT; --batch-size is the number of streams); off: shuffled windows, each from a zero state",
    { default: false },
  ),
  'lr-schedule': flag.choice(['constant', 'cosine'], 'learning rate over the run: constant, or linear warm-up then cosine decay to 0 (sized by --minutes when given, else by --epochs)', {
    value: 'S',
    default: 'constant',
  }),
  warmup: flag.number('with --lr-schedule cosine: the part of the run spent warming up (default 0.02)', { value: 'F', check: 'fraction' }),
  seed,
  ...CHECKPOINT_FLAGS,
  json: epochJson,
  ...LOG_FLAGS,
});

async function runText(v: Values<typeof trainFlags>, io: Io): Promise<void> {
  const verbose = v.verbose === true;
  const json = v.json === true;
  const logging = trainLogs(v, io);
  await useBackend(io, verbose);
  const control = await runControl(v);
  checkOutputs({ out: v.out, checkpoint: v.checkpoint });
  const epochs = v.epochs ?? (control.budgetMs !== null ? Number.MAX_SAFE_INTEGER : 1);
  const { lr, 'clip-norm': clip, 'val-split': valSplit, 'seq-len': seqLen, seed, cell } = v;

  if (v.warmup !== undefined && v['lr-schedule'] !== 'cosine') {
    throw new UsageError('train --text: --warmup sizes the warm-up of --lr-schedule cosine; add --lr-schedule cosine or drop --warmup');
  }
  const text = readText(v.text, v.gz);
  const vocab = control.resume ? Vocabulary.fromMetadata(control.resume.model.metadata, `--resume ${control.resume.path}`) : Vocabulary.fromText(text);
  const ids = vocab.encode(text, `--text ${v.text}`);
  const w = windows(ids, seqLen);
  const nVal = valSplit > 0 ? Math.max(1, Math.floor(w.rows * valSplit)) : 0;
  const nTrain = w.rows - nVal;
  if (nTrain < 1) throw new ConfigError(`the text makes ${w.rows} sequences of ${seqLen} characters, too few to hold out --val-split ${valSplit}; use more text or a smaller --seq-len`);
  // the validation part is the end of the text, never seen in training (char-rnn's split: the
  // first 95 % trains, the last 5 % validates); it is scored the same way with or without
  // --stateful: windows of --seq-len, each from a zero state, as `rnn evaluate` scores
  const val = nVal
    ? ([tensor(w.x.subarray(nTrain * seqLen), [nVal, seqLen], { dtype: 'int32' }), tensor(w.y.subarray(nTrain * seqLen), [nVal, seqLen], { dtype: 'int32' })] as [Tensor, Tensor])
    : undefined;

  const arch = { vocab: vocab.size, embedding: v.embedding, cell, hidden: v.hidden, layers: v.layers, seed, dropout: v.dropout };
  const model = textModel(arch);
  model.metadata = { ...model.metadata, [VOCAB_KEY]: vocab.toMetadata(), [TASK_KEY]: 'text' };
  model.compile({ optimizer: { type: 'adam', lr }, loss: 'crossentropy', clipNorm: clip });
  const B = v['batch-size'];
  // the training characters: every one the training windows read, plus the last one's target
  const trainIds = ids.subarray(0, nTrain * seqLen + 1);
  const st = v.stateful ? streams(trainIds, B, seqLen) : null;
  if (verbose) {
    const layout = st
      ? `${B} streams of ${st.streamLength} characters, ${st.windows} windows of ${seqLen} each (stateful)`
      : `${nTrain} training sequences of ${seqLen}`;
    io.stderr.write(`rnn: ${ids.length} characters, vocabulary ${vocab.size}; ${layout}, ${nVal} validation sequences; ${model.params!.size} parameters\n`);
  }
  const schedule: Callback[] =
    v['lr-schedule'] === 'cosine' ? [warmupCosine({ ...(v.warmup !== undefined ? { warmup: v.warmup } : {}), ...(v.minutes !== undefined ? { minutes: v.minutes } : {}) })] : [];
  const keys = ['seq-len', 'val-split', 'embedding', 'cell', 'hidden', 'layers', 'dropout', 'batch-size', 'lr', 'clip-norm', 'seed', 'stateful', 'lr-schedule', 'warmup'];
  // a step schedule is sized by --epochs: a resume must keep it (a time schedule spans each run's own budget)
  const settings = resumeSettings(`${ids.length}:${fingerprint(ids)}`, v, keys);
  if (v['lr-schedule'] === 'cosine' && v.minutes === undefined) settings['cosine over --epochs'] = epochs;
  const callbacks = [noEpochLimit(progressCallback(io, { json, label: 'text', minutes: v.minutes }), v.epochs === undefined && control.budgetMs !== null), ...schedule, ...logging.callbacks];
  const resumable = { workflow: 'text', settings, control, command: commandLine(v, trainFlags.flags), io };
  const t0 = performance.now();
  let r: ResumableResult;
  if (st) {
    const stateful = new StatefulModel(model);
    const data = streamData(st, B, seqLen, model.params!.backend);
    const c = model.training;
    const validate = val ? () => ({ val_loss: model.evaluate(val[0], val[1], { batchSize: 256 })['loss']! }) : undefined;
    r = await trainResumable(
      {
        model: model as Sequential & { params: NonNullable<Sequential['params']> },
        epochs,
        bytes: (metadata) => model.toBytes(metadata),
        fit: (o) =>
          new Trainer(stateful, {
            optimizer: c.optimizer,
            epochs,
            batchSize: B,
            shuffle: false,
            rng: new Rng(seed),
            callbacks: [...callbacks, ...o.callbacks],
            clipNorm: c.clipNorm,
            checkNumerics: 'step',
            initialEpoch: o.initialEpoch,
            initialBatch: o.initialBatch,
            validate,
          }).fit(data),
      },
      { ...resumable, extra: carriedExtra(stateful, logging.extra) },
    );
  } else {
    const x = tensor(w.x.subarray(0, nTrain * seqLen), [nTrain, seqLen], { dtype: 'int32' });
    const y = tensor(w.y.subarray(0, nTrain * seqLen), [nTrain, seqLen], { dtype: 'int32' });
    r = await fitResumable(model, x, y, { epochs, batchSize: B, seed, validationData: val, callbacks }, { ...resumable, extra: logging.extra });
  }
  const seconds = (performance.now() - t0) / 1000;
  const saved = await saveModel(io, 'out', v.out, (p) => model.save(p));
  const last = r.history.epochs[r.history.epochs.length - 1];
  // a run cut short mid-epoch has no epoch-end validation: measure the final weights here
  let valLoss = r.batch === 0 ? last?.['val_loss'] : undefined;
  if (val && valLoss === undefined) valLoss = model.evaluate(val[0], val[1], { batchSize: 64 })['loss'];
  // as char-rnn measures it: the validation text read on in streams, the state carried across windows
  const valIds = ids.subarray(nTrain * seqLen);
  const valStreams = Math.min(B, Math.floor((valIds.length - 1) / seqLen));
  const valCarried = nVal && valStreams > 0 ? carriedLoss(model, valIds, valStreams, seqLen).loss : undefined;
  const where = `epoch ${r.epoch + (r.batch > 0 ? 1 : 0)}${r.batch > 0 ? ` (${r.batch}/${r.batches} batches)` : ''}`;
  const summary = {
    event: 'done',
    stopped: r.stopped ?? 'epochs',
    epoch: r.epoch,
    batch: r.batch,
    batches: r.batches,
    seconds: +seconds.toFixed(2),
    characters: ids.length,
    vocabulary: vocab.size,
    val_loss: valLoss ?? null,
    val_bits_per_char: valLoss === undefined ? null : valLoss / Math.LN2,
    val_loss_carried: valCarried ?? null,
    checkpoint: r.checkpoint,
    out: saved.path,
  };
  if (json) io.stdout.write(JSON.stringify(summary) + '\n');
  const parts = [
    `${r.stopped === 'time' ? `time budget reached at ${where}` : `trained to ${where}`} in ${seconds.toFixed(1)}s`,
    valLoss === undefined ? 'no validation part' : `validation loss ${valLoss.toFixed(4)} nats/char (${(valLoss / Math.LN2).toFixed(3)} bits/char)`,
    // (the summary line of a shuffled run keeps its old form; --json always has val_loss_carried)
    ...(valCarried === undefined || !st ? [] : [`${valCarried.toFixed(4)} nats/char reading on with carried state`]),
    `wrote ${saved.path}`,
  ];
  io.stderr.write(`rnn: ${parts.join('; ')}${resumeHint(r.checkpoint)}\n`);
  if (saved.error) throw saved.error;
}

/**
 * A checkpoint's `extra` under --stateful: the carried state (so a resume mid-epoch starts the
 * next window from it, exactly as the run that never stopped) with the logging callbacks' own.
 */
function carriedExtra(model: StatefulModel, logging: { save(): string; restore(saved: string): void } | undefined): { save(): string; restore(saved: string): void } {
  return {
    save: () => JSON.stringify({ carried: model.saveState(), logging: logging?.save() ?? null }),
    restore(saved) {
      const o = JSON.parse(saved) as { carried: string | null; logging: string | null };
      model.restoreState(o.carried);
      if (logging && o.logging !== null) logging.restore(o.logging);
    },
  };
}

export const trainText = action({
  flags: trainFlags,
  examples: [
    'rnn train --text data/tinyshakespeare/input.txt.gz --out shakespeare.safetensors --minutes 10 --checkpoint ckpt.safetensors',
    'rnn train --text notes.txt --out notes.safetensors --epochs 20 --hidden 128 --layers 1 --seq-len 64',
  ],
  run: runText,
});
