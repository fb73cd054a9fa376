// Fuzzing the safetensors reader (and the model file built on it). Generators live in
// tools/fuzz/cases.mjs, shared with the long run (`node tools/fuzz/run.mjs`).
import { describe, expect, it } from 'vitest';
import { FUZZ_SEED } from '../../../tools/fuzz/cases.mjs';
import { FormatError } from '../src/errors.js';
import * as io from '../src/io/index.js';
import { fuzz, itLoadsOrRefuses, itRefuses } from './fuzz-helpers.js';
import { stFile } from './io-helpers.js';

describe('safetensors: hostile headers are refused with a FormatError, quickly, without big allocations', () => {
  const entry = (offsets: string, shape = '[2]', dtype = 'F32') => `"w":{"dtype":"${dtype}","shape":${shape},"data_offsets":${offsets}}`;
  const cases: Array<[string, () => Uint8Array]> = [
    ['header length 2^63', () => stFile('{}', [], 2n ** 63n)],
    ['header length 2^53 + 1', () => stFile('{}', [], 2n ** 53n + 1n)],
    ['header length one past the file', () => stFile('{}', [], 3n)],
    ['data_offsets [0, 2^53 + 1]', () => stFile(`{${entry('[0,9007199254740993]')}}`, new Array(8).fill(0))],
    ['data_offsets [2^64, 2^64 + 8]', () => stFile(`{${entry('[18446744073709551616,18446744073709551624]')}}`, new Array(8).fill(0))],
    ['shape [2^31, 2^31, 2^31] claiming 8 bytes', () => stFile(`{${entry('[0,8]', '[2147483648,2147483648,2147483648]')}}`, new Array(8).fill(0))],
    ['I64 shape [2^60] with empty data', () => stFile(`{${entry('[0,0]', '[1152921504606846976]', 'I64')}}`)],
    ['a tensor named twice with different data', () => stFile(`{${entry('[0,8]')},${entry('[8,16]')}}`, new Array(16).fill(0))],
    ['a lone surrogate encoded as UTF-8 (CESU)', () => { const b = stFile('{"a":{}}'); b.set([0xed, 0xa0, 0x80], 10); return b; }],
    ['100,000 nested objects in metadata', () => stFile(`{"__metadata__":${'{"a":'.repeat(100_000)}"x"${'}'.repeat(100_000)}}`)],
    ['100,000 unclosed brackets', () => stFile('['.repeat(100_000))],
  ];
  itRefuses(cases, [FormatError], (bytes) => io.parseSafetensors(bytes, 'f.safetensors'));

  it('names the source in the refusal of a header-length bomb', () => {
    expect(() => io.parseSafetensors(stFile('{}', [], 2n ** 63n), 'bomb.safetensors')).toThrow(/bomb\.safetensors: .*9223372036854775808.*limit/);
  });
});

describe(`safetensors fuzz (seed ${FUZZ_SEED})`, () => {
  itLoadsOrRefuses('safetensors', 1200, 100);

  it('model files: every input loads or is refused with a FormatError or ConfigError', () => {
    const stats = fuzz('model-file', 800);
    expect(stats.ok).toBeGreaterThan(100);
  });
});

describe('model files: a config that declares 2^40 layers', () => {
  it('is refused by tensor count, without listing 2^42 names', () => {
    const cfg = { inputSize: 1, layers: [{ type: 'lstm', name: 'x', hiddenSize: 1, numLayers: 2 ** 40 }] };
    const bytes = io.serializeSafetensors(new Map(), { 'rnn.format': '1', 'rnn.config': JSON.stringify(cfg) });
    expect(bytes.length).toBeLessThan(200);
    const t0 = performance.now();
    expect(() => io.readModelFile(bytes, 'bomb.safetensors')).toThrow(/bomb\.safetensors: the config implies 4398046511104 tensors but there are only 0.*layer "x"/);
    expect(performance.now() - t0).toBeLessThan(500);
  });
});
