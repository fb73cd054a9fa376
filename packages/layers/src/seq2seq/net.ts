import { tensor, type Cell, type ParameterSet, type Rng, type Tensor } from '@rnn/core';
import { dropoutMul } from '../layers/dropout.js';
import type { Seq2SeqSizes } from './config.js';

/** What the encoder, the decoder and the decoding loops read of a `Seq2Seq`. */
export interface Net {
  readonly sizes: Seq2SeqSizes;
  readonly params: ParameterSet;
  readonly encoderCell: Cell;
  readonly decoderCell: Cell;
}

/** Inverted dropout, or the identity (inference, or rate 0). */
export type Drop = (x: Tensor) => Tensor;

export const noDrop: Drop = (x) => x;

export function dropper(rate: number, rng: Rng | null): Drop {
  if (!rng || rate === 0) return noDrop;
  return (x) => dropoutMul(x, rate, rng);
}

/** Int32 ids as a tensor of `shape` on the model's backend. */
export function idTensor(net: Net, ids: Int32Array, shape: number[]): Tensor {
  return tensor(ids, shape, { dtype: 'int32', backend: net.params.backend });
}

/**
 * The encoder's output as the decoder attends to it: `values` `[B, Ts, De]` (zeros past each
 * row's length), `keys` (luong: the values; bahdanau: `U·values`, projected once per batch, not
 * once per decoder step) and the valid lengths.
 */
export interface Memory {
  values: Tensor;
  keys: Tensor;
  lengths: Int32Array;
  /** Set by `foldMemory` (decoding): keys and values already carry the attention's projections. */
  folded?: { outH: Tensor } | undefined;
}

/** One LSTM carry `[h, c]` (`[R, Hd]` each) per decoder layer. */
export type DecoderCarry = Tensor[][];

/** Lengths for `recurrence`/`attention`, whose schema takes an Int32Array though its type says `readonly number[]`. */
export function lengthsArg(l: Int32Array): readonly number[] {
  return l as unknown as readonly number[];
}
