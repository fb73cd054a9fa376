/**
 * Whole models built from model-file configs (`Sequential.fromConfig`) against PyTorch: the
 * prediction, and the gradients of `sum(output * lossWeight)` w.r.t. every parameter and the input.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { backward, mul, sum, type ModelConfig } from '@rnn/core';
import { Sequential } from '../src/index.js';
import { FORWARD, GRAD, expectClose, f32, i32, loadGolden, report, type GT } from './golden-helpers.js';
import './setup.js';

interface ModelCase {
  id: string;
  config: ModelConfig;
  input: GT;
  params: Record<string, GT>;
  output: GT;
  lossWeight: GT;
  loss: number;
  grads: { params: Record<string, GT>; x?: GT };
}

const golden = loadGolden<{ cases: ModelCase[] }>('models.json');

describe('golden: models from configs vs PyTorch (models.json)', () => {
  it('has the documented 7 cases', () => {
    expect(golden.cases.map((c) => c.id)).toEqual([
      'lstm-dense',
      'bigru-seq-dense-tanh',
      'char-embedding-lstm2-dense',
      'rnn-dense-activations',
      'birnn-relu-l2-last-dense',
      'lstm-gru-stack-named',
      'dense-softmax-3d',
    ]);
  });

  for (const c of golden.cases) {
    it(c.id, () => {
      const model = Sequential.fromConfig(c.config).build({ dtype: 'float32' });
      // the model's own config is the file's config, field for field
      expect(model.config()).toEqual(c.config);
      const params = model.params!;
      expect([...params.names].sort()).toEqual(Object.keys(c.params).sort());
      for (const [name, t] of Object.entries(c.params)) {
        expect(params.get(name).shape).toEqual(t.shape);
        params.set(name, t.data);
      }
      const ids = c.grads.x === undefined;
      const x = ids ? i32(c.input) : f32(c.input, true);
      const out = model.forward(x);
      expectClose(out, c.output, FORWARD, `${c.id}: output`, 'forward');
      // predict (no graph) gives the same numbers
      expectClose(model.predict(ids ? i32(c.input) : f32(c.input)), out.data(), { rtol: 0, atol: 0 }, `${c.id}: predict = forward`, 'predict vs forward');

      const loss = sum(mul(out, f32(c.lossWeight)));
      expectClose(loss.item(), c.loss, FORWARD, `${c.id}: loss`, 'forward');
      backward(loss);
      for (const [name, want] of Object.entries(c.grads.params)) {
        expectClose(params.get(name).grad!, want, GRAD, `${c.id}: d loss / d ${name}`, 'gradients');
      }
      if (c.grads.x) expectClose(x.grad!, c.grads.x, GRAD, `${c.id}: d loss / d x`, 'gradients');
    });
  }

  afterAll(() => report('models.json'));
});
