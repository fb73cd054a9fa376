import { describe, expect, it } from 'vitest';
import { DTypeError, FormatError, ShapeError, ValueError } from '../src/errors.js';
import { int64ToInt32, parseNpy, serializeNpy } from '../src/io/index.js';
import { ascii, expectThrow, fromBase64 } from './io-helpers.js';

// Written by numpy 2.4 (np.save / numpy.lib.format.write_array) and stored here as fixtures.
const NUMPY = {
  /** np.save(f, np.arange(6, dtype='<f4').reshape(2, 3)) */
  f32: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPwAAAEAAAEBAAACAQAAAoEA=',
  /** np.save(f, np.array([1, -2, 2**40], dtype='<i8')) */
  i64: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAAAAAAAAP7/////////AAAAAAABAAA=',
  /** np.save(f, np.arange(4, dtype='>f4')) */
  be: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPmY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDQsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAP4AAAEAAAABAQAAA',
  /** write_array(f, np.arange(3, dtype='<f4'), version=(2, 0)) */
  v2: 'k05VTVBZAgB0AAAAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMywpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPwAAAEA=',
  /** write_array(f, np.arange(3, dtype='<f4'), version=(3, 0)) */
  v3: 'k05VTVBZAwB0AAAAeydkZXNjcic6ICc8ZjQnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMywpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPwAAAEA=',
  /** np.save(f, np.float32(2.5)) */
  scalar: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAACBA',
};

const F = 'x.npy';

/** A .npy file from a header dict literal (padded like numpy) and raw data bytes. */
function npyFile(dict: string, data: ArrayLike<number> = [], version = 1): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const pad = 64 - ((prefix + dict.length + 1) % 64);
  const header = ascii(dict + ' '.repeat(pad) + '\n');
  const out = new Uint8Array(prefix + header.length + data.length);
  out.set([0x93, ...ascii('NUMPY'), version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(header, prefix);
  out.set(Array.from(data), prefix + header.length);
  return out;
}

const f4 = (shape: string, fortran = 'False', descr = '<f4') =>
  `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;

describe('parseNpy', () => {
  it('reads files numpy wrote', () => {
    const a = parseNpy(fromBase64(NUMPY.f32), 'a.npy');
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([2, 3]);
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(Array.from(a.data as Float32Array)).toEqual([0, 1, 2, 3, 4, 5]);

    const i = parseNpy(fromBase64(NUMPY.i64));
    expect(i.dtype).toBe('int64');
    expect(Array.from(i.data as BigInt64Array)).toEqual([1n, -2n, 2n ** 40n]);

    const s = parseNpy(fromBase64(NUMPY.scalar));
    expect(s.shape).toEqual([]);
    expect(Array.from(s.data as Float32Array)).toEqual([2.5]);
  });

  it('byte-swaps big-endian data', () => {
    const a = parseNpy(fromBase64(NUMPY.be));
    expect(a.dtype).toBe('float32');
    expect(Array.from(a.data as Float32Array)).toEqual([0, 1, 2, 3]);
    const i = parseNpy(npyFile(f4('(2,)', 'False', '>i4'), [0, 0, 1, 2, 0xff, 0xff, 0xff, 0xfe]));
    expect(Array.from(i.data as Int32Array)).toEqual([258, -2]);
  });

  it('reads versions 2.0 and 3.0', () => {
    for (const v of [NUMPY.v2, NUMPY.v3]) {
      expect(Array.from(parseNpy(fromBase64(v)).data as Float32Array)).toEqual([0, 1, 2]);
    }
  });

  it("accepts '|', '=' and no byte-order mark as native order, double quotes, 3L and odd spacing", () => {
    const one = [0, 0, 128, 63];
    for (const dict of [
      f4('(1,)', 'False', '|f4'),
      f4('(1,)', 'False', '=f4'),
      f4('(1,)', 'False', 'f4'),
      `{"descr":"<f4","fortran_order":False,"shape":(1L,)}`,
      `{ 'shape' : ( 1 , ) , 'descr' : '<f4' , 'fortran_order' : False }`,
      f4('(1)'), // Python reads "(1)" as the int 1, which is not a tuple
    ]) {
      if (dict.endsWith("(1), }")) {
        expectThrow(() => parseNpy(npyFile(dict, one), F), FormatError, "'shape'", 'tuple');
        continue;
      }
      expect(Array.from(parseNpy(npyFile(dict, one), F).data as Float32Array)).toEqual([1]);
    }
  });

  it('accepts fortran_order True when the layout equals C order', () => {
    const a = parseNpy(npyFile(f4('(1, 2, 1)', 'True'), [0, 0, 128, 63, 0, 0, 0, 64]));
    expect(a.shape).toEqual([1, 2, 1]);
    expect(Array.from(a.data as Float32Array)).toEqual([1, 2]);
  });

  it('reads an empty array with a huge first axis without allocating it', () => {
    const a = parseNpy(npyFile(f4('(123456789012, 0)', 'False', '<f8')));
    expect(a.shape).toEqual([123456789012, 0]);
    expect(a.data.length).toBe(0);
  });

  describe('refuses', () => {
    const cases: Array<[string, () => Uint8Array, ...string[]]> = [
      ['a file without the magic', () => new Uint8Array(ascii('PK\x03\x04 not numpy at all')), 'magic'],
      ['an empty file', () => new Uint8Array(0), 'magic'],
      ['version 4.0', () => { const b = npyFile(f4('(0,)')); b[6] = 4; return b; }, 'version 4.0', '1.0, 2.0 or 3.0'],
      ['version 1.1', () => { const b = npyFile(f4('(0,)')); b[7] = 1; return b; }, 'version 1.1'],
      ['a header longer than the file', () => npyFile(f4('(0,)')).subarray(0, 40), 'truncated'],
      ['a huge header length', () => { const b = npyFile(f4('(0,)'), [], 2); new DataView(b.buffer).setUint32(8, 0xffffffff, true); return b; }, '4294967295', 'limit'],
      ['fortran order', () => npyFile(f4('(2, 3)', 'True'), new Array(24).fill(0)), "'fortran_order' is True", '[2, 3]', 'np.ascontiguousarray'],
      ['fortran_order that is not a bool', () => npyFile(f4('(1,)', '1'), [0, 0, 0, 0]), "'fortran_order'", 'found 1'],
      ['bool data', () => npyFile(f4('(1,)', 'False', '|b1'), [1]), "'|b1'", 'float32, float64, int32 or int64'],
      ['float16 data', () => npyFile(f4('(1,)', 'False', '<f2'), [0, 0]), "'<f2'", 'not supported'],
      ['structured dtypes', () => npyFile(`{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }`, [0, 0, 0, 0]), 'dict literal', "found \"[('a'"],
      ['a missing key', () => npyFile(`{'descr': '<f4', 'shape': (1,), }`, [0, 0, 0, 0]), "exactly the keys", "'descr', 'shape'"],
      ['an extra key', () => npyFile(`{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}`, [0, 0, 0, 0]), "'x'"],
      ['a duplicated key', () => npyFile(`{'descr': '<f4', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}`), 'appears twice'],
      ['a negative dimension', () => npyFile(f4('(-1,)')), 'dict literal'],
      ['a non-integer dimension', () => npyFile(f4("('2',)")), "'shape'", "('2',)"],
      ['a header that is not a dict', () => npyFile(`['descr']`), "expected '{'"],
      ['an unterminated string', () => npyFile(`{'descr: '<f4'}`), 'dict literal'],
      ['Python code in the header', () => npyFile(`{'descr': __import__('os'), 'fortran_order': False, 'shape': (1,)}`), 'dict literal', '__import__'],
      ['junk after the dict', () => npyFile(`${f4('(0,)')} junk`), 'only whitespace after the dict'],
      ['truncated data', () => npyFile(f4('(3,)'), [0, 0, 0, 0, 0, 0, 0, 0]), '[3]', 'needs 12', 'has 8', 'truncated'],
      ['trailing data', () => npyFile(f4('(1,)'), [0, 0, 0, 0, 0]), '[1]', 'needs 4', 'has 5', 'trailing'],
      ['a shape whose size overflows', () => npyFile(f4('(4294967296, 4294967296)')), 'more than 2^53'],
      ['a version 3 header that is not UTF-8', () => { const b = npyFile(f4('(0,)'), [], 3); b[20] = 0xff; return b; }, 'not valid UTF-8'],
    ];
    for (const [what, make, ...parts] of cases) {
      it(what, () => {
        expectThrow(() => parseNpy(make(), F), FormatError, F, ...parts);
      });
    }
  });
});

