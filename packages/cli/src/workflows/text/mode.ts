import { ConfigError, tensor, type Tensor } from '@rnn/core';
import { dense, embedding, gru, lstm, sequential, simpleRNN, type Sequential } from '@rnn/layers';
import type { Flags, Parsed } from '../../args.js';
import { useBackend } from '../../backend.js';
import type { Io } from '../../command.js';
import { progressCallback } from '../../progress.js';
import { CHECKPOINT_FLAGS, commandLine, fingerprint, fitResumable, noEpochLimit, runControl } from '../checkpoint.js';
import { registerTrainMode } from '../mode.js';
import { TASK_KEY, VOCAB_KEY, Vocabulary, readText, windows, type GzMode } from './corpus.js';

/** Defaults for `--text` (char-rnn's). Shared flags carry no default in their spec: filled in here. */
export const TEXT_DEFAULTS = {
  'seq-len': 100,
  hidden: 256,
  layers: 2,
  embedding: 64,
  cell: 'lstm',
  'batch-size': 32,
  lr: 2e-3,
  'val-split': 0.05,
  'clip-norm': 5,
  epochs: 1,
};

export const TEXT_FLAGS: Flags = {
  text: {
    type: 'string',
    value: 'FILE',
    help:
      'text mode: train a character-level language model on a text file (.gz read transparently; --text defaults: ' +
      `--lr ${TEXT_DEFAULTS.lr}, --batch-size ${TEXT_DEFAULTS['batch-size']}, --clip-norm ${TEXT_DEFAULTS['clip-norm']}, --epochs 1, or no limit with --minutes)`,
  },
  gz: { type: 'string', value: 'MODE', help: '--text: gunzip the file: auto (by its magic bytes), yes, no (default auto)', choices: ['auto', 'yes', 'no'] },
  'seq-len': { type: 'int', value: 'T', help: `--text: characters per training sequence (default ${TEXT_DEFAULTS['seq-len']})` },
  embedding: { type: 'int', value: 'N', help: `--text: character embedding size (default ${TEXT_DEFAULTS.embedding})` },
  cell: { type: 'string', value: 'NAME', help: 'recurrent cell (default lstm)', choices: ['lstm', 'gru', 'rnn'] },
  hidden: { type: 'int', value: 'N', help: `hidden units per recurrent layer (--text default ${TEXT_DEFAULTS.hidden}, --sequences 32, --csv 32)` },
  layers: { type: 'int', value: 'N', help: `stacked recurrent layers (--text default ${TEXT_DEFAULTS.layers}, --sequences 1, --csv 1)` },
  'val-split': {
    type: 'number',
    value: 'F',
    help: `validation part: --text the last fraction of the text (default ${TEXT_DEFAULTS['val-split']}); --csv a fraction or a number of steps after the training part (default 0.15)`,
  },
  ...CHECKPOINT_FLAGS,
};

/** Flags that shape a text run; a resume must repeat them (see `commandLine`). */
const RUN_KEYS = ['text', 'gz', 'out', 'seq-len', 'embedding', 'cell', 'hidden', 'layers', 'epochs', 'minutes', 'batch-size', 'lr', 'clip-norm', 'val-split', 'seed', 'checkpoint', 'checkpoint-every', 'json', 'verbose'];

function num(v: Parsed, k: keyof typeof TEXT_DEFAULTS): number {
  return (v[k] as number | undefined) ?? (TEXT_DEFAULTS[k] as number);
}

export interface TextModelOptions {
  vocab: number;
  embedding: number;
  cell: string;
  hidden: number;
  layers: number;
  seed: number;
}

/** embedding → recurrent (every step) → dense logits over the vocabulary. */
export function textModel(o: TextModelOptions): Sequential {
  const rec = { name: o.cell, hiddenSize: o.hidden, numLayers: o.layers, returnSequences: true };
  const cell = o.cell === 'gru' ? gru(rec) : o.cell === 'rnn' ? simpleRNN(rec) : lstm(rec);
  return sequential([embedding({ name: 'emb', numEmbeddings: o.vocab, embeddingDim: o.embedding }), cell, dense({ name: 'fc', units: o.vocab })]).build({ seed: o.seed });
}

