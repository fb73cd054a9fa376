import { add, concat, conv1d, gather, initialise, max, mul, reshape, tensor, zeros, type Rng, type Tensor } from '@rnn/core';
import type { LayerParameter } from '../layers/layer.js';
import type { PaddedChars } from './batch.js';

export interface CharEncoderConfig {
  numChars: number;
  embeddingDim: number;
  filters: number;
  kernelSize: number;
}

/**
 * Character features of words (Ma & Hovy 2016): character vectors (`char_embedding.weight
 * [numChars, embeddingDim]`), a convolution over each word's characters zero-padded by
 * ⌊kernelSize/2⌋ on both sides (`char_cnn.weight [filters, embeddingDim, kernelSize]`,
 * `char_cnn.bias`), and the maximum of each filter over the word's positions. Every word of a
 * batch goes through ONE conv1d call (`[words, longest word, embeddingDim]`); masks make each
 * word's result what it would be alone: its padding characters are zero vectors, and conv
 * outputs beyond its own extent never win the max.
 */
export class CharEncoder {
  readonly padding: number;
  constructor(
    readonly c: CharEncoderConfig,
    readonly prefix: string,
  ) {
    this.padding = Math.floor(c.kernelSize / 2);
  }

  parameters(rng: Rng): LayerParameter[] {
    const { numChars, embeddingDim: E, filters: F, kernelSize: K } = this.c;
    const bound = 1 / Math.sqrt(E * K);
    return [
      {
        name: `${this.prefix}char_embedding.weight`,
        shape: [numChars, E],
        init: initialise({ kind: 'normal', std: 1 / Math.sqrt(E) }, [numChars, E], rng),
      },
      { name: `${this.prefix}char_cnn.weight`, shape: [F, E, K], init: initialise({ kind: 'uniform', bound }, [F, E, K], rng) },
      { name: `${this.prefix}char_cnn.bias`, shape: [F], init: initialise({ kind: 'uniform', bound }, [F], rng) },
    ];
  }

  /** `[N, filters]` features of the N real words of a padded batch. */
  words(chars: PaddedChars, param: (name: string) => Tensor): Tensor {
    const w = param(`${this.prefix}char_embedding.weight`);
    const opts = { dtype: w.dtype, backend: w.backend };
    const { L, N } = chars;
    const Lout = chars.outside.length / N;
    const x = mul(gather(w, tensor(chars.ids, [N, L], { dtype: 'int32', backend: w.backend })), tensor(chars.present, [N, L, 1], opts));
    const y = conv1d(x, param(`${this.prefix}char_cnn.weight`), param(`${this.prefix}char_cnn.bias`), { padding: this.padding });
    return reshape(max(add(y, tensor(chars.outside, [N, Lout, 1], opts)), 1), [N, this.c.filters]);
  }

  /** `[B*T, filters]`: `words` laid out on the batch's word slots, zeros on padding slots. */
  forward(chars: PaddedChars, param: (name: string) => Tensor): Tensor {
    const f = this.words(chars, param);
    const withZero = concat([f, zeros([1, this.c.filters], { dtype: f.dtype, backend: f.backend })], 0);
    return gather(withZero, tensor(chars.slots, [chars.slots.length], { dtype: 'int32', backend: f.backend }));
  }
}
