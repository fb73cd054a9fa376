import { z } from 'zod';
import { ConfigError, Rng, backward, noGrad, parseOptions, schemas, mul, sum, tidy } from '@rnn/core';
import type { Communicator, Tensor } from '@rnn/core';
import { bucketedOrder } from './buckets.js';
import { GradientSync, agreeOnRun, broadcastParameters, onAllRanks, shareOf, trainerCommunicator } from './distributed.js';
import { callbackSchema } from './callback-schema.js';
import { clipGradNorm, clipGradValue } from '../optimizers/clip.js';
import type { Optimizer } from '../optimizers/optimizer.js';
import { divergence, findCulprit } from './numerics.js';
import type { History, Logs, Selection, StepContext, TrainableModel, TrainBegin } from './types.js';

/** The rows a trainer draws batches from. */
export interface TrainData<Batch> {
  /** Rows (samples) in all. */
  readonly size: number;
  /**
   * The batch holding the rows at `indices`. For a model with `tidySteps`, the tensors `take`
   * creates are freed when the batch's step ends (so their buffers are reused too): return new
   * tensors, or ones made before `fit`, never ones cached inside `take` for a later step.
   */
  take(indices: Int32Array): Batch;
}

/**
 * How often training checks for NaN/Inf: 'step' checks the loss, the gradients and the updated
 * parameters at every step (the culprit is named before a bad step reaches a checkpoint);
 * 'epoch' the loss at every step and the parameters once per epoch (cheaper: a non-finite
 * gradient shows up as a non-finite loss one step later); 'off' never.
 */
const { positiveInt, positiveNumber, nonNegativeInt, bool, text, rngSchema, fn } = schemas;

const NUMERICS = ['step', 'epoch', 'off'] as const;
export type NumericsCheck = (typeof NUMERICS)[number];

const trainerOptions = z.strictObject({
  optimizer: z.custom<Optimizer>((v) => typeof v === 'object' && v !== null && typeof (v as Optimizer).step === 'function', {
    error: 'an Optimizer (new Adam({ lr }) or getOptimizer(spec))',
  }),
  /** Passes over the data (default 1). */
  epochs: positiveInt().optional(),
  batchSize: positiveInt().optional(),
  /** Shuffle rows every epoch (default true); false: consecutive slices in row order. */
  shuffle: bool().optional(),
  /**
   * Length bucketing: a sort key per row (e.g. its length). Each epoch's shuffle is cut into
   * chunks of `chunkBatches` batches (default 50), each sorted by its key and cut into batches,
   * and the batches are shuffled (see `bucketedOrder`). Needs shuffling.
   */
  buckets: z
    .strictObject({
      keys: z.custom<ArrayLike<number>>((v) => ArrayBuffer.isView(v) || Array.isArray(v), { error: 'an array or typed array of numbers, one per row' }),
      chunkBatches: positiveInt().optional(),
    })
    .optional(),
  /** Draws the shuffles and dropout masks (default: seeded 0). */
  rng: rngSchema().optional(),
  callbacks: z.array(callbackSchema, { error: 'an array of Callbacks' }).optional(),
  /** Clip gradients by global norm before each step (`clip_grad_norm_`). */
  clipNorm: positiveNumber().optional(),
  /** Clip each gradient to ±value before each step (`clip_grad_value_`). */
  clipValue: positiveNumber().optional(),
  /**
   * How often training checks for NaN/Inf: 'step' checks the loss, the gradients and the updated
   * parameters at every step (the culprit is named before a bad step reaches a checkpoint);
   * 'epoch' the loss at every step and the parameters once per epoch (cheaper: a non-finite
   * gradient shows up as a non-finite loss one step later); 'off' never.
   */
  checkNumerics: z.enum(NUMERICS).optional(),
  /** Start counting epochs here (resuming). */
  initialEpoch: nonNegativeInt().optional(),
  /** With `initialEpoch`: skip that epoch's first batches (resuming mid-epoch). */
  initialBatch: nonNegativeInt().optional(),
  /** Time budget: after this many minutes the epoch in progress ends (and is validated) and training stops. */
  minutes: positiveNumber().optional(),
  /** Scores added to each epoch's logs after it trained (validation: `val_*` keys). */
  validate: fn<(epoch: number) => Record<string, number>>('a function (epoch) => { val_…: number }').optional(),
  /** Keep the weights of the best epoch by a log key and put them back at the end. */
  select: z
    .strictObject({
      key: text(),
      higher: bool(),
      onBest: fn<(epoch: number, logs: Logs) => void | Promise<void>>('a function (epoch, logs) => void').optional(),
    })
    .optional(),
  /** Log the epoch's sample count under this key (e.g. 'trees'). */
  countKey: text().optional(),
  /** Log `elapsed` (wall) and `cpu_elapsed` (this process's CPU) seconds since training began. */
  clock: bool().optional(),
  /**
   * Data-parallel training over the registered communicator (Open MPI, see docs/distributed.md):
   * true forces it, false turns it off; unset, it is on when a launcher (mpirun) started this
   * process. `{ bucketMB }` is on, with gradient buckets of that many MB (default 1: about one LSTM layer of
   * 256 units per bucket, so the last layers' buckets travel while the first layers' backward runs).
   */
  distributed: z.union([bool(), z.strictObject({ bucketMB: positiveNumber().optional() })]).optional(),
});

