import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors.js';
import {
  expectedTensors,
  inferLayerWidths,
  modelConfigSchema,
  parseModelConfig,
  type ModelConfig,
} from '../src/io/index.js';
import { expectThrow } from './io-helpers.js';

const S = 'cfg.json';

describe('parseModelConfig', () => {
  it('fills in every default', () => {
    const c = parseModelConfig(
      {
        inputSize: 8,
        layers: [
          { type: 'rnn', name: 'r', hiddenSize: 4 },
          { type: 'lstm', name: 'l', hiddenSize: 4 },
          { type: 'gru', name: 'g', hiddenSize: 4 },
          { type: 'dense', name: 'fc', units: 3 },
        ],
      },
      S,
    );
    expect(c).toEqual({
      inputSize: 8,
      layers: [
        { type: 'rnn', name: 'r', hiddenSize: 4, numLayers: 1, bidirectional: false, returnSequences: true, nonlinearity: 'tanh' },
        { type: 'lstm', name: 'l', hiddenSize: 4, numLayers: 1, bidirectional: false, returnSequences: true },
        { type: 'gru', name: 'g', hiddenSize: 4, numLayers: 1, bidirectional: false, returnSequences: true },
        { type: 'dense', name: 'fc', units: 3, activation: 'linear' },
      ],
    } satisfies ModelConfig);
  });

  it('accepts an embedding-first model without inputSize, and ignores inputSize there', () => {
    const layers = [
      { type: 'embedding', name: 'emb', numEmbeddings: 65, embeddingDim: 32 },
      { type: 'gru', name: 'gru', hiddenSize: 16, returnSequences: false },
      { type: 'dense', name: 'head', units: 65, activation: 'softmax' },
    ];
    expect(parseModelConfig({ layers }, S).inputSize).toBeUndefined();
    const withSize = parseModelConfig({ inputSize: 3, layers }, S);
    expect(expectedTensors(withSize)).toEqual(expectedTensors(parseModelConfig({ layers }, S)));
  });

  it('accepts PyTorch module paths as names', () => {
    const c = parseModelConfig({ inputSize: 2, layers: [{ type: 'lstm', name: 'encoder.0', hiddenSize: 2 }, { type: 'dense', name: 'head-1.fc_out', units: 1 }] }, S);
    expect(expectedTensors(c).map((t) => t.name)).toContain('encoder.0.weight_ih_l0');
  });

  describe('refuses, naming the path, the expectation and what was found', () => {
    const base = { type: 'lstm', name: 'l', hiddenSize: 4 };
    const cases: Array<[string, unknown, ...string[]]> = [
      ['a non-object', [1], 'expected an object', 'found an array'],
      ['null', null, 'expected an object', 'found null'],
      ['missing layers', { inputSize: 2 }, 'layers: expected an array of layers', 'missing'],
      ['no layers', { inputSize: 2, layers: [] }, 'layers: expected at least one layer'],
      ['a negative hiddenSize', { inputSize: 2, layers: [base, { ...base, name: 'm', hiddenSize: -3 }] }, 'layers[1].hiddenSize: expected a positive integer, found -3'],
      ['a fractional units', { inputSize: 2, layers: [{ type: 'dense', name: 'd', units: 1.5 }] }, 'layers[0].units: expected a positive integer, found 1.5'],
      ['a string inputSize', { inputSize: '8', layers: [base] }, 'inputSize: expected a positive integer, found the string "8"'],
      ['zero numLayers', { inputSize: 2, layers: [{ ...base, numLayers: 0 }] }, 'layers[0].numLayers', 'found 0'],
      ['a non-boolean bidirectional', { inputSize: 2, layers: [{ ...base, bidirectional: 'yes' }] }, 'layers[0].bidirectional: expected true or false', '"yes"'],
      ['an unknown layer type', { inputSize: 2, layers: [{ type: 'transformer', name: 't' }] }, 'layers[0].type', '"rnn", "lstm", "gru", "dense", "embedding"', '"transformer"'],
      ['a layer without a type', { inputSize: 2, layers: [{ name: 't' }] }, 'layers[0].type', 'missing'],
      ['a missing hiddenSize', { inputSize: 2, layers: [{ type: 'gru', name: 'g' }] }, 'layers[0].hiddenSize: expected a positive integer, found nothing'],
      ['an unknown key', { inputSize: 2, layers: [{ ...base, hidden_size: 4 }] }, 'layers[0]: unknown key "hidden_size"', '"hiddenSize"'],
      ['an unknown top-level key', { inputSize: 2, layers: [base], optimizer: 'adam' }, 'unknown key "optimizer"', '"inputSize", "layers"'],
      ['nonlinearity on an lstm', { inputSize: 2, layers: [{ ...base, nonlinearity: 'relu' }] }, 'layers[0]', '"nonlinearity" is only allowed for type "rnn"', '"lstm"'],
      ['an unknown nonlinearity', { inputSize: 2, layers: [{ ...base, type: 'rnn', nonlinearity: 'gelu' }] }, 'layers[0].nonlinearity: expected "tanh" or "relu"', '"gelu"'],
      ['an unknown activation', { inputSize: 2, layers: [{ type: 'dense', name: 'd', units: 1, activation: 'elu' }] }, 'layers[0].activation', '"softmax"', '"elu"'],
      ['an empty name', { inputSize: 2, layers: [{ ...base, name: '' }] }, 'layers[0].name', 'non-empty', 'found the string ""'],
      ['a name with a space', { inputSize: 2, layers: [{ ...base, name: 'my lstm' }] }, 'layers[0].name', '"my lstm"'],
      ['a name with an empty part', { inputSize: 2, layers: [{ ...base, name: 'a..b' }] }, 'layers[0].name', '"a..b"'],
      ['a name ending in a dot', { inputSize: 2, layers: [{ ...base, name: 'a.' }] }, 'layers[0].name'],
      ['a non-string name', { inputSize: 2, layers: [{ ...base, name: 3 }] }, 'layers[0].name', 'found 3'],
      ['duplicate names', { inputSize: 2, layers: [base, { type: 'dense', name: 'l', units: 2 }] }, 'layers[1].name', '"l" is already used by layers[0]', 'unique'],
      ['a missing inputSize', { layers: [base] }, 'inputSize: is required', '"l"', 'not an embedding'],
      ['an embedding after the first layer', { inputSize: 2, layers: [base, { type: 'embedding', name: 'e', numEmbeddings: 3, embeddingDim: 2 }] }, 'layers[1]', 'embedding', 'must be the first layer'],
      ['a recurrent layer after returnSequences: false', { inputSize: 2, layers: [{ ...base, returnSequences: false }, { type: 'dense', name: 'd', units: 2 }, { ...base, name: 'm' }] }, 'layers[2]', '"m"', 'needs a sequence input', 'returnSequences: false'],
      ['a null layer', { inputSize: 2, layers: [null] }, 'layers[0]', 'found null'],
    ];
    for (const [what, json, ...parts] of cases) {
      it(what, () => {
        expectThrow(() => parseModelConfig(json, S), ConfigError, `${S}: invalid model config`, ...parts);
      });
    }
  });

  it('reports several problems in one message', () => {
    const e = expectThrow(
      () => parseModelConfig({ inputSize: 0, layers: [{ type: 'dense', name: '', units: -1 }] }, S),
      ConfigError,
      'inputSize',
      'layers[0].name',
      'layers[0].units',
    );
    expect(e.message.split('\n')).toHaveLength(1);
  });

  it('exposes the zod schema for direct use', () => {
    expect(modelConfigSchema.safeParse({ inputSize: 1, layers: [{ type: 'dense', name: 'd', units: 1 }] }).success).toBe(true);
  });
});

