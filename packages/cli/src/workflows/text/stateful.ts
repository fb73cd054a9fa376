import { Rng, ValueError, keep, noGrad, tensor, type Tensor } from '@rnn/core';
import { Recurrent, type RecurrentState, type Sequential, type SequenceBatch, type StepContext, type TrainData, type TrainableModel } from '@rnn/layers';

/**
 * Stateful truncated backpropagation through time (char-rnn's way of training on one long text).
 *
 * The training text is cut into `batch` contiguous streams, one per batch row; batch w holds
 * window w (`seqLen` characters) of every stream, so row s of batch w+1 continues row s of batch
 * w. The recurrent state each row ends a batch with (h, and c for an LSTM) starts the next batch,
 * detached: gradients stop at the window's edge, but the network reads on with its memory of
 * everything before, instead of starting every window from zeros knowing nothing.
 */

/** Stream rows: row `w·B + s` is window w of stream s, and its targets the next characters. */
export interface Streams {
  x: Int32Array;
  y: Int32Array;
  /** Windows per stream: batches per epoch. */
  windows: number;
  /** Characters each stream reads (`windows · seqLen` of them are trained on). */
  streamLength: number;
}

/**
 * Lay `ids` out as `batch` streams of `floor((n - 1) / batch)` characters (the last character
 * only as a target), each cut into windows of `seqLen`; a stream's tail shorter than a window
 * is dropped.
 */
export function streams(ids: Int32Array, batch: number, seqLen: number): Streams {
  const L = Math.floor((ids.length - 1) / batch);
  const W = Math.floor(L / seqLen);
  if (W < 1) {
    throw new ValueError(
      `--stateful: the training text (${ids.length} characters) cut into --batch-size ${batch} streams gives ${L} characters each, ` +
        `fewer than one --seq-len ${seqLen} window; use a smaller --batch-size or --seq-len (or drop --stateful)`,
    );
  }
  const x = new Int32Array(W * batch * seqLen);
  const y = new Int32Array(W * batch * seqLen);
  for (let w = 0; w < W; w++) {
    for (let s = 0; s < batch; s++) {
      const from = s * L + w * seqLen;
      const at = (w * batch + s) * seqLen;
      x.set(ids.subarray(from, from + seqLen), at);
      y.set(ids.subarray(from + 1, from + seqLen + 1), at);
    }
  }
  return { x, y, windows: W, streamLength: L };
}

/** One batch: window `window` of every stream. */
export interface StreamBatch extends SequenceBatch {
  window: number;
}

/**
 * The trainer's data over `streams`: it must be read in order (`shuffle: false`) with
 * `batchSize` = the stream count, so that batch w is exactly window w of every stream.
 */
export function streamData(st: Streams, batch: number, seqLen: number, backend: Tensor['backend']): TrainData<StreamBatch> {
  return {
    size: st.windows * batch,
    take(idx) {
      const first = idx[0]!;
      if (idx.length !== batch || first % batch !== 0 || idx[batch - 1] !== first + batch - 1) {
        throw new Error(`stateful training reads whole windows in order; asked for rows ${first}… (${idx.length}); train with shuffle: false and batchSize ${batch}`);
      }
      const span = (a: Int32Array) => tensor(a.subarray(first * seqLen, (first + batch) * seqLen), [batch, seqLen], { dtype: 'int32', backend });
      return { x: span(st.x), y: span(st.y), lengths: null, window: first / batch };
    },
  };
}

/** A detached copy: a new leaf holding the values, with no path back into the last window's graph. */
function detached(t: Tensor): Tensor {
  return tensor(t.data(), t.shape, { dtype: t.dtype, backend: t.backend });
}

/**
 * A `Sequential` (embedding → one recurrent layer → dense) trained with carried state. The state
 * is carried only from window w to window w+1; any other batch (the first of an epoch, the first
 * after a resume without a saved state) starts from zeros.
 */
export class StatefulModel implements TrainableModel<StreamBatch> {
  private readonly rec: Recurrent;
  /** The state the next window starts from, and which window that is. */
  carried: { state: RecurrentState; next: number } | null = null;

  constructor(readonly model: Sequential) {
    const recs = model.layers.filter((l) => l instanceof Recurrent);
    if (recs.length !== 1) throw new Error(`stateful training needs exactly one recurrent layer, the model has ${recs.length}`);
    this.rec = recs[0] as Recurrent;
  }