export type TrainerOptions = z.infer<typeof trainerOptions>;

/** This process's CPU time (Node), or null where there is no `process` (a browser). */
function cpuUsage(since?: NodeJS.CpuUsage): NodeJS.CpuUsage | null {
  return typeof process === 'undefined' || typeof process.cpuUsage !== 'function' ? null : process.cpuUsage(since);
}

/**
 * Let pending I/O and timers run between batches: `setImmediate` in Node; in a browser a message
 * through a `MessageChannel` (a zero `setTimeout` is clamped to 4 ms after a few nested calls).
 */
const yieldToEventLoop: () => Promise<void> =
  typeof setImmediate === 'function'
    ? () => new Promise((r) => setImmediate(r))
    : () =>
        new Promise((r) => {
          const channel = new MessageChannel();
          // (the DOM's MessagePort: setting onmessage starts it; Node's types do not declare it)
          (channel.port1 as unknown as { onmessage: () => void }).onmessage = () => {
            channel.port1.close();
            r();
          };
          channel.port2.postMessage(null);
        });

const isPositiveInt = (v: number) => Number.isInteger(v) && v >= 1;

/**
 * The one training loop, for every `TrainableModel`: epochs of shuffled mini-batches, one
 * optimizer step each (zero grads, `model.loss`, backward, clip, step), callbacks, numerics
 * checks, validation, best-epoch selection and a time budget. `Sequential.fit` and `fitTrees`
 * are thin front ends that turn their arguments into a model, data and these options. Async: it
 * yields to the event loop between batches, so a server stays responsive during training.
 */
export class Trainer<Batch> {
  readonly epochs: number;
  readonly batchSize: number;

  constructor(
    readonly model: TrainableModel<Batch>,
    readonly o: TrainerOptions,
  ) {
    parseOptions(trainerOptions, o, 'new Trainer');
    this.epochs = o.epochs ?? 1;
    this.batchSize = o.batchSize ?? 32;
    if (!isPositiveInt(this.epochs)) throw new ConfigError(`train: epochs must be a positive integer, found ${o.epochs}`);
    if (!isPositiveInt(this.batchSize)) throw new ConfigError(`train: batchSize must be a positive integer, found ${o.batchSize}`);
    if (o.buckets && o.shuffle === false) throw new ConfigError('train: buckets shuffle batches of similar rows; they cannot be used with shuffle: false');
    if (o.minutes !== undefined && !(o.minutes > 0)) throw new ConfigError(`train: minutes must be a positive number, found ${o.minutes}`);
  }

  /** One optimizer step on one batch; returns the loss before the step. */
  step(batch: Batch, ctx: StepContext & { where: string }): number {
    return this.model.tidySteps ? tidy(() => this.plainStep(batch, ctx)) : this.plainStep(batch, ctx);
  }

