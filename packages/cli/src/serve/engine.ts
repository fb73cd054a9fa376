import { Worker } from 'node:worker_threads';
import { RnnError } from '@rnn/core';
import type { PredictMessage, WorkerInit, WorkerReply } from './protocol.js';

export interface BatchOutput {
  data: Float32Array;
  shape: number[];
  seconds: number;
}

/** A forward pass failed inside the worker (the model's own error, or the worker died). */
export class InferenceError extends RnnError {
  constructor(message: string) {
    super('E_INFERENCE', message);
  }
}

/**
 * The inference worker thread, seen from the HTTP thread: `run` posts one batch and resolves with
 * its output. One batch at a time (the batcher waits for the previous one), so requests that
 * arrive meanwhile pile up into the next batch. A worker that dies fails its batch and is
 * replaced.
 */
export class Engine {
  private worker!: Worker;
  private pending = new Map<number, { resolve: (o: BatchOutput) => void; reject: (e: Error) => void }>();
  private nextId = 0;
  private stopping = false;

  private constructor(private readonly init: WorkerInit) {}

  /** Starts the worker and waits until it has loaded the model (or says why it could not). */
  static async start(init: WorkerInit): Promise<Engine> {
    const e = new Engine(init);
    await e.spawn();
    return e;
  }

  private spawn(): Promise<void> {
    // the compiled worker: src/serve and dist/serve are both two folders below the package root
    // no inherited execArgv: a test runner's `--conditions source` would point the worker at .ts files
    const w = new Worker(new URL('../../dist/serve/worker.js', import.meta.url), { workerData: this.init, execArgv: [] });
    this.worker = w;
    return new Promise((resolve, reject) => {
      w.on('message', (m: WorkerReply) => {
        if (m.type === 'ready') return resolve();
        if (m.type === 'fatal') return reject(new RnnError('E_CONFIG', m.message));
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.type === 'result') p.resolve({ data: m.data, shape: m.shape, seconds: m.seconds });
        else p.reject(new InferenceError(m.message));
      });
      w.on('error', (err) => {
        reject(err);
        this.failAll(`the inference worker failed: ${err.message}`);
      });
      w.on('exit', (code) => {
        if (this.stopping || this.worker !== w) return;
        this.failAll(`the inference worker exited (code ${code})`);
        // a replacement for the requests still to come
        this.spawn().catch(() => {});
      });
    });
  }

  private failAll(message: string): void {
    for (const p of this.pending.values()) p.reject(new InferenceError(message));
    this.pending.clear();
  }

  run(data: Float32Array | Int32Array, shape: number[], lengths: number[] | null): Promise<BatchOutput> {
    const id = this.nextId++;
    const msg: PredictMessage = { type: 'predict', id, data, shape, lengths };
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage(msg, [data.buffer as ArrayBuffer]);
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.worker.terminate();
  }
}
