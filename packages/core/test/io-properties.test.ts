import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError, FormatError } from '../src/errors.js';
import {
  expectedTensors,
  parseJsonArray,
  parseModelConfig,
  parseNpy,
  parseSafetensors,
  parseStrictJson,
  readModelFile,
  serializeNpy,
  serializeSafetensors,
  toNestedArray,
  writeModelFile,
  type ModelConfigInput,
  type RawTensor,
} from '../src/io/index.js';

const RUNS = { seed: 42, numRuns: 300 };

/** Byte-level damage to a file: overwritten bytes, an optional insertion, an optional cut. */
const damage = (length: number) =>
  fc.record({
    writes: fc.array(fc.tuple(fc.nat({ max: length - 1 }), fc.nat({ max: 255 })), { maxLength: 4 }),
    insert: fc.option(fc.tuple(fc.nat({ max: length }), fc.uint8Array({ minLength: 1, maxLength: 8 }))),
    cut: fc.option(fc.nat({ max: length })),
  });

function applyDamage(file: Uint8Array, d: { writes: [number, number][]; insert: [number, Uint8Array] | null; cut: number | null }): Uint8Array {
  let out = Uint8Array.from(file);
  for (const [pos, byte] of d.writes) out[pos] = byte;
  if (d.insert !== null) {
    const [pos, bytes] = d.insert;
    out = Uint8Array.from([...out.subarray(0, pos), ...bytes, ...out.subarray(pos)]);
  }
  return d.cut === null ? out : out.subarray(0, d.cut);
}

/** Runs `fn` and returns the error class name, or 'ok'. */
function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return e instanceof FormatError ? 'FormatError' : e instanceof ConfigError ? 'ConfigError' : `unexpected ${String(e)}`;
  }
}

const CONFIG: ModelConfigInput = {
  inputSize: 2,
  layers: [
    { type: 'gru', name: 'gru', hiddenSize: 2 },
    { type: 'dense', name: 'fc', units: 1, activation: 'sigmoid' },
  ],
};

function weightsFor(config: ModelConfigInput): Map<string, RawTensor> {
  const m = new Map<string, RawTensor>();
  for (const { name, shape } of expectedTensors(parseModelConfig(config, 'test'))) {
    const n = shape.reduce((a, b) => a * b, 1);
    m.set(name, { dtype: 'F32', shape, data: Float32Array.from({ length: n }, (_, i) => i / 7 - 0.5) });
  }
  return m;
}

const modelBytes = writeModelFile(CONFIG, weightsFor(CONFIG), { 'rnn.vocab': 'ab' });

