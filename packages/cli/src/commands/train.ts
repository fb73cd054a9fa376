import { ConfigError, RnnError, ValueError, fmt, tensor } from '@rnn/core';
import { Sequential, checkTarget } from '@rnn/layers';
import { readArray, type HostArray } from '../arrays.js';
import { useBackend } from '../backend.js';
import { COMMON, type Command, type Io } from '../command.js';
import { UsageError, type Flags, type Parsed } from '../args.js';
import { TRAIN_MODES } from '../workflows/mode.js';
import { inputTensor, loadModel } from '../model-io.js';
import { progressCallback } from '../progress.js';

function targetTensor(a: HostArray, loss: string) {
  if (loss === 'crossentropy') {
    if (!a.integer) throw new ValueError(`${a.source}: crossentropy needs integer class ids, found non-integer values`);
    return tensor(Int32Array.from(a.data), a.shape, { dtype: 'int32' });
  }
  return tensor(Float32Array.from(a.data), a.shape);
}

const ARRAY_FLAGS: Flags = {
    model: { type: 'string', value: 'M.safetensors', help: 'array mode: the model to start from (its weights, or with --init only its config)' },
    x: { type: 'string', value: 'X.json|X.npy', help: 'array mode: inputs [batch, time, features] or token ids [batch, time]' },
    y: { type: 'string', value: 'Y.json|Y.npy', help: 'array mode: targets (class ids for crossentropy)' },
    out: { type: 'string', value: 'M2.safetensors', help: 'where to write the trained model', required: true },
    loss: { type: 'string', value: 'NAME', help: 'loss function', default: 'mse', choices: ['mse', 'crossentropy'] },
    optimizer: { type: 'string', value: 'NAME', help: 'optimizer', default: 'adam', choices: ['sgd', 'adam'] },
    // no defaults in the spec for flags the modes share: each mode fills in its own
    lr: { type: 'number', value: 'F', help: 'learning rate (default 0.001; each mode states its own)' },
    epochs: { type: 'int', value: 'N', help: 'passes over the data (default 1; each mode states its own)' },
    'batch-size': { type: 'int', value: 'N', help: 'rows per optimizer step (default 32; each mode states its own)' },
    shuffle: { type: 'boolean', help: 'shuffle rows each epoch (--no-shuffle: consecutive slices in file order)', default: true },
    'clip-norm': { type: 'number', value: 'F', help: 'clip the global gradient norm before each step' },
    seed: { type: 'int', value: 'N', help: 'random seed for shuffling and --init', default: 0 },
    init: { type: 'boolean', help: "start from a fresh initialisation of the model's config instead of its weights" },
    json: { type: 'boolean', help: 'print one JSON line per epoch on stdout' },
    ...COMMON,
};

export const train: Command = {
  name: 'train',
  summary: 'train a model (arrays, --csv time series, --text, --sequences, --trees) and write the model file',
  get flags(): Flags {
    const all: Flags = { ...ARRAY_FLAGS };
    for (const m of TRAIN_MODES) Object.assign(all, m.flags);
    return all;
  },
  get examples(): string[] {
    return [...ARRAY_EXAMPLES, ...TRAIN_MODES.flatMap((m) => m.examples)];
  },
  async run(v, io) {
    const mode = TRAIN_MODES.find((m) => v[m.trigger] !== undefined);
    if (mode) return mode.run(v, io);
    for (const k of ['model', 'x', 'y'] as const) {
      if (v[k] === undefined) {
        const triggers = TRAIN_MODES.map((m) => `--${m.trigger}`).join(', ');
        throw new UsageError(`rnn train: --${k} is required in array mode (or train from ${triggers || 'another source'}); see rnn train --help`);
      }
    }
    return runArrays(v, io);
  },
};

const ARRAY_EXAMPLES = [
    'rnn train --model m.safetensors --x x.json --y y.json --out m2.safetensors --epochs 5',
    'rnn train --model m.safetensors --x ids.npy --y next.npy --out m2.safetensors --loss crossentropy --optimizer sgd --lr 0.1 --no-shuffle',
];

async function runArrays(v: Parsed, io: Io): Promise<void> {
    await useBackend(io, v['verbose'] === true);
    const lr = (v['lr'] as number | undefined) ?? 0.001;
    const epochs = (v['epochs'] as number | undefined) ?? 1;
    const batchSize = (v['batch-size'] as number | undefined) ?? 32;
    if (!(lr > 0)) throw new ConfigError(`--lr must be a positive number, found ${lr}`);
    if (!(epochs >= 1)) throw new ConfigError(`--epochs must be a positive integer, found ${epochs}`);
    if (!(batchSize >= 1)) throw new ConfigError(`--batch-size must be a positive integer, found ${batchSize}`);
    if (v['clip-norm'] !== undefined && !((v['clip-norm'] as number) > 0)) {
      throw new ConfigError(`--clip-norm must be a positive number, found ${v['clip-norm']}`);
    }
    let model = await loadModel(v['model'] as string);
    if (v['init']) {
      const fresh = Sequential.fromConfig(model.config());
      fresh.metadata = model.metadata;
      fresh.build({ inputSize: model.inputSize, seed: v['seed'] as number });
      model = fresh;
    }
    const loss = v['loss'] as string;
    const xa = readArray(v['x'] as string, '--x');
    const ya = readArray(v['y'] as string, '--y');
    const x = inputTensor(model, xa);
    const y = targetTensor(ya, loss);
    model.compile({ optimizer: { type: v['optimizer'] as 'sgd' | 'adam', lr }, loss: loss as 'mse', clipNorm: v['clip-norm'] as number | undefined });
    try {
      checkTarget(model, x, y, model.training);
    } catch (err) {
      if (err instanceof RnnError) throw new RnnError(err.code, `--y ${v['y']} (shape ${fmt(ya.shape)}) does not fit --x ${v['x']} and the model: ${err.message.replace(/^fit: /, '')}`);
      throw err;
    }
    await model.fit(x, y, {
      epochs,
      batchSize,
      shuffle: v['shuffle'] as boolean,
      seed: v['seed'] as number,
      callbacks: [progressCallback(io, { json: v['json'] === true, label: 'train', verbose: v['verbose'] === true })],
    });
    await model.save(v['out'] as string);
    if (v['verbose']) io.stderr.write(`rnn: wrote ${v['out']}\n`);
}
