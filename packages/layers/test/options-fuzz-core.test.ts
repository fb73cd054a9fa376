// The options objects users pass to @rnn/core (tensor creation, recurrence, backward, parameter
// sets, backend registration) are checked like @rnn/layers' ones; run here, where a backend is
// registered.
import { describe, expect, it } from 'vitest';
import {
  LSTMCell, ParameterSet, Rng, backward, full, getBackend, grad, ones, randNormal, randUniform, recurrence, registerBackend, scalar, sum,
  tensor, zeros,
} from '@rnn/core';
import { JsBackend } from '@rnn/backend-js';
import { describeOptions, type Entry } from './options-helpers.js';

const backend = getBackend();
const cell = new LSTMCell(2);
const params = Object.fromEntries(cell.parameters(3, 'pytorch', new Rng(0)).map((p) => [p.name, tensor(Float32Array.from(p.init!), p.shape)]));
const x = tensor(new Float32Array(2 * 4 * 3).fill(0.5), [2, 4, 3]);
const leaf = () => {
  const w = tensor([1, 2, 3]);
  w.requiresGrad = true;
  return w;
};
let registered = 0;

const ENTRIES: Entry[] = [
  { where: 'tensor', call: (o) => tensor([1, 2], undefined, o as never), base: {}, valid: { dtype: 'float64', backend } },
  { where: 'full', call: (o) => full([2], 3, o as never), base: {}, valid: { dtype: 'int32', backend } },
  { where: 'full', call: (o) => zeros([2], o as never), base: {}, valid: { dtype: 'float64', backend } },
  { where: 'full', call: (o) => ones([2], o as never), base: {}, valid: { dtype: 'float64', backend } },
  { where: 'full', call: (o) => scalar(1, o as never), base: {}, valid: { dtype: 'float64', backend } },
  { where: 'randUniform', call: (o) => randUniform([2], 0, 1, o as never), base: {}, valid: { dtype: 'float64', backend, rng: new Rng(1) } },
  { where: 'randNormal', call: (o) => randNormal([2], 0, 1, o as never), base: {}, valid: { dtype: 'float64', backend, rng: new Rng(1) } },
  {
    where: 'recurrence',
    call: (o) => recurrence(o as never),
    base: { cell, params, x },
    valid: { carry: [tensor(new Float32Array(4), [2, 2]), tensor(new Float32Array(4), [2, 2])], lengths: [4, 2], reverse: true },
  },
  { where: 'recurrence options', call: (o) => recurrence({ cell, params, x }, o as never), base: {}, valid: { fused: false } },
  { where: 'backward', call: (o) => backward(sum(leaf()), o as never), base: {}, valid: { retainGraph: true, grad: scalar(1) } },
  { where: 'grad', call: (o) => grad(sum(leaf()), [], o as never), base: {}, valid: { retainGraph: true, grad: scalar(1) } },
  { where: 'new ParameterSet', call: (o) => new ParameterSet([{ name: 'w', shape: [2] }], o as never), base: {}, valid: { dtype: 'float64', backend } },
  { where: 'registerBackend', call: (o) => registerBackend(`options-test-${registered++}`, () => new JsBackend(), 0, o as never), base: {}, valid: { quiet: true } },
];

describeOptions('@rnn/core', ENTRIES);

describe('core option values', () => {
  it('a wrong dtype or a misspelt key names what was meant', () => {
    expect(() => tensor([1], undefined, { dtype: 'float16' } as never)).toThrow("tensor: dtype must be one of 'float32', 'float64', 'int32', found string 'float16'");
    expect(() => tensor([1], undefined, { type: 'float32' } as never)).toThrow("tensor: unknown option 'type' (did you mean 'dtype'?); tensor takes dtype, backend");
    expect(() => recurrence({ cell, params, x }, { fuse: false } as never)).toThrow("recurrence options: unknown option 'fuse' (did you mean 'fused'?)");
  });
});
