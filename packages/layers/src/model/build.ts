import { ConfigError, type LayerConfig, type ModelConfig } from '@rnn/core';
import { Dense } from '../layers/dense.js';
import { Embedding } from '../layers/embedding.js';
import type { Layer } from '../layers/layer.js';
import { gru, lstm, simpleRNN } from '../layers/recurrent.js';

/** The layer for one model-file layer config. */
export function layerFromConfig(c: LayerConfig): Layer {
  switch (c.type) {
    case 'lstm':
      return lstm({ ...c, returnSequences: c.returnSequences });
    case 'gru':
      return gru({ ...c, returnSequences: c.returnSequences });
    case 'rnn':
      return simpleRNN({ ...c, returnSequences: c.returnSequences, nonlinearity: c.nonlinearity });
    case 'dense':
      return new Dense({ name: c.name, units: c.units, activation: c.activation });
    case 'embedding':
      return new Embedding({ name: c.name, numEmbeddings: c.numEmbeddings, embeddingDim: c.embeddingDim });
    default:
      throw new ConfigError(`unknown layer type '${(c as { type: string }).type}'`);
  }
}

/** The model-file config of a stack of layers (layers without weights, like dropout, are left out). */
export function configOf(layers: readonly Layer[], inputSize: number | undefined): ModelConfig {
  const list = layers.map((l) => l.config()).filter((c): c is LayerConfig => c !== null);
  const dropped = layers.filter((l) => l.config() === null && l.type !== 'dropout');
  if (dropped.length) {
    throw new ConfigError(
      `layer '${dropped[0]!.name}' (${dropped[0]!.type}) has no model-file form; ` +
        'custom cells can be trained and checkpointed but not saved in the portable model file',
    );
  }
  return { ...(inputSize !== undefined && list[0]?.type !== 'embedding' ? { inputSize } : {}), layers: list } as ModelConfig;
}