describe('expectedTensors', () => {
  it('lists PyTorch names and shapes for a stacked bidirectional LSTM and a dense head', () => {
    const c = parseModelConfig(
      {
        inputSize: 8,
        layers: [
          { type: 'lstm', name: 'lstm', hiddenSize: 16, numLayers: 2, bidirectional: true },
          { type: 'dense', name: 'fc', units: 3 },
        ],
      },
      S,
    );
    const t = expectedTensors(c).map(({ name, shape }) => [name, shape]);
    expect(t).toEqual([
      ['lstm.weight_ih_l0', [64, 8]],
      ['lstm.weight_hh_l0', [64, 16]],
      ['lstm.bias_ih_l0', [64]],
      ['lstm.bias_hh_l0', [64]],
      ['lstm.weight_ih_l0_reverse', [64, 8]],
      ['lstm.weight_hh_l0_reverse', [64, 16]],
      ['lstm.bias_ih_l0_reverse', [64]],
      ['lstm.bias_hh_l0_reverse', [64]],
      ['lstm.weight_ih_l1', [64, 32]],
      ['lstm.weight_hh_l1', [64, 16]],
      ['lstm.bias_ih_l1', [64]],
      ['lstm.bias_hh_l1', [64]],
      ['lstm.weight_ih_l1_reverse', [64, 32]],
      ['lstm.weight_hh_l1_reverse', [64, 16]],
      ['lstm.bias_ih_l1_reverse', [64]],
      ['lstm.bias_hh_l1_reverse', [64]],
      ['fc.weight', [3, 32]],
      ['fc.bias', [3]],
    ]);
  });

  it('uses G = 1 for rnn, 3 for gru, and chains widths through the stack', () => {
    const c = parseModelConfig(
      {
        layers: [
          { type: 'embedding', name: 'emb', numEmbeddings: 65, embeddingDim: 32 },
          { type: 'gru', name: 'gru', hiddenSize: 10, numLayers: 2 },
          { type: 'dense', name: 'mid', units: 7, activation: 'relu' },
          { type: 'rnn', name: 'rnn', hiddenSize: 5, bidirectional: true, returnSequences: false, nonlinearity: 'relu' },
          { type: 'dense', name: 'out', units: 2 },
        ],
      },
      S,
    );
    const t = Object.fromEntries(expectedTensors(c).map(({ name, shape }) => [name, shape]));
    expect(t).toEqual({
      'emb.weight': [65, 32],
      'gru.weight_ih_l0': [30, 32],
      'gru.weight_hh_l0': [30, 10],
      'gru.bias_ih_l0': [30],
      'gru.bias_hh_l0': [30],
      'gru.weight_ih_l1': [30, 10],
      'gru.weight_hh_l1': [30, 10],
      'gru.bias_ih_l1': [30],
      'gru.bias_hh_l1': [30],
      'mid.weight': [7, 10],
      'mid.bias': [7],
      'rnn.weight_ih_l0': [5, 7],
      'rnn.weight_hh_l0': [5, 5],
      'rnn.bias_ih_l0': [5],
      'rnn.bias_hh_l0': [5],
      'rnn.weight_ih_l0_reverse': [5, 7],
      'rnn.weight_hh_l0_reverse': [5, 5],
      'rnn.bias_ih_l0_reverse': [5],
      'rnn.bias_hh_l0_reverse': [5],
      'out.weight': [2, 10],
      'out.bias': [2],
    });
    expect(inferLayerWidths(c).map((w) => [w.inputWidth, w.outputWidth])).toEqual([
      [null, 32],
      [32, 10],
      [10, 7],
      [7, 10],
      [10, 2],
    ]);
  });
});