  get params() {
    return this.model.params;
  }

  /**
   * Steps in the Trainer's tidy scope as the model's own (Sequential.tidySteps: no new buffers per
   * step); the carried state is kept out of it, and freed once a later step no longer reads it.
   */
  get tidySteps(): boolean {
    return this.model.tidySteps;
  }

  /** Carried states already replaced, freed at the next step (the step that read one may still run its backward). */
  private replaced: RecurrentState | null = null;

  loss(batch: StreamBatch, ctx: StepContext): Tensor {
    const params = this.model.params!;
    if (this.replaced) {
      this.replaced.h.dispose();
      this.replaced.c?.dispose();
      this.replaced = null;
    }
    const init = this.carried && this.carried.next === batch.window ? this.carried.state : undefined;
    const call = { training: true, lengths: null, rng: ctx.rng, param: (name: string) => params.get(name) };
    let h = batch.x;
    for (const l of this.model.layers) h = l === this.rec ? this.rec.call(h, call, init) : l.call(h, call);
    const s = this.rec.lastState!;
    this.replaced = this.carried?.state ?? null;
    this.carried = { state: { h: keep(detached(s.h)), ...(s.c ? { c: keep(detached(s.c)) } : {}) }, next: batch.window + 1 };
    return this.model.training.loss(h, batch.y);
  }

  predict(input: never): unknown {
    return this.model.predict(input);
  }

  config(): unknown {
    return this.model.config();
  }

  save(path: string): Promise<void> {
    return this.model.save(path);
  }

  describeParameter(name: string, k: number): string {
    return this.model.describeParameter(name, k);
  }

  batchTensors(batch: StreamBatch): Record<string, Tensor> {
    return { x: batch.x, y: batch.y };
  }

  /** The carried state as text, for a checkpoint: a resume mid-epoch continues exactly. */
  saveState(): string | null {
    const c = this.carried;
    if (!c) return null;
    const enc = (t: Tensor) => ({ shape: t.shape, data: Buffer.from(Float32Array.from(t.data()).buffer).toString('base64') });
    return JSON.stringify({ next: c.next, h: enc(c.state.h), ...(c.state.c ? { c: enc(c.state.c) } : {}) });
  }

  restoreState(saved: string | null): void {
    if (saved === null) {
      this.carried = null;
      return;
    }
    const o = JSON.parse(saved) as { next: number; h: { shape: number[]; data: string }; c?: { shape: number[]; data: string } };
    const params = this.model.params!;
    const dec = (e: { shape: number[]; data: string }) => {
      const b = Buffer.from(e.data, 'base64');
      const f = new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      return tensor(params.values.dtype === 'float32' ? f : Float64Array.from(f), e.shape, { dtype: params.values.dtype, backend: params.backend });
    };
    this.carried = { next: o.next, state: { h: dec(o.h), ...(o.c ? { c: dec(o.c) } : {}) } };
  }
}

/**
 * The loss per character of `ids` read as `batch` contiguous streams, each window starting from
 * the state the one before it ended with (no gradients) — the text as `--stateful` training reads
 * it, and as char-rnn measures its validation loss. Every character but each stream's first is
 * predicted; the streams' tails shorter than a window are not scored.
 */
export function carriedLoss(model: Sequential, ids: Int32Array, batch: number, seqLen: number): { loss: number; scored: number } {
  const st = streams(ids, batch, seqLen);
  const rec = model.layers.find((l) => l instanceof Recurrent) as Recurrent | undefined;
  if (!rec) throw new Error('carriedLoss: the model has no recurrent layer');
  const params = model.params!;
  const backend = params.backend;
  return noGrad(() => {
    let state: RecurrentState | undefined;
    let sum = 0;
    const ctx = { training: false, lengths: null, rng: new Rng(0), param: (name: string) => params.get(name) };
    for (let w = 0; w < st.windows; w++) {
      const span = (a: Int32Array) => tensor(a.subarray(w * batch * seqLen, (w + 1) * batch * seqLen), [batch, seqLen], { dtype: 'int32', backend });
      let h = span(st.x);
      for (const l of model.layers) h = l === rec ? rec.call(h, ctx, state) : l.call(h, ctx);
      state = rec.lastState!;
      sum += model.training.loss(h, span(st.y)).item();
    }
    return { loss: sum / st.windows, scored: st.windows * batch * seqLen };
  });
}
