import { dense, dropout, embedding, sequential, type Layer, type Sequential } from '@rnn/layers';
import { recurrent, type CellName } from '../cells.js';

export interface TextModelOptions {
  vocab: number;
  embedding: number;
  cell: CellName;
  hidden: number;
  layers: number;
  seed: number;
  /** Dropout on the character vectors and on the recurrent layer's output (0: none). */
  dropout?: number;
}

/**
 * embedding → recurrent (every step) → dense logits over the vocabulary; with `dropout`, a dropout
 * layer after the embedding and one before the dense layer (the non-recurrent connections, as
 * Zaremba et al. regularise an LSTM language model). The recurrent layer stays one layer, so
 * `--stateful` and the carried-state validation read its state as before. Dropout layers are not
 * part of the model file: a saved model is the same network without them (they do nothing at
 * inference).
 */
export function textModel(o: TextModelOptions): Sequential {
  const cell = recurrent(o.cell, { hiddenSize: o.hidden, numLayers: o.layers, returnSequences: true });
  const rate = o.dropout ?? 0;
  const layers: Layer[] =
    rate > 0
      ? [embedding({ name: 'emb', numEmbeddings: o.vocab, embeddingDim: o.embedding }), dropout({ rate, name: 'drop_in' }), cell, dropout({ rate, name: 'drop_out' }), dense({ name: 'fc', units: o.vocab })]
      : [embedding({ name: 'emb', numEmbeddings: o.vocab, embeddingDim: o.embedding }), cell, dense({ name: 'fc', units: o.vocab })];
  return sequential(layers).build({ seed: o.seed });
}
