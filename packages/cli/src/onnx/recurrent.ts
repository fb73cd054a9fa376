import { GRUCell, LSTMCell, SimpleCell, type Recurrent } from '@rnn/layers';
import type { Graph } from './graph.js';
import { NotExportableError } from './errors.js';

/**
 * ONNX's gate blocks in terms of PyTorch's (the model file's) gate blocks.
 * LSTM: PyTorch stacks i, f, g, o; ONNX wants i, o, f, c (c is PyTorch's g).
 * GRU: PyTorch stacks r, z, n; ONNX wants z, r, h — and PyTorch applies the reset gate after the
 * recurrent bias, which is ONNX's `linear_before_reset = 1`.
 */
const GATE_ORDER: Record<string, number[]> = { rnn: [0], lstm: [0, 3, 1, 2], gru: [1, 0, 2] };
const OP: Record<string, string> = { rnn: 'RNN', lstm: 'LSTM', gru: 'GRU' };

/** Reorders the `gates` row blocks (each `rows` rows of `cols`) of a row-major matrix or vector. */
function reorder(data: ArrayLike<number>, order: number[], rows: number, cols: number): Float32Array {
  const out = new Float32Array(order.length * rows * cols);
  const block = rows * cols;
  order.forEach((src, dst) => {
    for (let i = 0; i < block; i++) out[dst * block + i] = data[src * block + i]!;
  });
  return out;
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The layer kind ONNX has an operator for, or a NotExportableError naming the cell. */
export function recurrentKind(layer: Recurrent): 'rnn' | 'lstm' | 'gru' {
  const cell = layer.cell;
  // the exact built-in classes: a subclass may override step(), which the ONNX operator would not follow
  const cls = Object.getPrototypeOf(cell) as object;
  if (cls === LSTMCell.prototype) return 'lstm';
  if (cls === GRUCell.prototype) return 'gru';
  if (cls === SimpleCell.prototype) return 'rnn';
  throw new NotExportableError(
    `layer '${layer.name}' uses the custom cell '${cell.kind}', which has no ONNX operator ` +
      '(ONNX has RNN, LSTM and GRU only); export models built from rnn, lstm and gru layers',
  );
}

/**
 * A recurrent layer as one ONNX RNN/LSTM/GRU node per stacked layer. `x` is time-major
 * `[time, batch, features]` (onnxruntime's CPU kernels do not take `layout = 1`); returns the
 * time-major sequence `[time, batch, D*H]`, or `[batch, D*H]` when the layer returns its final state.
 */
export function recurrentNodes(g: Graph, layer: Recurrent, x: string, inFeatures: number, lens: string | null): { out: string; sequence: boolean } {
  const kind = recurrentKind(layer);
  const H = layer.hiddenSize;
  const D = layer.directions;
  const order = GATE_ORDER[kind]!;
  const G = order.length;
  let input = x;
  let width = inFeatures;
  for (let k = 0; k < layer.numLayers; k++) {
    const dirs = Array.from({ length: D }, (_, d) => `_l${k}${d === 1 ? '_reverse' : ''}`);
    const p = (what: string, s: string) => g.weight(`${layer.name}.${what}${s}`);
    const W = concat(dirs.map((s) => reorder(p('weight_ih', s), order, H, width)));
    const R = concat(dirs.map((s) => reorder(p('weight_hh', s), order, H, H)));
    const B = concat(dirs.flatMap((s) => [reorder(p('bias_ih', s), order, H, 1), reorder(p('bias_hh', s), order, H, 1)]));
    const base = `${layer.name}_l${k}`;
    const attributes: Record<string, number | string | string[]> = { hidden_size: H, direction: D === 2 ? 'bidirectional' : 'forward' };
    if (kind === 'rnn') {
      const act = (layer.cell as SimpleCell).nonlinearity === 'relu' ? 'Relu' : 'Tanh';
      attributes['activations'] = Array(D).fill(act);
    }
    if (kind === 'gru') attributes['linear_before_reset'] = 1;
    const last = k === layer.numLayers - 1;
    const wantY = !last || layer.returnSequences;
    const Y = wantY ? `${base}_Y` : '';
    const Yh = wantY ? '' : `${base}_Y_h`;
    const inputs = [
      input,
      g.floats(`${base}_W`, [D, G * H, width], W),
      g.floats(`${base}_R`, [D, G * H, H], R),
      g.floats(`${base}_B`, [D, 2 * G * H], B),
      ...(lens ? [lens] : []),
    ];
    g.node(OP[kind]!, inputs, Yh ? [Y, Yh] : [Y], attributes, base);
    if (!wantY) {
      // Y_h [D, batch, H] → [batch, D*H]: forward state after the last step, then the backward one after step 0
      if (D === 1) return { out: g.op('Squeeze', [Yh, g.ints(`${base}_axes0`, [0])], {}), sequence: false };
      const t = g.op('Transpose', [Yh], { perm: [1, 0, 2] });
      return { out: g.op('Reshape', [t, g.ints(`${base}_shape_b_dh`, [0, -1])], {}), sequence: false };
    }
    // Y [time, D, batch, H] → [time, batch, D*H], forward features first
    if (D === 1) input = g.op('Squeeze', [Y, g.ints(`${base}_axes1`, [1])], {});
    else {
      const t = g.op('Transpose', [Y], { perm: [0, 2, 1, 3] });
      input = g.op('Reshape', [t, g.ints(`${base}_shape_t_b_dh`, [0, 0, -1])], {});
    }
    width = D * H;
  }
  return { out: input, sequence: true };
}