describe('serializeNpy', () => {
  it('writes the same bytes as numpy.save', () => {
    expect(serializeNpy(Float32Array.of(0, 1, 2, 3, 4, 5), [2, 3])).toEqual(fromBase64(NUMPY.f32));
    expect(serializeNpy(BigInt64Array.of(1n, -2n, 2n ** 40n), [3])).toEqual(fromBase64(NUMPY.i64));
    expect(serializeNpy(Float32Array.of(2.5), [])).toEqual(fromBase64(NUMPY.scalar));
  });

  it('pads the header to 64 bytes and ends it with a newline', () => {
    for (const shape of [[], [1], [12, 3], [1, 2, 3, 4, 5, 6, 7, 8], [0]]) {
      const n = shape.reduce((a, b) => a * b, 1);
      const b = serializeNpy(new Float64Array(n), shape);
      const len = new DataView(b.buffer).getUint16(8, true);
      expect((10 + len) % 64).toBe(0);
      expect(b[10 + len - 1]).toBe(0x0a);
      expect(b[6]).toBe(1);
    }
  });

  it('round-trips float32, float64, int32 and int64', () => {
    const arrays = [
      Float32Array.of(1.5, -0, 3e38),
      Float64Array.of(Math.PI, -1e-300, 7),
      Int32Array.of(-2147483648, 0, 2147483647),
      BigInt64Array.of(-(2n ** 63n), 0n, 2n ** 63n - 1n),
    ];
    for (const a of arrays) {
      const back = parseNpy(serializeNpy(a, [3, 1]));
      expect(back.shape).toEqual([3, 1]);
      expect(back.data.constructor).toBe(a.constructor);
      expect(Array.from(back.data as ArrayLike<unknown>)).toEqual(Array.from(a as ArrayLike<unknown>));
    }
  });

  it('refuses a mismatched shape or an unsupported array', () => {
    expectThrow(() => serializeNpy(new Float32Array(5), [2, 3]), ShapeError, '[2, 3]', '6 elements', '5');
    expectThrow(() => serializeNpy(new Float32Array(0), [-1]), ShapeError, 'non-negative');
    expectThrow(() => serializeNpy(new Uint8Array(2) as unknown as Float32Array, [2]), DTypeError, 'Uint8Array');
  });
});

describe('int64ToInt32', () => {
  it('converts ids in range and refuses the rest, naming the element', () => {
    expect(Array.from(int64ToInt32(BigInt64Array.of(0n, -5n, 2147483647n), 'y.npy'))).toEqual([0, -5, 2147483647]);
    expectThrow(() => int64ToInt32(BigInt64Array.of(1n, 2n ** 31n), 'y.npy'), ValueError, 'y.npy', 'element 1', '2147483648', 'int32');
  });
});
