import { RnnError } from '@rnn/core';
import type { BatchOutput } from './engine.js';
import type { ServeMetrics } from './metrics.js';

/** One request's rows: `[rows, time, features]` floats, or `[rows, time]` ids (`features` 0). */
export interface Rows {
  data: Float32Array | Int32Array;
  rows: number;
  time: number;
  features: number;
}

export interface Answer {
  data: Float32Array;
  shape: number[];
}

interface Job extends Rows {
  resolve: (a: Answer) => void;
  reject: (e: Error) => void;
  arrived: number;
}

/** The queue is at its bound: the request is refused (503) rather than left to wait without limit. */
export class QueueFullError extends RnnError {
  constructor(message: string) {
    super('E_BUSY', message);
  }
}

export interface BatcherOptions {
  /** Rows per forward pass at most (a single larger request still runs, alone). */
  maxBatch: number;
  /** How long the oldest request may wait for others before its batch runs anyway. */
  maxDelayMs: number;
  /** Requests that may wait at once; the next one is refused. */
  maxQueue: number;
  /**
   * Whether rows of different lengths may share a batch, padded and given `lengths` (true for
   * models of recurrent, dense, embedding and dropout layers, whose output for a row then equals
   * the row's alone); otherwise only requests of equal length are merged.
   */
  mixLengths: boolean;
  run(data: Float32Array | Int32Array, shape: number[], lengths: number[] | null): Promise<BatchOutput>;
  metrics: ServeMetrics;
}

/**
 * Micro-batching: requests queue here; whenever the worker is free, the oldest request and those
 * after it that fit (up to `maxBatch` rows) run as one forward pass, as soon as the batch is full
 * or the oldest has waited `maxDelayMs`. Each request gets back exactly its own rows.
 */
export class Batcher {
  private queue: Job[] = [];
  private busy = false;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  /** Set while the deferred pump runs: the requests that could join have joined, so the batch goes. */
  private settled = false;
  private idle: (() => void)[] = [];

  constructor(private readonly o: BatcherOptions) {}

  get depth(): number {
    return this.queue.length;
  }

  submit(rows: Rows): Promise<Answer> {
    if (this.queue.length >= this.o.maxQueue) {
      return Promise.reject(new QueueFullError(`server busy: ${this.queue.length} requests are queued (the bound set by --max-queue); retry later`));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ ...rows, resolve, reject, arrived: performance.now() });
      this.o.metrics.queued.value = this.queue.length;
      this.pump();
    });
  }

  /** Resolves once nothing is queued or computing (for a graceful stop). */
  drained(): Promise<void> {
    if (!this.busy && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idle.push(r));
  }

  private queuedRows(): number {
    let n = 0;
    for (const j of this.queue) n += j.rows;
    return n;
  }

  private pump(): void {
    if (this.busy || this.queue.length === 0) {
      if (!this.busy) for (const r of this.idle.splice(0)) r();
      return;
    }
    if (this.queuedRows() < this.o.maxBatch && !this.settled) {
      const waited = performance.now() - this.queue[0]!.arrived;
      if (waited < this.o.maxDelayMs) {
        this.timer ??= setTimeout(() => {
          this.timer = null;
          this.pump();
        }, this.o.maxDelayMs - waited);
        return;
      }
      // Due, but not full: first let the requests that have already arrived join. Node reads every
      // socket that is ready in one turn of its event loop, and setImmediate runs after that turn;
      // without this the first request of each burst would leave alone, the rest one pass later.
      this.immediate ??= setImmediate(() => {
        this.immediate = null;
        this.settled = true;
        try {
          this.pump();
        } finally {
          this.settled = false;
        }
      });
      return;
    }
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch = this.take();
    this.o.metrics.queued.value = this.queue.length;
    this.busy = true;
    this.runBatch(batch).finally(() => {
      this.busy = false;
      this.pump();
    });
  }

  /** The oldest job and the later ones that fit beside it. */
  private take(): Job[] {
    const first = this.queue.shift()!;
    const batch = [first];
    let rows = first.rows;
    for (let i = 0; i < this.queue.length && rows < this.o.maxBatch; ) {
      const j = this.queue[i]!;
      if (rows + j.rows <= this.o.maxBatch && (this.o.mixLengths || j.time === first.time)) {
        batch.push(j);
        rows += j.rows;
        this.queue.splice(i, 1);
      } else i++;
    }
    return batch;
  }

  private async runBatch(batch: Job[]): Promise<void> {
    const B = batch.reduce((n, j) => n + j.rows, 0);
    const T = Math.max(...batch.map((j) => j.time));
    const F = batch[0]!.features;
    const step = Math.max(F, 1);
    const ids = batch[0]!.data instanceof Int32Array;
    // padded steps are zeros (id 0 for token ids); `lengths` keeps them out of every row's result
    const data = ids ? new Int32Array(B * T) : new Float32Array(B * T * F);
    const lengths: number[] = [];
    let row = 0;
    for (const j of batch) {
      for (let r = 0; r < j.rows; r++, row++) {
        data.set(j.data.subarray(r * j.time * step, (r + 1) * j.time * step), row * T * step);
        lengths.push(j.time);
      }
    }
    const mixed = lengths.some((l) => l !== T);
    this.o.metrics.batchRows.observe(B);
    this.o.metrics.batchRequests.observe(batch.length);
    let out: BatchOutput;
    try {
      out = await this.o.run(data, ids ? [B, T] : [B, T, F], mixed ? lengths : null);
    } catch (err) {
      for (const j of batch) j.reject(err as Error);
      return;
    }
    this.o.metrics.inference.observe(out.seconds);
    // [B, T', W] per step (T' = T for every mixable model) or [B, W]
    const perStep = out.shape.length === 3;
    const Tout = perStep ? out.shape[1]! : 1;
    const W = out.shape[out.shape.length - 1]!;
    row = 0;
    for (const j of batch) {
      const steps = perStep ? (mixed ? j.time : Tout) : 1;
      const part = new Float32Array(j.rows * steps * W);
      for (let r = 0; r < j.rows; r++, row++) part.set(out.data.subarray(row * Tout * W, row * Tout * W + steps * W), r * steps * W);
      j.resolve({ data: part, shape: perStep ? [j.rows, steps, W] : [j.rows, W] });
    }
  }
}
