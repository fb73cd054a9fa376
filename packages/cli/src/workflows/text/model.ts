import { dense, embedding, sequential, type Sequential } from '@rnn/layers';
import { recurrent, type CellName } from '../cells.js';

export interface TextModelOptions {
  vocab: number;
  embedding: number;
  cell: CellName;
  hidden: number;
  layers: number;
  seed: number;
}

/** embedding → recurrent (every step) → dense logits over the vocabulary. */
export function textModel(o: TextModelOptions): Sequential {
  const cell = recurrent(o.cell, { hiddenSize: o.hidden, numLayers: o.layers, returnSequences: true });
  return sequential([embedding({ name: 'emb', numEmbeddings: o.vocab, embeddingDim: o.embedding }), cell, dense({ name: 'fc', units: o.vocab })]).build({ seed: o.seed });
}
