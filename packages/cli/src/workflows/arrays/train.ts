import { readFileSync } from 'node:fs';
import { RnnError, ValueError, fmt, tensor } from '@rnn/core';
import { Sequential, checkTarget } from '@rnn/layers';
import { readArray, type HostArray } from '../../arrays.js';
import { useBackend } from '../../backend.js';
import { action, withCommon } from '../../command.js';
import { UsageError, flag } from '../../flags.js';
import { inputTensor, loadModel } from '../../model-io.js';
import { progressCallback } from '../../progress.js';
import { batchSize, epochJson, epochs, lr, out, seed } from '../flags.js';
import { LOG_FLAGS, trainLogs } from '../logging.js';
import { CHECKPOINT_FLAGS, budgetMinutes, commandLine, fingerprint, fitResumable, resumeSettings, runControl, resumeHint } from '../checkpoint.js';
import { checkOutputs, saveModel } from '../outputs.js';

/** Targets as the loss reads them: class ids (int32) for crossentropy, floats for mse. */
export function targetTensor(a: HostArray, loss: string) {
  if (loss === 'crossentropy') {
    if (!a.integer) throw new ValueError(`${a.source}: crossentropy needs integer class ids, found non-integer values`);
    return tensor(Int32Array.from(a.data), a.shape, { dtype: 'int32' });
  }
  return tensor(Float32Array.from(a.data), a.shape);
}

/** What a resume must share with the run that wrote the checkpoint (besides the model and the data). */
const RESUME_KEYS = ['loss', 'optimizer', 'lr', 'batch-size', 'shuffle', 'clip-norm', 'seed', 'init'];

/**
 * The contract's array mode (shared/contracts/cli.md): its flags and defaults are fixed there; the
 * checkpoint flags and --minutes are additions every workflow shares.
 */
const trainFlags = withCommon({
    model: flag.string('the model to start from (its weights, or with --init only its config)', { value: 'M.safetensors' }),
    x: flag.string('inputs [batch, time, features] or token ids [batch, time]', { value: 'X.json|X.npy' }),
    y: flag.string('targets (class ids for crossentropy)', { value: 'Y.json|Y.npy' }),
    out,
    loss: flag.choice(['mse', 'crossentropy'], 'loss function', { value: 'NAME', default: 'mse' }),
    optimizer: flag.choice(['sgd', 'adam', 'adagrad'], 'optimizer', { value: 'NAME', default: 'adam' }),
    lr: lr(0.001),
    epochs: epochs(1),
    'batch-size': batchSize(32),
    shuffle: flag.boolean('shuffle rows each epoch (--no-shuffle: consecutive slices in file order)', { default: true }),
    'clip-norm': flag.number('clip the global gradient norm before each step', { value: 'F', check: 'positive' }),
    seed,
    init: flag.boolean("start from a fresh initialisation of the model's config instead of its weights"),
    minutes: budgetMinutes,
    ...CHECKPOINT_FLAGS,
    json: epochJson,
    ...LOG_FLAGS,
  });

export const trainArrays = action({
  flags: trainFlags,
  examples: [
    'rnn train --model m.safetensors --x x.json --y y.json --out m2.safetensors --epochs 5',
    'rnn train --model m.safetensors --x ids.npy --y next.npy --out m2.safetensors --loss crossentropy --optimizer sgd --lr 0.1 --no-shuffle',
  ],
  async run(v, io) {
    const { model: modelPath, x: xPath, y: yPath } = v;
    if (modelPath === undefined || xPath === undefined || yPath === undefined) {
      const k = modelPath === undefined ? 'model' : xPath === undefined ? 'x' : 'y';
      throw new UsageError(`rnn train: --${k} is required in array mode (or train from --csv, --text, --sequences or --trees); see rnn train --help`);
    }
    const logging = trainLogs(v, io);
    await useBackend(io, v.verbose === true);
    const control = await runControl(v);
    checkOutputs({ out: v.out, checkpoint: v.checkpoint });
    let model = await loadModel(modelPath);
    if (v.init) {
      const fresh = Sequential.fromConfig(model.config());
      fresh.metadata = model.metadata;
      fresh.build({ inputSize: model.inputSize, seed: v.seed });
      model = fresh;
    }
    const xa = readArray(xPath, '--x');
    const ya = readArray(yPath, '--y');
    const x = inputTensor(model, xa);
    const y = targetTensor(ya, v.loss);
    model.compile({ optimizer: { type: v.optimizer, lr: v.lr }, loss: v.loss, clipNorm: v['clip-norm'] });
    try {
      checkTarget(model, x, y, model.training);
    } catch (err) {
      if (err instanceof RnnError) throw new RnnError(err.code, `--y ${yPath} (shape ${fmt(ya.shape)}) does not fit --x ${xPath} and the model: ${err.message.replace(/^fit: /, '')}`);
      throw err;
    }
    const bits = (d: ArrayLike<number>) => fingerprint(new Int32Array(Float64Array.from(d).buffer));
    const data = [readFileSync(modelPath), xa.data, ya.data].map(bits).join(':');
    const r = await fitResumable(
      model,
      x,
      y,
      {
        epochs: v.epochs,
        batchSize: v['batch-size'],
        shuffle: v.shuffle,
        seed: v.seed,
        callbacks: [progressCallback(io, { json: v.json === true, label: 'train' }), ...logging.callbacks],
      },
      { workflow: 'arrays', settings: resumeSettings(data, v, RESUME_KEYS), control, command: commandLine(v, trainFlags.flags), io },
    );
    const saved = await saveModel(io, 'out', v.out, (p) => model.save(p));
    // always, on stderr (stdout is for --json's lines)
    const stop = r.stopped === 'time' ? `time budget reached in epoch ${r.epoch + 1} after ${r.batch} of ${r.batches} batches; ` : '';
    io.stderr.write(`rnn: ${stop}wrote ${saved.path}${resumeHint(r.checkpoint)}\n`);
    if (saved.error) throw saved.error;
  },
});
