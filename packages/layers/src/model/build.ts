import { ConfigError, type LayerConfig, type ModelConfig } from '@rnn/core';
import { sequenceCell } from '../cells/registry.js';
import { Conv1d } from '../layers/conv1d.js';
import { Dense } from '../layers/dense.js';
import { Embedding } from '../layers/embedding.js';
import type { Layer } from '../layers/layer.js';
import { Recurrent } from '../layers/recurrent.js';

/** The layer for one model-file layer config; recurrent layers get their cell from the registry. */
export function layerFromConfig(c: LayerConfig): Layer {
  switch (c.type) {
    case 'lstm':
    case 'gru':
    case 'rnn':
    case 'custom': {
      const where = `layer '${c.name}'`;
      const cell =
        c.type === 'custom'
          ? sequenceCell(c.cell, { ...c.options, hiddenSize: c.hiddenSize, ...(c.outputSize !== undefined ? { outputSize: c.outputSize } : {}) }, where)
          : sequenceCell(c.type, { hiddenSize: c.hiddenSize, ...(c.type === 'rnn' ? { nonlinearity: c.nonlinearity } : {}) }, where);
      return new Recurrent(cell, { name: c.name, numLayers: c.numLayers, bidirectional: c.bidirectional, returnSequences: c.returnSequences });
    }
    case 'dense':
      return new Dense({ name: c.name, units: c.units, activation: c.activation });
    case 'embedding':
      return new Embedding({ name: c.name, numEmbeddings: c.numEmbeddings, embeddingDim: c.embeddingDim });
    case 'conv1d':
      return new Conv1d({ name: c.name, outChannels: c.outChannels, kernelSize: c.kernelSize, padding: c.padding, activation: c.activation });
    case 'tagger':
      throw new ConfigError(`layer '${c.name}' is a tagger, a whole model of its own: load the file with Tagger.load (or rnn … --tagging), not as a Sequential`);
    default:
      throw new ConfigError(`unknown layer type '${(c as { type: string }).type}'`);
  }
}

/** The model-file config of a stack of layers (layers without weights, like dropout, are left out). */
export function configOf(layers: readonly Layer[], inputSize: number | undefined): ModelConfig {
  const list = layers.map((l) => l.config()).filter((c): c is LayerConfig => c !== null);
  const dropped = layers.filter((l) => l.config() === null && l.type !== 'dropout');
  if (dropped.length) {
    const l = dropped[0]!;
    throw new ConfigError(
      `layer '${l.name}' (${l.type}) has no model-file form: its cell kind '${l.type}' is not registered; ` +
        `call registerCell('${l.type}', (config) => new YourCell(config.hiddenSize, …)) where the cell is defined, ` +
        'so that save can name it and load can build it (or save the weights alone with saveWeights)',
    );
  }
  return { ...(inputSize !== undefined && list[0]?.type !== 'embedding' ? { inputSize } : {}), layers: list } as ModelConfig;
}
