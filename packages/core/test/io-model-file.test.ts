import { describe, expect, it } from 'vitest';
import { ConfigError, DTypeError, FormatError, ShapeError, ValueError } from '../src/errors.js';
import {
  expectedTensors,
  parseModelConfig,
  parseSafetensors,
  readModelFile,
  serializeSafetensors,
  writeModelFile,
  type ModelConfigInput,
  type RawTensor,
} from '../src/io/index.js';
import { expectThrow } from './io-helpers.js';

const F = 'model.safetensors';

const CONFIG: ModelConfigInput = {
  inputSize: 3,
  layers: [
    { type: 'lstm', name: 'lstm', hiddenSize: 2, bidirectional: true },
    { type: 'dense', name: 'fc', units: 2 },
  ],
};

/** Deterministic weights for every tensor the config implies. */
function weights(config: ModelConfigInput, dtype: 'F32' | 'F64' = 'F32'): Map<string, RawTensor> {
  const out = new Map<string, RawTensor>();
  let k = 0;
  for (const { name, shape } of expectedTensors(parseModelConfig(config, 'test'))) {
    const n = shape.reduce((a, b) => a * b, 1);
    const values = Array.from({ length: n }, () => ((k++ * 37) % 101) / 50 - 1);
    out.set(
      name,
      dtype === 'F32'
        ? { dtype, shape, data: Float32Array.from(values) }
        : { dtype, shape, data: Float64Array.from(values) },
    );
  }
  return out;
}

/** A model file whose metadata and tensors are given directly, bypassing writeModelFile's checks. */
function rawModel(metadata: Record<string, string>, tensors: Map<string, RawTensor> = weights(CONFIG)): Uint8Array {
  return serializeSafetensors(tensors, metadata);
}

const META = { 'rnn.format': '1', 'rnn.config': JSON.stringify(CONFIG) };

describe('writeModelFile / readModelFile', () => {
  it('round-trips config, weights and extra metadata', () => {
    const w = weights(CONFIG);
    const bytes = writeModelFile(CONFIG, w, { 'rnn.scaler': '{"mean":[0]}', 'rnn.vocab': 'abc' });
    const m = readModelFile(bytes, F);
    expect(m.config).toEqual(parseModelConfig(CONFIG, 'x'));
    expect(m.metadata['rnn.format']).toBe('1');
    expect(JSON.parse(m.metadata['rnn.config']!)).toEqual(m.config);
    expect(m.metadata['rnn.scaler']).toBe('{"mean":[0]}');
    expect(m.metadata['rnn.vocab']).toBe('abc');
    expect([...m.tensors.keys()]).toEqual(expectedTensors(m.config).map((t) => t.name));
    for (const [name, t] of w) {
      const r = m.tensors.get(name)!;
      expect(r.dtype).toBe('F32');
      expect(r.shape).toEqual(t.shape);
      expect(Array.from(r.data)).toEqual(Array.from(t.data as Float32Array));
    }
  });

  it('writes a plain safetensors file that other readers see as tensors plus metadata', () => {
    const st = parseSafetensors(writeModelFile(CONFIG, weights(CONFIG)));
    expect(Object.keys(st.metadata).sort()).toEqual(['rnn.config', 'rnn.format']);
    expect([...st.tensors.keys()]).toEqual([...expectedTensors(parseModelConfig(CONFIG, 'x')).map((t) => t.name)].sort());
  });

  it('rounds F64 weights to F32 by default and keeps them with { dtype: "F64" }', () => {
    const w = weights(CONFIG, 'F64');
    const f32 = readModelFile(writeModelFile(CONFIG, w));
    const f64 = readModelFile(writeModelFile(CONFIG, w, {}, { dtype: 'F64' }));
    const name = 'lstm.weight_ih_l0';
    expect(f32.tensors.get(name)!.dtype).toBe('F32');
    expect(f64.tensors.get(name)!.dtype).toBe('F64');
    expect(Array.from(f64.tensors.get(name)!.data)).toEqual(Array.from(w.get(name)!.data as Float64Array));
    expect(Array.from(f32.tensors.get(name)!.data)).toEqual(Array.from(Float32Array.from(w.get(name)!.data as Float64Array)));
  });

  it('reads F64 model files as written by other tools', () => {
    const m = readModelFile(rawModel(META, weights(CONFIG, 'F64')), F);
    expect(m.tensors.get('fc.bias')!.data).toBeInstanceOf(Float64Array);
  });

  it('accepts a record of tensors', () => {
    const rec = Object.fromEntries(weights(CONFIG));
    expect(readModelFile(writeModelFile(CONFIG, rec)).tensors.size).toBe(10);
  });
});