  private plainStep(batch: Batch, ctx: StepContext & { where: string }): number {
    const { model, o } = this;
    const params = model.params!;
    const check = o.checkNumerics ?? 'step';
    params.zeroGrad();
    const loss = model.loss(batch, ctx);
    const value = loss.item();
    if (check !== 'off' && !Number.isFinite(value)) throw this.fail(ctx, `the loss is ${value}`, batch);
    backward(loss);
    this.update(ctx, null);
    return value;
  }

  private fail(ctx: { where: string }, what: string, batch: Batch | null): Error {
    const { model, o } = this;
    return divergence({
      params: model.params!,
      what,
      where: ctx.where,
      clipped: o.clipNorm !== undefined || o.clipValue !== undefined,
      describe: model.describeParameter?.bind(model),
      batch: batch !== null ? model.batchTensors?.(batch) : undefined,
    });
  }

  /** After backward: the numerics check of the gradients, clipping and the optimizer step. */
  private update(ctx: { where: string }, comm: Communicator | null): void {
    const { o } = this;
    const params = this.model.params!;
    const check = o.checkNumerics ?? 'step';
    const fail = (what: string) => {
      const err = this.fail(ctx, what, null);
      return comm ? onAllRanks(err) : err;
    };
    if (check === 'step' && !Number.isFinite(noGrad(() => sum(params.grads).item()))) throw fail('a gradient is not finite');
    if (o.clipValue !== undefined) clipGradValue(params, o.clipValue);
    if (o.clipNorm !== undefined) clipGradNorm(params, o.clipNorm);
    o.optimizer.step(params);
    // Caught here, not at the next step: otherwise the epoch could end and a checkpoint callback
    // overwrite the last good model file with these weights. The sum can overflow with huge but
    // finite weights, so only an element that is not finite counts.
    if (check === 'step' && !Number.isFinite(noGrad(() => sum(params.values).item())) && findCulprit({ params })) {
      throw fail('the optimizer step made a parameter non-finite');
    }
  }

  /**
   * One data-parallel step: this rank's share of the global batch `idx`, its gradient scaled by
   * its share and summed over the ranks bucket by bucket (overlapping backward), then the same
   * update as `step` on every rank. Returns the global batch's mean loss, and whether any rank's
   * time budget ran out (so all ranks stop after the same batch).
   */
  private distributedStep(data: TrainData<Batch>, idx: Int32Array, ctx: StepContext & { where: string }, comm: Communicator, sync: GradientSync, deadline: number, stopHere: boolean): { loss: number; timeUp: boolean; stop: boolean } {
    const { model, o } = this;
    const params = model.params!;
    const [a, z] = shareOf(idx.length, comm.rank, comm.size);
    let batch: Batch | null = z > a ? data.take(idx.subarray(a, z)) : null;
    let weight = (z - a) / idx.length;
    if (model.lossWeight) {
      // a mean over tokens: each share counts by its tokens (one 8-byte all-reduce for the total)
      const w = Float64Array.of(batch ? model.lossWeight(batch) : 0);
      const mine = w[0]!;
      comm.allreduce(w);
      weight = w[0]! > 0 ? mine / w[0]! : 0;
    }
    params.zeroGrad();
    sync.begin();
    let value = 0;
    let loss: Tensor | null = null;
    if (batch) {
      loss = model.loss(batch, ctx);
      value = loss.item();
    }
    // what the ranks must agree on (the batch's loss, the time budget, a callback's stop) goes out
    // before backward's gradient buckets, on every rank at the same point of the sequence, and is
    // done by the time they are: no blocking round trip of its own (two were ~8 ms a step at 2 ranks)
    const agreed = Float64Array.of(z > a ? value * weight : 0, performance.now() > deadline ? 1 : 0, stopHere ? 1 : 0);
    const agreeing = comm.allreduceStart(agreed);
    // the gradient of this share's mean loss, scaled by the share (m_r / m): scaling the loss costs one
    // scalar op, scaling the gradient a pass over every parameter on the step's critical path
    if (loss) backward(weight === 1 ? loss : mul(loss, weight), backwardOptionsOf(sync));
    sync.finish();
    agreeing.wait();
    // a rank's callback asked to stop before this batch: every rank drops its gradients unapplied
    if (agreed[2]! > 0) return { loss: 0, timeUp: false, stop: true };
    const total = agreed[0]!;
    if ((o.checkNumerics ?? 'step') !== 'off' && !Number.isFinite(total)) throw onAllRanks(this.fail(ctx, `the loss is ${total}`, Number.isFinite(value) ? null : batch));
    this.update(ctx, comm);
    return { loss: total, timeUp: agreed[1]! > 0, stop: false };
  }

