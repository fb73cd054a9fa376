import { concat, gather, linear, recurrence, tanh, zeros, type Tensor } from '@rnn/core';
import type { PaddedSources } from './batch.js';
import { type DecoderCarry, type Drop, type Memory, type Net, idTensor, lengthsArg } from './net.js';

export interface Encoded {
  memory: Memory;
  /** Per encoder layer, the final h (forward state after the last valid step, then backward after step 0): `[B, D*He]`. */
  h: Tensor[];
  /** The same for c (LSTM encoders), else null. */
  c: Tensor[] | null;
}

/**
 * Run the encoder: embeddings, then each stacked layer and direction as one `recurrence` call
 * with the rows' lengths (the fused kernel when the backend has one), dropout on the embeddings
 * and between layers (as nn.LSTM's `dropout`).
 */
export function encode(net: Net, src: PaddedSources, drop: Drop): Encoded {
  const { params, encoderCell: cell } = net;
  const e = net.sizes.encoder;
  const D = e.bidirectional ? 2 : 1;
  let x = drop(gather(params.get('encoder.embedding.weight'), idTensor(net, src.ids, [src.B, src.Ts])));
  const hs: Tensor[] = [];
  const cs: Tensor[] = [];
  for (let k = 0; k < e.numLayers; k++) {
    const ys: Tensor[] = [];
    const hk: Tensor[] = [];
    const ck: Tensor[] = [];
    for (let d = 0; d < D; d++) {
      const sfx = `_l${k}${d ? '_reverse' : ''}`;
      const p = Object.fromEntries(['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((n) => [n, params.get(`encoder.rnn.${n}${sfx}`)]));
      const r = recurrence({ cell, params: p, x, lengths: lengthsArg(src.lengths), reverse: d === 1 });
      ys.push(r.y);
      hk.push(r.carry[0]!);
      if (r.carry[1]) ck.push(r.carry[1]);
    }
    hs.push(D === 1 ? hk[0]! : concat(hk, 1));
    if (ck.length) cs.push(D === 1 ? ck[0]! : concat(ck, 1));
    x = D === 1 ? ys[0]! : concat(ys, 2);
    if (k < e.numLayers - 1) x = drop(x);
  }
  const keys = net.sizes.attention === 'bahdanau' ? linear(x, params.get('attention.linear_context.weight'), null) : x;
  return { memory: { values: x, keys, lengths: src.lengths }, h: hs, c: cs.length ? cs : null };
}

/**
 * The decoder's initial carry from the encoder's final states. Decoder layer k starts from encoder
 * layer k when both have as many layers, else every decoder layer from the top encoder layer.
 * Where the widths differ (D*He ≠ Hd) the states go through a learned projection,
 * h₀ = tanh(W_h s_h + b_h), c₀ = W_c s_c + b_c; a GRU encoder has no c, so c₀ is zeros.
 */
export function bridge(net: Net, enc: Encoded): DecoderCarry {
  const { params, sizes } = net;
  const Ld = sizes.decoder.numLayers;
  const Le = sizes.encoder.numLayers;
  const project = params.has('bridge.h.weight');
  const carry: DecoderCarry = [];
  for (let k = 0; k < Ld; k++) {
    const src = Le === Ld ? k : Le - 1;
    const sh = enc.h[src]!;
    const h = project ? tanh(linear(sh, params.get('bridge.h.weight'), params.get('bridge.h.bias'))) : sh;
    let c: Tensor;
    if (enc.c) {
      const sc = enc.c[src]!;
      c = project ? linear(sc, params.get('bridge.c.weight'), params.get('bridge.c.bias')) : sc;
    } else {
      c = zeros(h.shape, { dtype: h.dtype, backend: h.backend });
    }
    carry.push([h, c]);
  }
  return carry;
}