describe('readModelFile refuses', () => {
  const without = (name: string) => {
    const w = weights(CONFIG);
    w.delete(name);
    return w;
  };
  const cases: Array<[string, () => Uint8Array, typeof FormatError | typeof ConfigError, ...string[]]> = [
    ['a truncated file', () => rawModel(META).subarray(0, 200), FormatError, 'truncated'],
    ['a file without rnn.format', () => rawModel({ 'rnn.config': META['rnn.config'] }), FormatError, '"rnn.format" is missing', 'expected "1"'],
    ['another rnn.format', () => rawModel({ ...META, 'rnn.format': '2' }), FormatError, '"rnn.format" is "2"', 'expected "1"'],
    ['a file without rnn.config', () => rawModel({ 'rnn.format': '1' }), FormatError, '"rnn.config" is missing'],
    ['rnn.config that is not JSON', () => rawModel({ ...META, 'rnn.config': '{inputSize: 3}' }), FormatError, 'metadata "rnn.config"', 'not valid JSON'],
    ['rnn.config with a duplicated key', () => rawModel({ ...META, 'rnn.config': '{"inputSize":3,"inputSize":4,"layers":[]}' }), FormatError, 'metadata "rnn.config"', '"inputSize" twice'],
    ['an invalid config', () => rawModel({ ...META, 'rnn.config': JSON.stringify({ inputSize: 3, layers: [{ type: 'lstm', name: 'lstm', hiddenSize: -3 }] }) }), ConfigError, 'metadata "rnn.config"', 'layers[0].hiddenSize: expected a positive integer, found -3'],
    ['a missing tensor', () => rawModel(META, without('lstm.weight_hh_l0_reverse')), FormatError, 'tensor "lstm.weight_hh_l0_reverse" is missing', 'layer "lstm"', '[8, 2]'],
    ['a tensor of the wrong shape', () => { const w = weights(CONFIG); w.set('fc.weight', { dtype: 'F32', shape: [4, 2], data: new Float32Array(8) }); return rawModel(META, w); }, FormatError, 'tensor "fc.weight" has shape [4, 2]', 'expects [2, 4]'],
    ['a transposed weight', () => { const w = weights(CONFIG); w.set('lstm.weight_ih_l0', { dtype: 'F32', shape: [3, 8], data: new Float32Array(24) }); return rawModel(META, w); }, FormatError, '"lstm.weight_ih_l0" has shape [3, 8]', 'expects [8, 3]'],
    ['an extra tensor', () => { const w = weights(CONFIG); w.set('fc.scale', { dtype: 'F32', shape: [1], data: new Float32Array(1) }); return rawModel(META, w); }, FormatError, 'tensor "fc.scale" does not match the config', '"lstm", "fc"'],
    ['a renamed layer (missing and extra tensors listed together)', () => rawModel({ ...META, 'rnn.config': JSON.stringify({ ...CONFIG, layers: [CONFIG.layers[0], { type: 'dense', name: 'head', units: 2 }] }) }), FormatError, '"head.weight" is missing', '"fc.weight" does not match the config'],
    ['an I32 tensor', () => { const w = weights(CONFIG); w.set('fc.bias', { dtype: 'I32', shape: [2], data: new Int32Array(2) }); return rawModel(META, w); }, FormatError, '"fc.bias" has dtype I32', 'expected F32 or F64'],
    ['a BF16 tensor', () => { const b = rawModel(META); const i = Buffer.from(b).indexOf('"F32"'); b.set([0x22, 0x46, 0x31, 0x36], i); return b; }, FormatError, '"F16"', 'not supported'],
  ];
  for (const [what, make, cls, ...parts] of cases) {
    it(what, () => {
      expectThrow(() => readModelFile(make(), F), cls, F, ...parts);
    });
  }
});

describe('writeModelFile refuses', () => {
  it('an invalid config', () => {
    expectThrow(() => writeModelFile({ layers: [{ type: 'lstm', name: 'l', hiddenSize: 2 }] }, new Map()), ConfigError, 'inputSize: is required');
  });
  it('tensors that do not match the config', () => {
    const w = weights(CONFIG);
    w.delete('fc.bias');
    expectThrow(() => writeModelFile(CONFIG, w), FormatError, 'cannot write model file', '"fc.bias" is missing');
  });
  it('a tensor whose data does not match its own shape or dtype', () => {
    const w = weights(CONFIG);
    w.set('fc.bias', { dtype: 'F32', shape: [2], data: new Float32Array(3) });
    expectThrow(() => writeModelFile(CONFIG, w), ShapeError, '"fc.bias"', '2 elements', '3');
    w.set('fc.bias', { dtype: 'F32', shape: [2], data: new Float64Array(2) } as unknown as RawTensor);
    expectThrow(() => writeModelFile(CONFIG, w), DTypeError, '"fc.bias"', 'Float32Array');
  });
  it('extra metadata that would overwrite the format keys', () => {
    expectThrow(() => writeModelFile(CONFIG, weights(CONFIG), { 'rnn.format': '2' }), ConfigError, '"rnn.format"');
    expectThrow(() => writeModelFile(CONFIG, weights(CONFIG), { 'rnn.config': '{}' }), ConfigError, '"rnn.config"');
  });
  it('F64 values that overflow F32', () => {
    const w = weights(CONFIG, 'F64');
    (w.get('fc.bias')!.data as Float64Array)[1] = 1e300;
    expectThrow(() => writeModelFile(CONFIG, w), ValueError, '"fc.bias"', 'element 1', 'F32');
  });
});
