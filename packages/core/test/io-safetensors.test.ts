import { describe, expect, it } from 'vitest';
import { DTypeError, FormatError, ShapeError } from '../src/errors.js';
import {
  MAX_SAFETENSORS_HEADER_BYTES,
  parseSafetensors,
  serializeSafetensors,
  type RawTensor,
} from '../src/io/index.js';
import { ascii, expectThrow, stFile } from './io-helpers.js';

const F = 'bad.safetensors';

function f32(shape: number[], values: number[]): RawTensor {
  return { dtype: 'F32', shape, data: Float32Array.from(values) };
}

describe('serializeSafetensors', () => {
  it('writes the exact bytes of the reference layout', () => {
    const bytes = serializeSafetensors(
      new Map<string, RawTensor>([
        ['b', f32([2], [1, -2])],
        ['a', { dtype: 'I32', shape: [1], data: Int32Array.of(7) }],
      ]),
      { z: '1', k: 'v' },
    );
    const header =
      '{"__metadata__":{"k":"v","z":"1"},' +
      '"a":{"dtype":"I32","shape":[1],"data_offsets":[0,4]},' +
      '"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}';
    expect(header.length).toBe(141);
    const expected = [
      ...[144, 0, 0, 0, 0, 0, 0, 0], // u64 LE header length: 141 bytes padded to 144
      ...ascii(header),
      ...ascii('   '), // padding to a multiple of 8
      ...[7, 0, 0, 0], // a: I32 7
      ...[0, 0, 128, 63], // b[0]: F32 1.0
      ...[0, 0, 0, 192], // b[1]: F32 -2.0
    ];
    expect(Array.from(bytes)).toEqual(expected);
  });

  it('omits empty metadata and pads even an empty header', () => {
    const bytes = serializeSafetensors({});
    expect(Array.from(bytes)).toEqual([8, 0, 0, 0, 0, 0, 0, 0, ...ascii('{}      ')]);
    expect(parseSafetensors(bytes).tensors.size).toBe(0);
  });

  it('is deterministic regardless of insertion order, and sorts names by code point', () => {
    const t = f32([1], [1]);
    const a = serializeSafetensors({ b: t, a: t, 'é': t, Z: t, '10': t, '9': t }, { y: '1', x: '2' });
    const b = serializeSafetensors(
      new Map([['9', t], ['é', t], ['Z', t], ['10', t], ['a', t], ['b', t]]),
      { x: '2', y: '1' },
    );
    expect(a).toEqual(b);
    const header = new TextDecoder().decode(a.subarray(8, 8 + Number(new DataView(a.buffer).getBigUint64(0, true))));
    const order = [...header.matchAll(/"([^"]+)":\{"dtype"/g)].map((m) => m[1]);
    expect(order).toEqual(['10', '9', 'Z', 'a', 'b', 'é']);
  });

  it('round-trips every supported dtype, including I64 as BigInt64Array', () => {
    const tensors: Record<string, RawTensor> = {
      f32: f32([2, 3], [0, 1.5, -2, 3e38, -0, 1e-45]),
      f64: { dtype: 'F64', shape: [3], data: Float64Array.of(Math.PI, -1e308, Number.MIN_VALUE) },
      i32: { dtype: 'I32', shape: [2, 1], data: Int32Array.of(-2147483648, 2147483647) },
      i64: { dtype: 'I64', shape: [2], data: BigInt64Array.of(-(2n ** 63n), 2n ** 62n + 1n) },
      scalar: f32([], [42]),
      empty: f32([0, 5], []),
    };
    const { tensors: back, metadata } = parseSafetensors(serializeSafetensors(tensors, { note: 'é ✓' }));
    expect(metadata).toEqual({ note: 'é ✓' });
    for (const [name, t] of Object.entries(tensors)) {
      const r = back.get(name)!;
      expect(r.dtype).toBe(t.dtype);
      expect(r.shape).toEqual(t.shape);
      expect(r.data.constructor).toBe(t.data.constructor);
      expect(Array.from(r.data as ArrayLike<unknown>)).toEqual(Array.from(t.data as ArrayLike<unknown>));
    }
  });

  it('returns tensors that own their memory', () => {
    const bytes = serializeSafetensors({ a: f32([2], [1, 2]) });
    const t = parseSafetensors(bytes).tensors.get('a')!;
    bytes.fill(0);
    expect(Array.from(t.data as Float32Array)).toEqual([1, 2]);
  });

  it('refuses tensors it cannot write, naming the tensor', () => {
    expectThrow(
      () => serializeSafetensors({ w: { dtype: 'F32', shape: [2, 2], data: new Float32Array(3) } }),
      ShapeError, '"w"', '[2, 2]', '4 elements', '3',
    );
    expectThrow(
      () => serializeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float64Array(2) } as unknown as RawTensor }),
      DTypeError, '"w"', 'Float32Array', 'Float64Array',
    );
    expectThrow(
      () => serializeSafetensors({ w: { dtype: 'F16', shape: [1], data: new Float32Array(1) } as unknown as RawTensor }),
      DTypeError, '"w"', 'F16', 'F32, F64, I32, I64',
    );
    expectThrow(() => serializeSafetensors({ w: f32([-1], []) }), ShapeError, '"w"', 'non-negative');
    expectThrow(() => serializeSafetensors({ __metadata__: f32([1], [1]) }), FormatError, '__metadata__', 'reserved');
    expectThrow(() => serializeSafetensors({ ['a\uD800']: f32([1], [1]) }), FormatError, 'surrogate');
    expectThrow(
      () => serializeSafetensors({}, { k: 3 as unknown as string }),
      FormatError, '"k"', 'expected a string', 'found 3',
    );
  });
});