describe('custom recurrent layers (a registered cell, an extension of the contract)', () => {
  const layers = [
    { type: 'custom', cell: 'elman', name: 'cell', hiddenSize: 5, outputSize: 3, bidirectional: true, options: { output: 'sigmoid' } },
    { type: 'dense', name: 'fc', units: 1 },
  ];
  it('fill their defaults, take their width from outputSize, and list no tensors of their own', () => {
    const c = parseModelConfig({ inputSize: 2, layers }, 'custom');
    expect(c.layers[0]).toEqual({ ...layers[0], numLayers: 1, returnSequences: true });
    expect(inferLayerWidths(c).map((w) => [w.inputWidth, w.outputWidth])).toEqual([[2, 6], [6, 1]]);
    expect(expectedTensors(c).map((t) => t.name)).toEqual(['fc.weight', 'fc.bias']);
  });
  it('refuse a cell kind that is not a name, and options that are not JSON values', () => {
    expect(() => parseModelConfig({ inputSize: 2, layers: [{ ...layers[0], cell: 'a b' }] }, 'S')).toThrow(/layers\[0\]\.cell: expected a cell kind/);
    expect(() => parseModelConfig({ inputSize: 2, layers: [{ ...layers[0], options: 3 }] }, 'S')).toThrow(/layers\[0\]\.options: expected an object of JSON values/);
  });
});