describe('damaged files parse or fail with FormatError, never anything else', () => {
  it('safetensors', () => {
    fc.assert(
      fc.property(damage(modelBytes.length), (d) => {
        expect(['ok', 'FormatError']).toContain(outcome(() => parseSafetensors(applyDamage(modelBytes, d), 'f')));
      }),
      RUNS,
    );
  });

  it('safetensors, damage confined to the header', () => {
    const headerEnd = 8 + Number(new DataView(modelBytes.buffer).getBigUint64(0, true));
    fc.assert(
      fc.property(damage(headerEnd), (d) => {
        const damaged = applyDamage(modelBytes.subarray(0, headerEnd), d);
        const file = Uint8Array.from([...damaged, ...modelBytes.subarray(headerEnd)]);
        expect(['ok', 'FormatError']).toContain(outcome(() => parseSafetensors(file, 'f')));
      }),
      RUNS,
    );
  });

  it('model files (a damaged config may also give ConfigError)', () => {
    fc.assert(
      fc.property(damage(modelBytes.length), (d) => {
        expect(['ok', 'FormatError', 'ConfigError']).toContain(outcome(() => readModelFile(applyDamage(modelBytes, d), 'f')));
      }),
      RUNS,
    );
  });

  it('npy', () => {
    const npy = serializeNpy(Float64Array.of(1, 2, 3, 4, 5, 6), [2, 3]);
    fc.assert(
      fc.property(damage(npy.length), (d) => {
        expect(['ok', 'FormatError']).toContain(outcome(() => parseNpy(applyDamage(npy, d), 'f')));
      }),
      RUNS,
    );
  });

  it('JSON arrays', () => {
    const text = '[[[1, -2.5e3], [3, 4]], [[5, 6], [7, 8e-1]]]';
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: text.length - 1 }), fc.constantFrom(...'[]{},:"0123456789.eE-+ nNaI')), { maxLength: 4 }),
        fc.option(fc.nat({ max: text.length })),
        (edits, cut) => {
          const chars = [...text];
          for (const [i, c] of edits) chars[i] = c;
          const damaged = chars.join('').slice(0, cut ?? undefined);
          expect(['ok', 'FormatError']).toContain(outcome(() => parseJsonArray(damaged, 'f')));
        },
      ),
      RUNS,
    );
  });

  it('arbitrary JSON as a model config gives a config or ConfigError', () => {
    const layer = fc.record(
      {
        type: fc.constantFrom('rnn', 'lstm', 'gru', 'dense', 'embedding', 'x'),
        name: fc.oneof(fc.constantFrom('a', 'b', 'a.0'), fc.jsonValue()),
        hiddenSize: fc.oneof(fc.integer({ min: -2, max: 4 }), fc.jsonValue()),
        units: fc.integer({ min: -1, max: 3 }),
        numEmbeddings: fc.integer({ min: 0, max: 3 }),
        embeddingDim: fc.integer({ min: 0, max: 3 }),
        returnSequences: fc.oneof(fc.boolean(), fc.jsonValue()),
        nonlinearity: fc.constantFrom('tanh', 'relu', 'gelu'),
      },
      { requiredKeys: ['type'] },
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.jsonValue(),
          fc.record({ inputSize: fc.oneof(fc.integer({ min: -1, max: 3 }), fc.jsonValue()), layers: fc.array(fc.oneof(layer, fc.jsonValue()), { maxLength: 4 }) }, { requiredKeys: ['layers'] }),
        ),
        (json) => {
          expect(['ok', 'ConfigError']).toContain(outcome(() => parseModelConfig(json, 'f')));
        },
      ),
      RUNS,
    );
  });
});

describe('parseStrictJson agrees with JSON.parse', () => {
  it('on valid JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), fc.boolean(), (v, pretty) => {
        const text = JSON.stringify(v, null, pretty ? 2 : undefined);
        expect(parseStrictJson(text, 'f')).toEqual(JSON.parse(text));
      }),
      RUNS,
    );
  });

  it('on near-JSON text, except that it also refuses duplicate keys', () => {
    const alphabet = fc.constantFrom(...'{}[],:" \\\nabu0123456789.eE-+tfrnl'.split(''), '"a"', '"a":1', 'true', 'null', '\\u00e9', '\\ud800');
    fc.assert(
      fc.property(fc.array(alphabet, { maxLength: 24 }), (parts) => {
        const text = parts.join('');
        let expected: { ok: true; value: unknown } | { ok: false };
        try {
          expected = { ok: true, value: JSON.parse(text) };
        } catch {
          expected = { ok: false };
        }
        try {
          const value = parseStrictJson(text, 'f');
          expect(expected).toEqual({ ok: true, value });
        } catch (e) {
          expect(e).toBeInstanceOf(FormatError);
          if (expected.ok) expect((e as Error).message).toMatch(/twice/);
        }
      }),
      { seed: 42, numRuns: 3000 },
    );
  });
});

