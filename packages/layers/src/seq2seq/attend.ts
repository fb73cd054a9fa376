import { attention, concat, linear, tanh, type Tensor } from '@rnn/core';
import { lengthsArg, type Memory, type Net } from './net.js';

export interface Attended {
  /** The attentional state h̃ `[B, Tq, Hd]` (with attention 'none': the decoder's h itself). */
  out: Tensor;
  /** `[B, Tq, Ts]`, or null without attention. */
  weights: Tensor | null;
}

/**
 * Attention for decoder states `h` `[B, Tq, Hd]` (Tq = the whole target in teacher forcing, 1 when
 * decoding), one core `attention` call:
 *
 *   luong (general):  score(h_t, h_s) = (W_a h_t) · h_s
 *   bahdanau:         score(h_t, h_s) = v · tanh(W_q h_t + b_q + U h_s)   (U h_s precomputed in Memory.keys)
 *   both:             c_t = Σ_s softmax(score)_s h_s,   h̃_t = tanh(W_c [c_t; h_t])
 *
 * Padded source steps get weight exactly 0. Bahdanau's score is computed from the current h_t
 * (as OpenNMT's 'mlp' attention, Luong's data flow) rather than from h_{t-1}, so it runs batched
 * over the whole target too.
 */
export function attend(net: Net, h: Tensor, mem: Memory): Attended {
  const { params, sizes } = net;
  if (sizes.attention === 'none') return { out: h, weights: null };
  const { context, weights } =
    sizes.attention === 'luong'
      ? attention({ query: linear(h, params.get('attention.linear_in.weight'), null), keys: mem.keys, values: mem.values, lengths: lengthsArg(mem.lengths), score: 'dot' })
      : attention({
          query: linear(h, params.get('attention.linear_query.weight'), params.get('attention.linear_query.bias')),
          keys: mem.keys,
          values: mem.values,
          lengths: lengthsArg(mem.lengths),
          score: 'additive',
          v: params.get('attention.v'),
        });
  const out = tanh(linear(concat([context, h], 2), params.get('attention.linear_out.weight'), null));
  return { out, weights };
}
