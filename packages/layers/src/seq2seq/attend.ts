import { add, attention, concat, linear, reshape, slice, tanh, transpose, type Tensor } from '@rnn/core';
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
  if (mem.folded) return attendFolded(net, h, mem, mem.folded.outH);
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

/**
 * The memory as decoding steps read it, projected once per decode call rather than once per step
 * and beam (every product is linear in h_s, so this is the same math, reassociated):
 *
 *   luong keys:  k'_s = W_aᵀ h_s, so score = (W_a h_t) · h_s = h_t · k'_s (no query projection)
 *   values:      v'_s = W_c[:, :De] h_s, so Σ_s a_s v'_s = W_c[:, :De] c_t, h̃'s context half
 *
 * A step then costs h_t · k' over Ts (Hd wide, not De), and W_c[:, De:] h_t for h̃'s other half.
 */
export function foldMemory(net: Net, mem: Memory): Memory {
  const { params, sizes } = net;
  if (sizes.attention === 'none' || mem.folded) return mem;
  const [B, Ts, De] = mem.values.shape as [number, number, number];
  const Hd = sizes.decoder.hiddenSize;
  const wOut = params.get('attention.linear_out.weight'); // [Hd, De + Hd]: [context; h]
  const outC = slice(wOut, [0, 0], [Hd, De]);
  const outH = slice(wOut, [0, De], [Hd, Hd]);
  const flat = reshape(mem.values, [B * Ts, De]);
  const values = reshape(linear(flat, outC, null), [B, Ts, Hd]);
  const keys = sizes.attention === 'luong' ? reshape(linear(flat, transpose(params.get('attention.linear_in.weight')), null), [B, Ts, Hd]) : mem.keys;
  return { values, keys, lengths: mem.lengths, folded: { outH } };
}

function attendFolded(net: Net, h: Tensor, mem: Memory, outH: Tensor): Attended {
  const { params, sizes } = net;
  const { context, weights } =
    sizes.attention === 'luong'
      ? attention({ query: h, keys: mem.keys, values: mem.values, lengths: lengthsArg(mem.lengths), score: 'dot' })
      : attention({
          query: linear(h, params.get('attention.linear_query.weight'), params.get('attention.linear_query.bias')),
          keys: mem.keys,
          values: mem.values,
          lengths: lengthsArg(mem.lengths),
          score: 'additive',
          v: params.get('attention.v'),
        });
  return { out: tanh(add(context, linear(h, outH, null))), weights };
}
