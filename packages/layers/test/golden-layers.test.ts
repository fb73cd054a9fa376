/**
 * One recurrent layer (rnn tanh/relu, lstm, gru; 1 layer or 2 bidirectional; with and without
 * lengths and initial states) against PyTorch: output, h_n, c_n, the returnSequences:false output,
 * and the gradients of a weighted-sum loss w.r.t. every parameter, x, h0 and c0. Every case runs
 * three ways: the backend's fused kernel (default), the composed path (`fused: false`), and the
 * same cell wrapped as a custom cell (no kernel), which goes through the shared `scan`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Rng, add, backward, getBackend, mul, noGrad, reshape, slice, sum, type RecurrentLayerConfig, type Tensor } from '@rnn/core';
import { Recurrent, Sequential, gru, lstm, rnn, simpleRNN, type Cell, type StepState } from '../src/index.js';
import { FORWARD, GRAD, expectClose, f32, loadGolden, nested, report, type GT } from './golden-helpers.js';
import './setup.js';

interface LayerCase {
  id: string;
  config: { inputSize: number; layers: [RecurrentLayerConfig] };
  lengths: number[] | null;
  inputs: { x: GT; h0?: GT; c0?: GT };
  params: Record<string, GT>;
  outputs: { output: GT; h_n: GT; c_n?: GT; last: GT };
  lossWeights: { output: GT; h_n: GT; c_n?: GT };
  loss: number;
  grads: { params: Record<string, GT>; x: GT; h0?: GT; c0?: GT };
}

const golden = loadGolden<{ dims: Record<string, number>; cases: LayerCase[] }>('layers.json');

type Path = 'fused' | 'composed' | 'scan';

function makeLayer(cfg: RecurrentLayerConfig, path: Path, returnSequences: boolean): Recurrent {
  const o = { ...cfg, fused: path === 'fused', returnSequences };
  const layer = cfg.type === 'lstm' ? lstm(o) : cfg.type === 'gru' ? gru(o) : simpleRNN({ ...o, nonlinearity: cfg.nonlinearity });
  if (path !== 'scan') return layer;
  // the same cell seen as a custom cell (no kernel): the layer runs the shared `scan`
  const cell = layer.cell;
  const custom: Cell = {
    kind: cell.kind,
    hiddenSize: cell.hiddenSize,
    parameters: (i, init, rng) => cell.parameters(i, init, rng),
    initCarry: (b, like) => cell.initCarry(b, like),
    step: (p, carry, x) => cell.step(p, carry, x),
  };
  // the layer options only: the config's type, hiddenSize and nonlinearity belong to the cell
  return rnn(custom, { name: o.name, numLayers: o.numLayers, bidirectional: o.bidirectional, returnSequences, fused: o.fused });
}

/** A one-layer model holding the case's parameters, and the layer itself. */
function build(c: LayerCase, path: Path, returnSequences: boolean): { model: Sequential; layer: Recurrent } {
  let model: Sequential;
  let layer: Recurrent;
  if (path === 'fused' && returnSequences) {
    // straight from the model-file config (fused is the default)
    model = Sequential.fromConfig(c.config).build({ dtype: 'float32' });
    expect(model.config()).toEqual(c.config);
    layer = model.layers[0] as Recurrent;
    expect(layer).toBeInstanceOf(Recurrent);
    expect(layer.fused).toBe(true);
  } else {
    layer = makeLayer(c.config.layers[0], path, returnSequences);
    model = new Sequential([layer], { inputSize: c.config.inputSize }).build({ dtype: 'float32' });
  }
  const params = model.params!;
  expect([...params.names].sort()).toEqual(Object.keys(c.params).sort());
  for (const [name, t] of Object.entries(c.params)) {
    expect(params.get(name).shape).toEqual(t.shape);
    params.set(name, t.data);
  }
  return { model, layer };
}

function ctxOf(model: Sequential, lengths: number[] | null) {
  const params = model.params!;
  return { training: true, lengths, rng: new Rng(0), param: (n: string) => params.get(n) };
}