describe('parseSafetensors', () => {
  it("reads the reference implementation's documented example (unpadded header)", () => {
    const header = '{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}';
    const bytes = stFile(header, new Array(16).fill(0));
    expect(bytes[0]).toBe(0x3c); // '<', as in the reference docs
    const t = parseSafetensors(bytes).tensors.get('test')!;
    expect(t.dtype).toBe('I32');
    expect(t.shape).toEqual([2, 2]);
    expect(Array.from(t.data as Int32Array)).toEqual([0, 0, 0, 0]);
  });

  it('reads tensors at unaligned offsets and from a buffer with an odd byteOffset', () => {
    // One byte of U8-like padding is impossible with supported dtypes, so misalign via the
    // header: length 61 puts the data section at byte 69.
    const header = '{"a":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}}       ';
    expect((8 + header.length) % 8).not.toBe(0);
    const data = new Uint8Array(new Float64Array([Math.E]).buffer);
    const file = stFile(header, data);
    const shifted = new Uint8Array(file.length + 3).subarray(3);
    shifted.set(file);
    for (const bytes of [file, shifted]) {
      const t = parseSafetensors(bytes).tensors.get('a')!;
      expect(t.data[0]).toBe(Math.E);
    }
  });

  it('accepts "__metadata__": null and whitespace around the JSON', () => {
    const r = parseSafetensors(stFile(' \n{"__metadata__":null}\t '));
    expect(r.metadata).toEqual({});
  });

  it('keeps "__proto__" keys as plain data', () => {
    const r = parseSafetensors(stFile('{"__metadata__":{"__proto__":"x","toString":"y"}}'));
    expect(Object.getPrototypeOf(r.metadata)).toBe(Object.prototype);
    expect(Object.keys(r.metadata)).toEqual(['__proto__', 'toString']);
    expect(r.metadata['toString']).toBe('y');
  });

  describe('refuses', () => {
    const T = (s: string) => stFile(s);
    const cases: Array<[string, () => Uint8Array, ...string[]]> = [
      ['a file shorter than 8 bytes', () => new Uint8Array(5), '5 bytes', 'shorter than the 8-byte'],
      ['a header length over 100 MB', () => stFile('{}', [], BigInt(MAX_SAFETENSORS_HEADER_BYTES) + 1n), '100000001', 'limit'],
      ['a header length of 2^64-1', () => stFile('{}', [], 2n ** 64n - 1n), '18446744073709551615', 'limit'],
      ['a header length past the end of the file', () => stFile('{}', [], 100n), '100 bytes', 'only 2 bytes follow', 'truncated'],
      ['invalid UTF-8', () => { const b = stFile('{"a":1}'); b[10] = 0xff; return b; }, 'not valid UTF-8'],
      ['a UTF-8 BOM before the JSON', () => stFile('\uFEFF{}'), 'not valid JSON', 'character 0'],
      ['invalid JSON', () => T('{"a":}'), 'not valid JSON', 'character 5'],
      ['trailing garbage after the JSON', () => T('{} x'), 'not valid JSON', 'end of input'],
      ['a header that is an array', () => T('[]'), 'expected a JSON object', 'an array'],
      ['a header that is a string', () => T('"hi"'), 'expected a JSON object', 'the string "hi"'],
      ['deep nesting', () => T('{"a":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}'), 'deeper than 64'],
      ['a duplicated tensor name', () => T('{"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"a":{"dtype":"F32","shape":[0],"data_offsets":[0,0]}}'), '"a"', 'twice'],
      ['a duplicated key inside a tensor', () => T('{"a":{"dtype":"F32","dtype":"F64","shape":[0],"data_offsets":[0,0]}}'), '"dtype"', 'twice'],
      ['a duplicated metadata key', () => T('{"__metadata__":{"k":"1","k":"2"}}'), '"k"', 'twice'],
      ['metadata that is not an object', () => T('{"__metadata__":[1]}'), '__metadata__', 'expected an object of strings'],
      ['a metadata value that is not a string', () => T('{"__metadata__":{"epochs":3}}'), '"epochs"', 'expected a string value', 'found 3'],
      ['a tensor entry that is not an object', () => T('{"w":[1,2]}'), 'tensor "w"', 'expected an object'],
      ['an unknown key in a tensor entry', () => T('{"w":{"dtype":"F32","shape":[0],"data_offsets":[0,0],"offsets":[0,0]}}'), 'tensor "w"', '"offsets"'],
      ['an unknown dtype', () => T('{"w":{"dtype":"F31","shape":[0],"data_offsets":[0,0]}}'), 'tensor "w"', 'unknown dtype', '"F31"', 'F32, F64, I32, I64'],
      ['an unsupported spec dtype', () => T('{"w":{"dtype":"BF16","shape":[0],"data_offsets":[0,0]}}'), 'tensor "w"', '"BF16"', 'not supported'],
      ['a missing dtype', () => T('{"w":{"shape":[0],"data_offsets":[0,0]}}'), 'tensor "w"', 'nothing'],
      ['a negative dimension', () => T('{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}'), 'tensor "w"', 'shape', '[-1]'],
      ['a fractional dimension', () => T('{"w":{"dtype":"F32","shape":[1.5],"data_offsets":[0,6]}}'), 'tensor "w"', 'shape', '[1.5]'],
      ['an unsafe dimension', () => T('{"w":{"dtype":"F32","shape":[9007199254740993],"data_offsets":[0,0]}}'), 'tensor "w"', 'shape'],
      ['a string dimension', () => T('{"w":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}'), 'tensor "w"', 'shape'],
      ['data_offsets of the wrong length', () => T('{"w":{"dtype":"F32","shape":[0],"data_offsets":[0]}}'), 'tensor "w"', 'data_offsets', '[0]'],
      ['data_offsets that end before they begin', () => stFile('{"w":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}', [0, 0, 0, 0]), 'tensor "w"', '[4, 0]'],
      ['data_offsets past the data section', () => stFile('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}', [0, 0, 0, 0]), 'tensor "w"', '[0, 8]', '4-byte data section', 'truncated'],
      ['a byte count that does not match the shape', () => stFile('{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', new Array(8).fill(0)), 'tensor "w"', '[3]', 'needs 12 bytes', 'hold 8'],
      ['a shape whose size overflows', () => T('{"w":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,0]}}'), 'tensor "w"', 'more than 2^53'],
      ['overlapping tensors', () => stFile('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', new Array(8).fill(0)), 'tensor "b"', 'overlaps tensor "a"'],
      ['a hole in the data section', () => stFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}', new Array(12).fill(0)), 'bytes 4..8', '"b"', 'no holes'],
      ['a hole at the start', () => stFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', new Array(8).fill(0)), 'bytes 0..4', '"a"'],
      ['trailing bytes after the last tensor', () => stFile('{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', new Array(6).fill(0)), '6 bytes', 'cover only 4', 'trailing'],
      ['a data section with no tensors', () => stFile('{}', [1]), '1 bytes', 'cover only 0'],
    ];
    for (const [what, make, ...parts] of cases) {
      it(what, () => {
        expectThrow(() => parseSafetensors(make(), F), FormatError, F, ...parts);
      });
    }
  });

  it('defaults the source name to <buffer>', () => {
    expectThrow(() => parseSafetensors(new Uint8Array(0)), FormatError, '<buffer>');
  });

  it('accepts zero-sized tensors sharing an offset', () => {
    const r = parseSafetensors(
      stFile('{"a":{"dtype":"F32","shape":[0],"data_offsets":[4,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"c":{"dtype":"I64","shape":[2,0],"data_offsets":[4,4]}}', [0, 0, 128, 63]),
    );
    expect([...r.tensors.keys()]).toEqual(['b', 'a', 'c']);
    expect(r.tensors.get('c')!.data).toBeInstanceOf(BigInt64Array);
  });
});
