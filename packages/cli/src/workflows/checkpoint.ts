import { ConfigError, RnnError, type ParameterSet, type Rng, type Tensor } from '@rnn/core';
import { writeFileAtomic, type Callback, type FitOptions, type History, type Sequential, type TrainBegin } from '@rnn/layers';
import { UsageError, flag, type FlagMap } from '../flags.js';
import type { Io } from '../command.js';
import {
  CHECKPOINT_KEY,
  decodeRng,
  decodeSlot,
  encodeRng,
  encodeSlot,
  loadSequential,
  readCheckpoint,
  type Checkpoint,
  type CheckpointLoader,
  type CheckpointModel,
  type CheckpointState,
  type Settings,
} from './checkpoint-file.js';
import { saveModel } from './outputs.js';

export * from './checkpoint-file.js';

/**
 * Checkpoints and exact resumes, for every `rnn train` workflow (the file itself: checkpoint-file.ts).
 *
 * A checkpoint is ONE model file (weights, config, the workflow's metadata such as the vocabulary),
 * so `rnn generate`/`predict` read it like any model, whose metadata also holds `rnn.checkpoint`:
 * where training stopped (epoch, batch), the shuffle generator's state, the optimizer's state
 * (Adam's m, v and step count) and the settings a resume must share. It is written with
 * `writeFileAtomic` (temporary file, fsync, rename): the file at the path is always a whole one.
 *
 * Resuming is exact — the same weights, bit for bit, as a run that never stopped — because the
 * checkpoint holds everything a step reads: weights, optimizer state, and the generator that
 * draws each epoch's shuffle (and dropout masks). Mid-epoch, the epoch's shuffle is drawn again
 * from the generator's state at the epoch's start, then the generator jumps to its state at the
 * batch where training stopped.
 */

/** `--minutes`: a time budget; the run stops before a batch and writes its checkpoint. */
export const minutes = flag.number('time budget: stop cleanly after the batch running when M minutes have passed (with no --epochs: no epoch limit)', {
  value: 'M',
  check: 'positive',
});

/** `--minutes` for workflows whose --epochs keeps its default under a budget (time series, arrays). */
export const budgetMinutes = flag.number('time budget: stop cleanly before the next batch once M minutes have passed (--epochs still applies)', {
  value: 'M',
  check: 'positive',
});

/** Flags a workflow adds to take part, with `minutes` (or `budgetMinutes`). */
export const CHECKPOINT_FLAGS = {
  checkpoint: flag.string('write a resumable checkpoint here every --checkpoint-every epochs, on Ctrl-C, and when --minutes runs out', { value: 'C.safetensors' }),
  'checkpoint-every': flag.int('epochs between checkpoints (default 1 with --checkpoint)', { value: 'N', check: 'positive' }),
  resume: flag.string('continue from a checkpoint to --epochs; the other flags must match the run that wrote it', { value: 'C.safetensors' }),
};

/** Ctrl-C during training: a checkpoint was written. The CLI exits with status 130. */
export class InterruptedError extends RnnError {
  constructor(message: string) {
    super('E_INTERRUPTED', message);
  }
}

/** How `--checkpoint`, `--checkpoint-every`, `--resume` and `--minutes` ask a run to go. */
export interface RunControl<M extends CheckpointModel = Sequential> {
  checkpoint: string | null;
  every: number;
  /** Where Ctrl-C writes when there is no --checkpoint. */
  interruptPath: string;
  resume: Checkpoint<M> | null;
  /** Time budget in milliseconds, or null. */
  budgetMs: number | null;
}

/** The values of `CHECKPOINT_FLAGS`, `--minutes` and `--out`. */
export interface ControlFlags {
  checkpoint?: string | undefined;
  'checkpoint-every'?: number | undefined;
  resume?: string | undefined;
  minutes?: number | undefined;
  out: string;
}