describe('random valid data round-trips', () => {
  const dims = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 });
  const tensor: fc.Arbitrary<RawTensor> = fc
    .tuple(fc.constantFrom('F32', 'F64', 'I32', 'I64'), dims)
    .chain(([dtype, shape]) => {
      const n = shape.reduce((a, b) => a * b, 1);
      const len = { minLength: n, maxLength: n };
      switch (dtype) {
        case 'F32':
          return fc.float32Array(len).map((data): RawTensor => ({ dtype, shape, data }));
        case 'F64':
          return fc.float64Array(len).map((data): RawTensor => ({ dtype, shape, data }));
        case 'I32':
          return fc.array(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), len).map((v): RawTensor => ({ dtype, shape, data: Int32Array.from(v) }));
        default:
          return fc.array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), len).map((v): RawTensor => ({ dtype: 'I64', shape, data: BigInt64Array.from(v) }));
      }
    });
  const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

  it('safetensors', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 8 }).filter((s) => s !== '__metadata__'), tensor, { maxKeys: 5 }),
        fc.dictionary(fc.string({ unit: 'grapheme', maxLength: 8 }), fc.string({ unit: 'grapheme', maxLength: 12 }), { maxKeys: 3 }),
        (tensors, metadata) => {
          const bytes = serializeSafetensors(tensors, metadata);
          expect(new DataView(bytes.buffer).getBigUint64(0, true) % 8n).toBe(0n);
          const back = parseSafetensors(bytes);
          expect(back.metadata).toEqual(metadata);
          expect(new Set(back.tensors.keys())).toEqual(new Set(Object.keys(tensors)));
          for (const [name, t] of Object.entries(tensors)) {
            const r = back.tensors.get(name)!;
            expect(r.dtype).toBe(t.dtype);
            expect(r.shape).toEqual(t.shape);
            expect(bytesOf(r.data)).toEqual(bytesOf(t.data));
          }
          expect(serializeSafetensors(back.tensors, back.metadata)).toEqual(bytes);
        },
      ),
      RUNS,
    );
  });

  it('npy', () => {
    fc.assert(
      fc.property(tensor, (t) => {
        const back = parseNpy(serializeNpy(t.data, t.shape));
        expect(back.shape).toEqual(t.shape);
        expect(back.data.constructor).toBe(t.data.constructor);
        expect(bytesOf(back.data)).toEqual(bytesOf(t.data));
      }),
      RUNS,
    );
  });

  it('JSON arrays', () => {
    fc.assert(
      fc.property(
        // JSON cannot show axes after an empty one ([0, 3] prints as []), so zeros come last only.
        dims.filter((s) => !s.slice(0, -1).includes(0)).chain((shape) => {
          const n = shape.reduce((a, b) => a * b, 1);
          return fc
            .array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: n, maxLength: n })
            .map((v) => ({ shape, data: Float64Array.from(v, (x) => (x === 0 ? 0 : x)) }));
        }),
        ({ shape, data }) => {
          const back = parseJsonArray(JSON.stringify(toNestedArray(data, shape)));
          expect(back.shape).toEqual(shape);
          expect(back.data).toEqual(data);
        },
      ),
      RUNS,
    );
  });

  it('model files for random configs', () => {
    const recurrent = fc.record({
      type: fc.constantFrom('rnn' as const, 'lstm' as const, 'gru' as const),
      hiddenSize: fc.integer({ min: 1, max: 3 }),
      numLayers: fc.integer({ min: 1, max: 2 }),
      bidirectional: fc.boolean(),
    });
    const dense = fc.record({
      type: fc.constant('dense' as const),
      units: fc.integer({ min: 1, max: 3 }),
      activation: fc.constantFrom('linear' as const, 'softmax' as const),
    });
    const config = fc
      .tuple(fc.boolean(), fc.integer({ min: 1, max: 4 }), fc.array(fc.oneof(recurrent, dense), { minLength: 1, maxLength: 3 }))
      .map(([embed, inputSize, layers]): ModelConfigInput => ({
        ...(embed ? {} : { inputSize }),
        layers: [
          ...(embed ? [{ type: 'embedding' as const, name: 'emb', numEmbeddings: 5, embeddingDim: inputSize }] : []),
          ...layers.map((l, i) => ({ ...l, name: `l${i}` })),
        ],
      }));
    fc.assert(
      fc.property(config, (cfg) => {
        const w = weightsFor(cfg);
        const m = readModelFile(writeModelFile(cfg, w), 'f');
        expect(m.config).toEqual(parseModelConfig(cfg, 'x'));
        expect([...m.tensors.keys()]).toEqual([...w.keys()]);
        for (const [name, t] of w) expect(m.tensors.get(name)!.data).toEqual(t.data);
      }),
      RUNS,
    );
  });
});