  /** What every rank of a distributed run must agree on (with the CLI's fingerprint of its flags and files). */
  private runConfig(n: number): string {
    const { model, o } = this;
    let config: string;
    try {
      config = JSON.stringify(model.config());
    } catch {
      config = String(model.config());
    }
    const { size, names } = model.params!;
    return JSON.stringify({
      config,
      params: [size, names],
      rows: n,
      epochs: this.epochs,
      batchSize: this.batchSize,
      shuffle: o.shuffle ?? true,
      buckets: o.buckets ? o.buckets.chunkBatches ?? 50 : null,
      clip: [o.clipNorm ?? null, o.clipValue ?? null],
      optimizer: [o.optimizer.constructor.name, o.optimizer.lr],
      start: [o.initialEpoch ?? 0, o.initialBatch ?? 0],
    });
  }

  async fit(data: TrainData<Batch>): Promise<History> {
    const { model, o } = this;
    const params = model.params!;
    const n = data.size;
    if (n === 0) throw new ConfigError('train: there is no training data');
    if (o.buckets && o.buckets.keys.length !== n) throw new ConfigError(`train: buckets.keys has ${o.buckets.keys.length} keys, the data has ${n} rows; give one key per row`);
    const rng = o.rng ?? new Rng(0);
    const callbacks = o.callbacks ?? [];
    const batches = Math.ceil(n / this.batchSize);
    const start = o.initialEpoch ?? 0;
    const deadline = o.minutes !== undefined ? performance.now() + o.minutes * 60_000 : Infinity;
    const history: History = { epochs: [], bestEpoch: -1, seconds: 0, samplesPerSecond: 0 };
    let best: Selection | null = null;
    let stepMs = 0;
    let stepSamples = 0;
    const t0 = performance.now();
    const cpu0 = cpuUsage();
    const selection: TrainBegin['selection'] = o.select
      ? {
          get: () => best,
          set: (b) => {
            if (b && b.weights.length !== params.values.size) throw new ConfigError(`train: a selection's weights have ${b.weights.length} values, the model has ${params.values.size}`);
            best = b;
          },
        }
      : undefined;
    const comm = trainerCommunicator(typeof o.distributed === 'object' ? true : o.distributed);
    let sync: GradientSync | null = null;
    if (comm) {
      agreeOnRun(comm, this.runConfig(n));
      broadcastParameters(comm, params);
      const bucketMB = (typeof o.distributed === 'object' ? o.distributed.bucketMB : undefined) ?? 1;
      sync = new GradientSync(comm, params, Math.max(1, Math.round((bucketMB * 1e6) / (params.grads.dtype === 'float64' ? 8 : 4))));
    }
    for (const cb of callbacks) await cb.onTrainBegin?.({ model, optimizer: o.optimizer, epochs: this.epochs, batches, rng, minutes: o.minutes, selection });
    let stop = false;
    for (let epoch = start; epoch < this.epochs && !stop; epoch++) {
      for (const cb of callbacks) await cb.onEpochBegin?.(epoch);
      const order =
        o.shuffle === false
          ? Int32Array.from({ length: n }, (_, i) => i)
          : o.buckets
            ? bucketedOrder(rng, o.buckets.keys, this.batchSize, o.buckets.chunkBatches ?? 50)
            : rng.permutation(n);
      // rank 0's order everywhere: dropout draws from `rng` too, a different number on each rank
      if (comm) comm.broadcast(order, 0);
      const sums = new Map<string, [number, number]>();
      const ctx: StepContext & { where: string } = {
        rng,
        where: '',
        metric(name, value, weight) {
          const s = sums.get(name) ?? [0, 0];
          sums.set(name, [s[0] + value * weight, s[1] + weight]);
        },
      };
      let lossSum = 0;
      let seen = 0;
      let timeUp = false;
      const e0 = performance.now();
      for (let b = epoch === start ? (o.initialBatch ?? 0) : 0; b < batches; b++) {
        for (const cb of callbacks) if ((await cb.onBatchBegin?.(b, epoch)) === 'stop') stop = true;
        // distributed: a callback that stops on one rank (Ctrl-C reaches each rank at its own
        // moment) stops all, agreed within the step (distributedStep), before its update
        if (stop && !comm) break;
        const idx = order.subarray(b * this.batchSize, Math.min(n, (b + 1) * this.batchSize));
        const s0 = performance.now();
        ctx.where = `epoch ${epoch + 1}, batch ${b + 1}`;
        let loss: number;
        let timeUpHere = false;
        if (comm) {
          let stopAll: boolean;
          const run = () => this.distributedStep(data, idx, ctx, comm, sync!, deadline, stop);
          ({ loss, timeUp: timeUpHere, stop: stopAll } = model.tidySteps ? tidy(run) : run());
          if (stopAll) {
            stop = true;
            break;
          }
        } else if (model.tidySteps) {
          // the batch's tensors too: `take` makes them for this step (see TrainData)
          loss = tidy(() => this.plainStep(data.take(idx), ctx));
        } else loss = this.step(data.take(idx), ctx);
        stepMs += performance.now() - s0;
        stepSamples += idx.length;
        lossSum += loss * idx.length;
        seen += idx.length;
        for (const cb of callbacks) await cb.onBatchEnd?.(b, { loss, batch: b, epoch, size: idx.length });
        await yieldToEventLoop();
        if (comm ? timeUpHere : performance.now() > deadline) {
          timeUp = true;
          break;
        }
      }
      // an epoch cut short by a callback has no epoch-end logs
      if (stop) break;
      if (o.checkNumerics === 'epoch' && !Number.isFinite(noGrad(() => sum(params.values).item()))) {
        const err = divergence({ params, what: 'a parameter is not finite', where: `epoch ${epoch + 1}`, clipped: o.clipNorm !== undefined });
        throw comm ? onAllRanks(err) : err;
      }
      const logs: Logs = { epoch, loss: lossSum / seen, seconds: (performance.now() - e0) / 1000, lr: o.optimizer.lr };
      if (o.countKey) logs[o.countKey] = seen;
      for (const [k, [s, w]] of sums) logs[k] = s / w;
      if (o.validate) Object.assign(logs, o.validate(epoch));
      history.bestEpoch = epoch;
      if (o.select) {
        const v = logs[o.select.key]!;
        if (best === null || (o.select.higher ? v > best.value : v < best.value)) {
          best = { value: v, weights: params.values.data(), epoch };
          await o.select.onBest?.(epoch, logs);
        }
        history.bestEpoch = best.epoch;
      }
      if (o.clock) {
        logs['elapsed'] = (performance.now() - t0) / 1000;
        const cpu = cpu0 && cpuUsage(cpu0);
        if (cpu) logs['cpu_elapsed'] = (cpu.user + cpu.system) / 1e6;
      }
      history.epochs.push(logs);
      for (const cb of callbacks) if ((await cb.onEpochEnd?.(epoch, logs)) === 'stop') stop = true;
      if (timeUp) stop = true;
    }
    if (best) {
      history.bestEpoch = best.epoch;
      const w = best.weights;
      noGrad(() => params.backend.assign(params.values, { storage: params.backend.write(w), shape: params.values.shape, dtype: params.values.dtype }));
    }
    history.seconds = (performance.now() - t0) / 1000;
    history.samplesPerSecond = stepSamples / (stepMs / 1000);
    for (const cb of callbacks) await cb.onTrainEnd?.(history);
    return history;
  }
}

/** backward's options for a run's gradient sync, one frozen object per sync: backward checks a frozen
 *  options object once, not on every batch (issue 22). */
const syncOptions = new WeakMap<GradientSync, { readonly onLeafGrad: GradientSync['onLeafGrad'] }>();
function backwardOptionsOf(sync: GradientSync): { readonly onLeafGrad: GradientSync['onLeafGrad'] } {
  let o = syncOptions.get(sync);
  if (!o) syncOptions.set(sync, (o = Object.freeze({ onLeafGrad: sync.onLeafGrad })));
  return o;
}