export async function runControl(v: ControlFlags): Promise<RunControl>;
export async function runControl<M extends CheckpointModel>(v: ControlFlags, load: CheckpointLoader<M>): Promise<RunControl<M>>;
export async function runControl(v: ControlFlags, load: CheckpointLoader<CheckpointModel> = loadSequential): Promise<RunControl<CheckpointModel>> {
  const checkpoint = v.checkpoint ?? null;
  if (v['checkpoint-every'] !== undefined && !checkpoint) {
    throw new UsageError('rnn train: --checkpoint-every needs --checkpoint FILE (where to write the checkpoints)');
  }
  return {
    checkpoint,
    every: v['checkpoint-every'] ?? 1,
    interruptPath: checkpoint ?? `${v.out.replace(/\.safetensors$/, '')}.checkpoint.safetensors`,
    resume: v.resume ? await readCheckpoint(v.resume, load) : null,
    budgetMs: v.minutes === undefined ? null : v.minutes * 60_000,
  };
}

/** What a resume must share (`Settings`): the data's fingerprint and the run's values of `keys`. */
export function resumeSettings(data: string, v: Readonly<Record<string, unknown>>, keys: readonly string[]): Settings {
  const out: Settings = { data };
  for (const k of keys) {
    const x = v[k];
    out[k] = typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean' ? x : null;
  }
  return out;
}

