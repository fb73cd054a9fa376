import { z } from 'zod';
import { parseOptions } from '@rnn/core';
import { Conv1d, Dense, Dropout, Embedding, Recurrent, type Sequential } from '@rnn/layers';
import { NotExportableError } from './errors.js';
import { Graph } from './graph.js';
import { DataType, encodeModel, type Dim } from './proto.js';
import { recurrentNodes } from './recurrent.js';

/** Opset 17 (ONNX 1.12): every operator used here, and what Debian's python3-onnx checks. */
export const ONNX_OPSET = 17;
const IR_VERSION = 8;

const exportOptions = z.strictObject({
  /** Add a second input `sequence_lens` (int32 `[batch]`, valid steps per row) fed to every recurrent node. */
  sequenceLens: z.boolean().optional(),
  /** Written into the model's `producer_version`. */
  producerVersion: z.string().optional(),
});
export type OnnxExportOptions = z.infer<typeof exportOptions>;

/** Where a value sits: batch-first `[B, T, F]`, time-major `[T, B, F]` (what ONNX's RNN ops read), or `[B, F]`. */
type Layout = 'bt' | 'tb' | 'v';

const PERM: Record<string, number[]> = { 'bt>tb': [1, 0, 2], 'tb>bt': [1, 0, 2] };

/**
 * The ONNX model (opset 17) of a `Sequential`: input `x` float32 `[batch, time, features]` (int64
 * token ids `[batch, time]` when the first layer is an embedding), output `y`; batch and time are dynamic axes. Recurrent layers become
 * ONNX RNN/LSTM/GRU nodes with the gates reordered from PyTorch's layout; dropout is left out (it
 * is the identity at inference). Throws NotExportableError for a layer ONNX cannot express.
 */
export function exportOnnx(model: Sequential, options: OnnxExportOptions = {}): Uint8Array {
  const o = parseOptions(exportOptions, options, 'exportOnnx');
  if (!model.params) throw new NotExportableError('exportOnnx: the model has no weights yet (build or train it first)');
  const host = model.params.toHost();
  const g = new Graph(host as Map<string, ArrayLike<number>>);
  const first = model.layers[0]!;
  const ids = first instanceof Embedding;
  if (o.sequenceLens && !model.layers.some((l) => l instanceof Recurrent)) {
    throw new NotExportableError('sequence_lens needs a recurrent layer to pass the lengths to; this model has none (drop --sequence-lens, or the sequenceLens option)');
  }
  const lens = o.sequenceLens ? 'sequence_lens' : null;

  let cur = 'x';
  // the contract's input is a sequence [batch, time, features] even for a model of dense layers only
  let layout: Layout = 'bt';
  let features = ids ? 0 : model.inputSize!;
  let time: Dim = 'time';
  const to = (want: Layout) => {
    if (layout === want) return;
    cur = g.op('Transpose', [cur], { perm: PERM[`${layout}>${want}`]! });
    layout = want;
  };

  for (const layer of model.layers) {
    if (layer instanceof Dropout) continue;
    if (layer instanceof Embedding) {
      cur = g.op('Gather', [g.floats(`${layer.name}.weight`, [layer.numEmbeddings, layer.embeddingDim], g.weight(`${layer.name}.weight`)), cur], { axis: 0 });
      features = layer.embeddingDim;
    } else if (layer instanceof Recurrent) {
      to('tb');
      const r = recurrentNodes(g, layer, cur, features, lens);
      cur = r.out;
      layout = r.sequence ? 'tb' : 'v';
      features = layer.directions * layer.hiddenSize;
    } else if (layer instanceof Dense) {
      // acts on the last axis whatever the layout: x Wᵀ + b
      const wt = transpose2d(g.weight(`${layer.name}.weight`), layer.units, features);
      const mm = g.op('MatMul', [cur, g.floats(`${layer.name}.weight_t`, [features, layer.units], wt)], {});
      cur = g.op('Add', [mm, g.floats(`${layer.name}.bias`, [layer.units], g.weight(`${layer.name}.bias`))], {});
      if (layer.activation === 'softmax') cur = g.op('Softmax', [cur], { axis: -1 });
      else if (layer.activation !== 'linear') cur = g.op({ tanh: 'Tanh', relu: 'Relu', sigmoid: 'Sigmoid' }[layer.activation], [cur], {});
      features = layer.units;
    } else if (layer instanceof Conv1d) {
      // ONNX Conv reads [batch, channels, time]
      const perm = layout === 'tb' ? [1, 2, 0] : [0, 2, 1];
      const ncw = g.op('Transpose', [cur], { perm });
      const w = g.floats(`${layer.name}.weight`, [layer.outChannels, features, layer.kernelSize], g.weight(`${layer.name}.weight`));
      const b = g.floats(`${layer.name}.bias`, [layer.outChannels], g.weight(`${layer.name}.bias`));
      const conv = g.op('Conv', [ncw, w, b], { kernel_shape: [layer.kernelSize], pads: [layer.padding, layer.padding] });
      cur = g.op('Transpose', [conv], { perm: [0, 2, 1] });
      layout = 'bt';
      if (layer.activation !== 'linear') cur = g.op(layer.activation === 'tanh' ? 'Tanh' : 'Relu', [cur], {});
      if (2 * layer.padding !== layer.kernelSize - 1) time = 'time_out';
      features = layer.outChannels;
    } else {
      throw new NotExportableError(`layer '${layer.name}' (${layer.type}) has no ONNX form here; exportable layers: rnn, lstm, gru, dense, embedding, dropout, conv1d`);
    }
  }
  if (layout === 'tb') to('bt');
  g.op('Identity', [cur], {}, 'y');

  const inputs = [
    ids
      ? { name: 'x', elemType: DataType.INT64, dims: ['batch', 'time'] as Dim[] }
      : { name: 'x', elemType: DataType.FLOAT, dims: ['batch', 'time', model.inputSize!] as Dim[] },
    ...(lens ? [{ name: lens, elemType: DataType.INT32, dims: ['batch'] as Dim[] }] : []),
  ];
  const outDims: Dim[] = layout === 'v' ? ['batch', features] : ['batch', time, features];
  return encodeModel({
    opset: ONNX_OPSET,
    irVersion: IR_VERSION,
    producerVersion: o.producerVersion ?? '',
    graphName: 'rnn',
    doc: `rnn Sequential: ${model.layers.map((l) => l.type).join(' → ')}`,
    nodes: g.nodes,
    initializers: g.initializers,
    inputs,
    outputs: [{ name: 'y', elemType: DataType.FLOAT, dims: outDims }],
    metadata: { 'rnn.config': JSON.stringify(model.config()), ...model.metadata },
  });
}

function transpose2d(a: ArrayLike<number>, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}