async function runText(v: Parsed, io: Io): Promise<void> {
  const verbose = v['verbose'] === true;
  const json = v['json'] === true;
  await useBackend(io, verbose);
  const control = await runControl(v);
  for (const k of ['seq-len', 'embedding', 'hidden', 'layers', 'batch-size'] as const) {
    const x = num(v, k);
    if (!Number.isInteger(x) || x < 1) throw new ConfigError(`--${k} must be a positive integer, found ${x}`);
  }
  const budget = control.budgetMs !== null;
  const epochs = (v['epochs'] as number | undefined) ?? (budget ? Number.MAX_SAFE_INTEGER : TEXT_DEFAULTS.epochs);
  if (!(Number.isInteger(epochs) && epochs >= 1)) throw new ConfigError(`--epochs must be a positive integer, found ${epochs}`);
  const lr = num(v, 'lr');
  if (!(lr > 0)) throw new ConfigError(`--lr must be a positive number, found ${lr}`);
  const clip = num(v, 'clip-norm');
  if (!(clip > 0)) throw new ConfigError(`--clip-norm must be a positive number, found ${clip}`);
  const valSplit = num(v, 'val-split');
  if (!(valSplit >= 0 && valSplit < 1)) throw new ConfigError(`--val-split must be a fraction in [0, 1), found ${valSplit}`);
  const seqLen = num(v, 'seq-len');
  const seed = (v['seed'] as number | undefined) ?? 0;
  const cell = (v['cell'] as string | undefined) ?? TEXT_DEFAULTS.cell;

  const text = readText(v['text'] as string, (v['gz'] as GzMode | undefined) ?? 'auto');
  const vocab = control.resume ? Vocabulary.fromMetadata(control.resume.model.metadata, `--resume ${control.resume.path}`) : Vocabulary.fromText(text);
  const ids = vocab.encode(text, `--text ${v['text']}`);
  const w = windows(ids, seqLen);
  const nVal = valSplit > 0 ? Math.max(1, Math.floor(w.rows * valSplit)) : 0;
  const nTrain = w.rows - nVal;
  if (nTrain < 1) throw new ConfigError(`the text makes ${w.rows} sequences of ${seqLen} characters, too few to hold out --val-split ${valSplit}; use more text or a smaller --seq-len`);
  // the validation part is the end of the text, never seen in training
  const x = tensor(w.x.subarray(0, nTrain * seqLen), [nTrain, seqLen], { dtype: 'int32' });
  const y = tensor(w.y.subarray(0, nTrain * seqLen), [nTrain, seqLen], { dtype: 'int32' });
  const val = nVal
    ? ([tensor(w.x.subarray(nTrain * seqLen), [nVal, seqLen], { dtype: 'int32' }), tensor(w.y.subarray(nTrain * seqLen), [nVal, seqLen], { dtype: 'int32' })] as [Tensor, Tensor])
    : undefined;

  const arch = { vocab: vocab.size, embedding: num(v, 'embedding'), cell, hidden: num(v, 'hidden'), layers: num(v, 'layers'), seed };
  const model = textModel(arch);
  model.metadata = { ...model.metadata, [VOCAB_KEY]: vocab.toMetadata(), [TASK_KEY]: 'text' };
  model.compile({ optimizer: { type: 'adam', lr }, loss: 'crossentropy', clipNorm: clip });
  if (verbose) {
    io.stderr.write(
      `rnn: ${ids.length} characters, vocabulary ${vocab.size}; ${nTrain} training and ${nVal} validation sequences of ${seqLen}; ` +
        `${model.params!.size} parameters\n`,
    );
  }
  const settings = {
    data: `${ids.length}:${fingerprint(ids)}`,
    'seq-len': seqLen,
    'val-split': valSplit,
    embedding: arch.embedding,
    cell,
    hidden: arch.hidden,
    layers: arch.layers,
    'batch-size': num(v, 'batch-size'),
    lr,
    'clip-norm': clip,
    seed,
  };
  const t0 = performance.now();
  const r = await fitResumable(
    model,
    x,
    y,
    {
      epochs,
      batchSize: num(v, 'batch-size'),
      seed,
      validationData: val,
      callbacks: [noEpochLimit(progressCallback(io, { json, label: 'text', verbose }), v['epochs'] === undefined && control.budgetMs !== null)],
    },
    { mode: 'text', settings, control, command: commandLine(v, RUN_KEYS), io },
  );
  const seconds = (performance.now() - t0) / 1000;
  await model.save(v['out'] as string);
  const last = r.history.epochs[r.history.epochs.length - 1];
  // a run cut short mid-epoch has no epoch-end validation: measure the final weights here
  let valLoss = r.batch === 0 ? last?.['val_loss'] : undefined;
  if (val && valLoss === undefined) valLoss = model.evaluate(val[0], val[1], { batchSize: 64 })['loss'];
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
    checkpoint: r.checkpoint,
    out: v['out'],
  };
  if (json) io.stdout.write(JSON.stringify(summary) + '\n');
  const parts = [
    `${r.stopped === 'time' ? `time budget reached at ${where}` : `trained to ${where}`} in ${seconds.toFixed(1)}s`,
    valLoss === undefined ? 'no validation part' : `validation loss ${valLoss.toFixed(4)} nats/char (${(valLoss / Math.LN2).toFixed(3)} bits/char)`,
    `wrote ${v['out']}`,
  ];
  if (r.checkpoint) parts.push(`checkpoint ${r.checkpoint} (continue with --resume ${r.checkpoint})`);
  io.stderr.write(`rnn: ${parts.join('; ')}\n`);
}

registerTrainMode({
  name: 'text',
  trigger: 'text',
  flags: TEXT_FLAGS,
  examples: [
    'rnn train --text data/tinyshakespeare/input.txt.gz --out shakespeare.safetensors --minutes 10 --checkpoint ckpt.safetensors',
    'rnn train --text notes.txt --out notes.safetensors --epochs 20 --hidden 128 --layers 1 --seq-len 64',
  ],
  run: runText,
});