/** FNV-1a over the ids: a data fingerprint for `Settings` (pass floats as `new Int32Array(f32.buffer)`). */
export function fingerprint(data: ArrayLike<number>): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < data.length; i++) {
    h ^= data[i]! & 0xffff;
    h = Math.imul(h, 0x01000193) >>> 0;
    h ^= (data[i]! >>> 16) & 0xffff;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

function shellQuote(s: string): string {
  return /^[\w./:@%+=,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * `rnn train --k v …` from a run's values (true: `--k`, false: `--no-k`), in the order of its
 * flags, leaving out defaults: to tell the user how to resume.
 */
export function commandLine(v: Readonly<Record<string, unknown>>, flags: FlagMap): string {
  const parts = ['rnn', 'train'];
  for (const [k, f] of Object.entries(flags)) {
    const x = v[k];
    if (x === undefined || x === f.info.default || k === 'resume' || k === 'config') continue;
    if (typeof x === 'boolean') parts.push(x ? `--${k}` : `--no-${k}`);
    else parts.push(`--${k}`, shellQuote(Array.isArray(x) ? x.join(',') : String(x)));
  }
  return parts.join(' ');
}

function checkSettings(c: Checkpoint<CheckpointModel>, workflow: string, now: Settings): void {
  if (c.state.workflow !== workflow) {
    throw new ConfigError(`--resume ${c.path} was written by rnn train --${c.state.workflow}, not --${workflow}; resume it with the same workflow and flags`);
  }
  const diff = Object.keys({ ...c.state.settings, ...now })
    .filter((k) => c.state.settings[k] !== now[k])
    .map((k) => `${k}: checkpoint ${JSON.stringify(c.state.settings[k] ?? null)}, now ${JSON.stringify(now[k] ?? null)}`);
  if (diff.length) {
    throw new ConfigError(
      `--resume ${c.path}: this run differs from the one that wrote the checkpoint (${diff.join('; ')}); ` +
        'an exact resume needs the same data and flags (only --epochs, --minutes, --out and the checkpoint flags may change)',
    );
  }
}

/**
 * With a time budget and no --epochs, `fit` runs to an epoch count no run reaches; a progress
 * callback shown that count says 'epoch 3/Infinity' and no ETA instead.
 */
export function noEpochLimit(cb: Callback, unlimited: boolean): Callback {
  if (!unlimited) return cb;
  return { ...cb, onTrainBegin: (info) => cb.onTrainBegin?.({ ...info, epochs: Infinity }) };
}

export interface ResumableFit<M extends CheckpointModel = Sequential> {
  /** The workflow's trigger flag, stored in the checkpoint (`text`). */
  workflow: string;
  settings: Settings;
  control: RunControl<M>;
  /** The command that resumes this run, without `--resume` (see `commandLine`). */
  command: string;
  io: Io;
  /** State of the workflow's own stateful callbacks, saved in and restored from the checkpoint. */
  extra?: { save(): string; restore(saved: string): void };
}

export interface ResumableResult {
  history: History;
  /** 'time' when --minutes ran out before --epochs ('interrupt' only inside: Ctrl-C throws). */
  stopped: 'time' | 'interrupt' | null;
  /** Where training stopped: the next epoch and batch. */
  epoch: number;
  batch: number;
  batches: number;
  /** The checkpoint written when training stopped early, if any. */
  checkpoint: string | null;
}

/** What `trainResumable` trains: any model the one `Trainer` trains, behind its front end. */
export interface ResumableTraining<M extends CheckpointModel> {
  model: M & { readonly params: ParameterSet };
  /** The epoch count the front end is given. */
  epochs: number;
  /** The checkpoint file: the model file with `metadata` added. */
  bytes(metadata: Record<string, string>): Uint8Array;
  /** Run the front end (`model.fit`, `fitTrees`) from this epoch and batch, with these callbacks last. */
  fit(o: { initialEpoch: number; initialBatch: number; callbacks: Callback[] }): Promise<History>;
}

/**
 * `model.fit` with checkpoints, `--resume`, a `--minutes` budget and Ctrl-C. Build and compile the
 * model from the flags as for a fresh run (dropout and all); on a resume, the checkpoint's weights,
 * optimizer state and generator replace the fresh ones. Throws `InterruptedError` after Ctrl-C,
 * once the checkpoint is written.
 */
export function fitResumable(model: Sequential, x: Tensor, y: Tensor, fit: FitOptions, r: ResumableFit): Promise<ResumableResult> {
  return trainResumable(
    {
      model: model as Sequential & { params: ParameterSet },
      epochs: fit.epochs ?? 1,
      bytes: (metadata) => model.toBytes(metadata),
      fit: (o) => model.fit(x, y, { ...fit, ...o, callbacks: [...(fit.callbacks ?? []), ...o.callbacks] }),
    },
    r,
  );
}

/** `fitResumable` for any front end of the `Trainer` (the trees workflow's `fitTrees`). */
export async function trainResumable<M extends CheckpointModel>(t: ResumableTraining<M>, r: ResumableFit<M>): Promise<ResumableResult> {
  const { control, io } = r;
  const resume = control.resume?.state ?? null;
  const { model, epochs } = t;
  if (control.resume) {
    checkSettings(control.resume, r.workflow, r.settings);
    const [want, found] = [JSON.stringify(model.config()), JSON.stringify(control.resume.model.config())];
    if (want !== found) throw new ConfigError(`--resume ${control.resume.path}: its model is ${found}, but these flags build ${want}`);
    for (const [name, data] of control.resume.model.params!.toHost()) model.params.set(name, data);
    if (resume!.epoch >= epochs) {
      throw new ConfigError(
        `--resume ${control.resume.path} already finished epoch ${resume!.epoch}; --epochs ${epochs} leaves nothing to train (pass a larger --epochs)`,
      );
    }
  }
  let optimizer: TrainBegin['optimizer'] | null = null;
  let rng: Rng | null = null;
  let batches = 1;
  let epochStart: number[] = [];
  let restoredEpoch = false;
  let restoredBatch = false;
  let interrupted = false;
  let t0 = 0;
  const result: ResumableResult = { history: { epochs: [], bestEpoch: -1, seconds: 0, samplesPerSecond: 0 }, stopped: null, epoch: resume?.epoch ?? 0, batch: resume?.batch ?? 0, batches: 1, checkpoint: null };
  // a checkpoint that could not be written where asked goes to a rescue path, and stays there
  const moved = new Map<string, string>();

  const save = async (path: string, epoch: number, batch: number, rngNow: number[] | null, rngEpochStart: number[]): Promise<string> => {
    const o = optimizer!.getState();
    const state: CheckpointState = {
      version: 1,
      workflow: r.workflow,
      epoch,
      batch,
      batches,
      rngEpochStart: encodeRng(rngEpochStart),
      rng: rngNow ? encodeRng(rngNow) : null,
      settings: r.settings,
      extra: r.extra?.save() ?? null,
      optimizer: { name: o.name, lr: o.lr, steps: o.steps, slots: Object.fromEntries(Object.entries(o.slots).map(([k, a]) => [k, encodeSlot(a)])) },
    };
    const bytes = t.bytes({ [CHECKPOINT_KEY]: JSON.stringify(state) });
    const where = moved.get(path);
    if (where) {
      writeFileAtomic(where, bytes);
      return where;
    }
    const saved = await saveModel(io, path === control.checkpoint ? 'checkpoint' : 'checkpoint (Ctrl-C)', path, (p) => writeFileAtomic(p, bytes));
    if (saved.error) moved.set(path, saved.path);
    return saved.path;
  };

  const hooks: Callback = {
    onTrainBegin(info) {
      optimizer = info.optimizer;
      if (resume) {
        optimizer.setState(
          { lr: resume.optimizer.lr, steps: resume.optimizer.steps, slots: Object.fromEntries(Object.entries(resume.optimizer.slots).map(([k, s]) => [k, decodeSlot(s)])) },
          model.params,
        );
      }
      // after the workflow's own callbacks have started (and reset themselves)
      if (resume && r.extra && resume.extra !== null) r.extra.restore(resume.extra);
      rng = info.rng;
      batches = info.batches;
      result.batches = batches;
      t0 = performance.now();
    },
    onEpochBegin() {
      if (resume && !restoredEpoch) {
        restoredEpoch = true;
        rng!.setState(decodeRng(resume.rngEpochStart));
      }
      epochStart = rng!.getState();
    },
    async onBatchBegin(batch, epoch) {
      if (resume && !restoredBatch) {
        restoredBatch = true;
        if (resume.rng) rng!.setState(decodeRng(resume.rng));
      }
      const late = control.budgetMs !== null && performance.now() - t0 >= control.budgetMs;
      if (!interrupted && !late) return;
      // stop before this batch; the state now is the state a resume needs here
      const path = interrupted ? control.interruptPath : control.checkpoint;
      const written = path ? await save(path, epoch, batch, batch === 0 ? null : rng!.getState(), epochStart) : null;
      Object.assign(result, { stopped: interrupted ? 'interrupt' : 'time', epoch, batch, checkpoint: written });
      return 'stop';
    },
    async onEpochEnd(epoch) {
      result.epoch = epoch + 1;
      result.batch = 0;
      if (control.checkpoint && (epoch + 1) % control.every === 0) await save(control.checkpoint, epoch + 1, 0, null, rng!.getState());
    },
  };

  const onSignal = () => {
    if (interrupted) {
      io.stderr.write('\nrnn: interrupted again; quitting without a checkpoint\n');
      process.exit(130);
    }
    interrupted = true;
    io.stderr.write(`\nrnn: Ctrl-C: stopping after this batch to write a checkpoint to ${control.interruptPath} (Ctrl-C again to quit at once)\n`);
  };
  process.on('SIGINT', onSignal);
  try {
    result.history = await t.fit({ initialEpoch: resume?.epoch ?? 0, initialBatch: resume?.batch ?? 0, callbacks: [hooks] });
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
  if (result.stopped === 'interrupt') {
    throw new InterruptedError(
      `interrupted in epoch ${result.epoch + 1} after ${result.batch} of ${batches} batches; checkpoint written to ${result.checkpoint}. ` +
        `Resume with: ${r.command} --resume ${shellQuote(result.checkpoint!)}`,
    );
  }
  return result;
}

/** The end of a training summary line that names the checkpoint and how to continue from it ('' without one). */
export function resumeHint(checkpoint: string | null | undefined): string {
  return checkpoint ? `; checkpoint ${checkpoint} (continue with --resume ${checkpoint})` : '';
}