describe('golden: recurrent layers vs PyTorch (layers.json)', () => {
  it('has the documented 32 cases, and the backend has fused kernels to compare', () => {
    expect(golden.cases).toHaveLength(32);
    const b = getBackend();
    expect(b.name).toBe(process.env['RNN_BACKEND'] ?? 'js');
    expect(typeof b.sequenceForward).toBe('function');
    expect(typeof b.sequenceBackward).toBe('function');
  });

  for (const path of ['fused', 'composed', 'scan'] as const) {
    for (const c of golden.cases) {
      it(`${c.id} (${path})`, () => {
        const { model, layer } = build(c, path, true);
        const x = f32(c.inputs.x, true);
        const h0 = c.inputs.h0 ? f32(c.inputs.h0, true) : undefined;
        const c0 = c.inputs.c0 ? f32(c.inputs.c0, true) : undefined;
        const initial = h0 ? { h: h0, ...(c0 ? { c: c0 } : {}) } : undefined;
        const out = layer.call(x, ctxOf(model, c.lengths), initial);
        const state = layer.lastState!;
        const cat = `${path} forward`;
        expectClose(out, c.outputs.output, FORWARD, `${c.id} ${path}: output`, cat);
        expectClose(state.h, c.outputs.h_n, FORWARD, `${c.id} ${path}: h_n`, cat);
        if (c.outputs.c_n) expectClose(state.c!, c.outputs.c_n, FORWARD, `${c.id} ${path}: c_n`, cat);
        else expect(state.c).toBeUndefined();
        // padded steps output exactly 0 (-0 from the composed path's mask is fine)
        if (c.lengths) {
          const o = out.data();
          const [B, T, W] = out.shape as [number, number, number];
          for (let b = 0; b < B; b++) for (let t = c.lengths[b]!; t < T; t++) for (let j = 0; j < W; j++) expect(Math.abs(o[(b * T + t) * W + j]!)).toBe(0);
        }

        // loss = sum(output * R) + sum(h_n * Rh) [+ sum(c_n * Rc)]
        let loss: Tensor = add(sum(mul(out, f32(c.lossWeights.output))), sum(mul(state.h, f32(c.lossWeights.h_n))));
        if (c.lossWeights.c_n) loss = add(loss, sum(mul(state.c!, f32(c.lossWeights.c_n))));
        expectClose(loss.item(), c.loss, FORWARD, `${c.id} ${path}: loss`, cat);
        backward(loss);
        const gcat = `${path} gradients`;
        for (const [name, want] of Object.entries(c.grads.params)) {
          expectClose(model.params!.get(name).grad!, want, GRAD, `${c.id} ${path}: d loss / d ${name}`, gcat);
        }
        expectClose(x.grad!, c.grads.x, GRAD, `${c.id} ${path}: d loss / d x`, gcat);
        if (c.lengths) {
          const g = x.grad!.data();
          const [B, T, I] = x.shape as [number, number, number];
          for (let b = 0; b < B; b++) for (let t = c.lengths[b]!; t < T; t++) for (let j = 0; j < I; j++) expect(Math.abs(g[(b * T + t) * I + j]!)).toBe(0);
        }
        if (c.grads.h0) expectClose(h0!.grad!, c.grads.h0, GRAD, `${c.id} ${path}: d loss / d h0`, gcat);
        if (c.grads.c0) expectClose(c0!.grad!, c.grads.c0, GRAD, `${c.id} ${path}: d loss / d c0`, gcat);

        // returnSequences: false gives `last` (forward state after the last step, backward after step 0)
        const lastModel = build(c, path, false);
        const last = noGrad(() =>
          lastModel.layer.call(
            f32(c.inputs.x),
            ctxOf(lastModel.model, c.lengths),
            c.inputs.h0 ? { h: f32(c.inputs.h0), ...(c.inputs.c0 ? { c: f32(c.inputs.c0) } : {}) } : undefined,
          ),
        );
        expectClose(last, c.outputs.last, FORWARD, `${c.id} ${path}: last (returnSequences false)`, cat);
      });
    }
  }

  // streaming inference: step() one time step at a time reproduces the whole-sequence run
  for (const c of golden.cases.filter((k) => k.id.includes('-uni-full-'))) {
    it(`${c.id}: step() over time equals PyTorch's output and h_n`, () => {
      const { model, layer } = build(c, 'fused', true);
      const [B, T, I] = c.inputs.x.shape as [number, number, number];
      const x = f32(c.inputs.x);
      const nest = (t: GT) => nested(t) as number[][][];
      let state: StepState | null = c.inputs.h0 ? { h: nest(c.inputs.h0), ...(c.inputs.c0 ? { c: nest(c.inputs.c0) } : {}) } : null;
      const H = layer.hiddenSize;
      const got = new Float64Array(B * T * H);
      noGrad(() => {
        for (let t = 0; t < T; t++) {
          const [y, next] = layer.step(reshape(slice(x, [0, t, 0], [B, 1, I]), [B, I]), state, ctxOf(model, null));
          const yd = y.data();
          for (let b = 0; b < B; b++) for (let j = 0; j < H; j++) got[(b * T + t) * H + j] = yd[b * H + j]!;
          state = next;
        }
      });
      expectClose(got, c.outputs.output, FORWARD, `${c.id} step(): outputs`, 'step() forward');
      expectClose(state!.h.flat(2), c.outputs.h_n, FORWARD, `${c.id} step(): h_n`, 'step() forward');
      if (c.outputs.c_n) expectClose(state!.c!.flat(2), c.outputs.c_n, FORWARD, `${c.id} step(): c_n`, 'step() forward');
    });
  }

  afterAll(() => report('layers.json'));
});
