import { ConfigError, Rng, ShapeError, cast, noGrad, slice, type Tensor } from '@rnn/core';
import { Conv1d } from '../layers/conv1d.js';
import { Embedding } from '../layers/embedding.js';
import type { CallContext, LayerTrace } from '../layers/layer.js';
import { Recurrent, type RecurrentState } from '../layers/recurrent.js';
import type { Sequential } from '../model/sequential.js';

/** One chunk's traces: steps `start .. start + steps - 1` of the whole sequence. */
export interface TraceChunk {
  start: number;
  steps: number;
  traces: LayerTrace[];
}

/**
 * Recording for sequences too long to hold every step's internals at once: the model runs over
 * `chunk` steps at a time, each recurrent layer starting from the state the previous chunk left
 * it in, and each chunk's traces go to `onChunk` (write them out, reduce them, drop them) before
 * the next chunk runs. The traces and the output are those of one run over the whole sequence.
 * Unidirectional recurrent layers only (a backward direction reads the future), no conv1d (it
 * reads across chunk edges), and no lengths (every row runs all steps).
 * Returns the model's output after the last step.
 */
export function recordStream(model: Sequential, x: Tensor, chunk: number, onChunk: (c: TraceChunk) => void): Tensor {
  const params = model.params;
  if (!params) throw new ConfigError('recordStream: the model is not built; load a trained model file');
  if (!Number.isInteger(chunk) || chunk < 1) throw new ConfigError(`recordStream: chunk must be a positive integer, found ${chunk}`);
  for (const l of model.layers) {
    if (l instanceof Recurrent && l.bidirectional) throw new ConfigError(`recordStream: layer '${l.name}' is bidirectional; streaming needs every recurrent layer to read forward only (use recordSequential)`);
    if (l instanceof Conv1d) throw new ConfigError(`recordStream: layer '${l.name}' is a conv1d, which reads across chunk edges; use recordSequential`);
  }
  const ids = model.layers[0] instanceof Embedding;
  if (ids ? x.rank !== 2 : x.rank !== 3) throw new ShapeError(`recordStream: expected ${ids ? '[batch, time] token ids' : '[batch, time, features]'}, found ${x.describe()}`);
  const T = x.shape[1]!;
  const states = new Map<Recurrent, RecurrentState>();
  let out: Tensor | null = null;
  return noGrad(() => {
    for (let start = 0; start < T; start += chunk) {
      const steps = Math.min(chunk, T - start);
      const traces: LayerTrace[] = [];
      const ctx: CallContext = { training: false, lengths: null, rng: new Rng(0), param: (n) => params.get(n), record: (t) => traces.push(t) };
      let h = slice(x, ids ? [0, start] : [0, start, 0], ids ? [x.shape[0]!, steps] : [x.shape[0]!, steps, x.shape[2]!]);
      if (ids) h = cast(h, 'int32');
      else if (h.dtype !== params.values.dtype) h = cast(h, params.values.dtype);
      for (const l of model.layers) {
        if (l instanceof Recurrent) {
          h = l.call(h, ctx, states.get(l));
          states.set(l, l.lastState!);
        } else h = l.call(h, ctx);
      }
      out = h;
      onChunk({ start, steps, traces });
    }
    return out!;
  });
}
