import { GRUCell, LSTMCell, initialise, type Cell, type ParameterSpec, type Rng } from '@rnn/core';
import type { Seq2SeqSizes } from './config.js';

/**
 * The parameters of a `Seq2Seq`, with their PyTorch names (a module with attributes `encoder`
 * {`embedding`: nn.Embedding, `rnn`: nn.LSTM/GRU}, `bridge` {`h`, `c`: nn.Linear}, `decoder`
 * {`embedding`, `rnn`: nn.LSTM}, `attention`, `output`: nn.Linear), in registration order:
 *
 *   encoder.embedding.weight                [Vs, Es]
 *   encoder.rnn.{weight_ih,weight_hh,bias_ih,bias_hh}_l{k}[_reverse]
 *   bridge.h.weight [Hd, D*He], bridge.h.bias [Hd]     only when D*He ≠ Hd
 *   bridge.c.weight [Hd, D*He], bridge.c.bias [Hd]     idem, LSTM encoder only
 *   decoder.embedding.weight                [Vt, Et]
 *   decoder.rnn.*_l{k}                      layer 0 reads Et (+ Hd with input feeding)
 *   attention.linear_in.weight [De, Hd]                 luong:    score = (W h_t)·h_s
 *   attention.linear_query.weight [Hd, Hd], .bias [Hd]  bahdanau: score = v·tanh(W h_t + b + U h_s)
 *   attention.linear_context.weight [Hd, De], attention.v [Hd]
 *   attention.linear_out.weight [Hd, De+Hd]             both:     h̃_t = tanh(W_c [c_t; h_t])
 *   output.weight [Vt, Hd], output.bias [Vt]
 *
 * with De = D*He the encoder's output width. Initialisation is PyTorch's: embeddings N(0, 1),
 * recurrent and linear weights uniform(±1/√fan).
 */
export function seq2seqParameters(s: Seq2SeqSizes, rng: Rng): ParameterSpec[] {
  const { encoder: enc, decoder: dec } = s;
  const D = enc.bidirectional ? 2 : 1;
  const De = D * enc.hiddenSize;
  const Hd = dec.hiddenSize;
  const specs: ParameterSpec[] = [];
  const embedding = (name: string, V: number, E: number) =>
    specs.push({ name, shape: [V, E], init: initialise({ kind: 'normal', std: 1 }, [V, E], rng) });
  const linear = (name: string, out: number, inp: number, bias: boolean) => {
    const u = { kind: 'uniform', bound: 1 / Math.sqrt(inp) } as const;
    specs.push({ name: `${name}.weight`, shape: [out, inp], init: initialise(u, [out, inp], rng) });
    if (bias) specs.push({ name: `${name}.bias`, shape: [out], init: initialise(u, [out], rng) });
  };
  const recurrent = (prefix: string, cell: Cell, layers: number, dirs: number, in0: number) => {
    for (let k = 0; k < layers; k++) {
      for (let d = 0; d < dirs; d++) {
        for (const p of cell.parameters(k === 0 ? in0 : dirs * cell.hiddenSize, 'pytorch', rng)) {
          specs.push({ name: `${prefix}.${p.name}_l${k}${d ? '_reverse' : ''}`, shape: p.shape, init: p.init });
        }
      }
    }
  };

  embedding('encoder.embedding.weight', s.sourceVocab.size, s.Es);
  recurrent('encoder.rnn', encoderCell(s), enc.numLayers, D, s.Es);
  if (needsBridge(s)) {
    linear('bridge.h', Hd, De, true);
    if (enc.type === 'lstm') linear('bridge.c', Hd, De, true);
  }
  embedding('decoder.embedding.weight', s.targetVocab.size, s.Et);
  recurrent('decoder.rnn', decoderCell(s), dec.numLayers, 1, s.Et + (s.inputFeeding ? Hd : 0));
  if (s.attention === 'luong') {
    linear('attention.linear_in', De, Hd, false);
  } else if (s.attention === 'bahdanau') {
    linear('attention.linear_query', Hd, Hd, true);
    linear('attention.linear_context', Hd, De, false);
    specs.push({ name: 'attention.v', shape: [Hd], init: initialise({ kind: 'uniform', bound: 1 / Math.sqrt(Hd) }, [Hd], rng) });
  }
  if (s.attention !== 'none') linear('attention.linear_out', Hd, De + Hd, false);
  linear('output', s.targetVocab.size, Hd, true);
  return specs;
}

/** The encoder's final states are projected when their width differs from the decoder's. */
export function needsBridge(s: Seq2SeqSizes): boolean {
  return (s.encoder.bidirectional ? 2 : 1) * s.encoder.hiddenSize !== s.decoder.hiddenSize;
}

export function encoderCell(s: Seq2SeqSizes): Cell {
  return s.encoder.type === 'lstm' ? new LSTMCell(s.encoder.hiddenSize) : new GRUCell(s.encoder.hiddenSize);
}

export function decoderCell(s: Seq2SeqSizes): Cell {
  return new LSTMCell(s.decoder.hiddenSize);
}
