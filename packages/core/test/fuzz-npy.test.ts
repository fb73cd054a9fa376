// Fuzzing the .npy reader. Generators live in tools/fuzz/cases.mjs, shared with the long run.
import { describe } from 'vitest';
import { FUZZ_SEED } from '../../../tools/fuzz/cases.mjs';
import { FormatError } from '../src/errors.js';
import * as io from '../src/io/index.js';
import { itLoadsOrRefuses, itRefuses } from './fuzz-helpers.js';

/** A version 1.0 .npy file with `dict` as its header (padded as numpy pads) and `data` after it. */
function npy(dict: string, data: number | Uint8Array = 0, headerLength?: number): Uint8Array {
  const text = dict + ' '.repeat(63 - ((10 + dict.length) % 64)) + '\n';
  const body = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(10 + text.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, headerLength ?? text.length, true);
  for (let i = 0; i < text.length; i++) out[10 + i] = text.charCodeAt(i);
  out.set(body, 10 + text.length);
  return out;
}
const f4 = (shape: string, descr = '<f4') => `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;

describe('npy: hostile headers are refused with a FormatError, quickly, without big allocations', () => {
  const cases: Array<[string, () => Uint8Array]> = [
    ['shape (2^31, 2^31) with 16 data bytes', () => npy(f4('(2147483648, 2147483648)'), 16)],
    ['shape (2^31, 2^31, 0) claiming data anyway', () => npy(f4('(2147483648, 2147483648, 0)'), 8)],
    ['a 30-digit dimension', () => npy(f4('(123456789012345678901234567890,)'), 4)],
    ['a header length of 65535 in a 100-byte file', () => npy(f4('(1,)'), 4, 0xffff)],
    ['a version 2.0 header length of 2^32 - 1', () => { const b = npy(f4('(1,)'), 4); b[6] = 2; new DataView(b.buffer).setUint32(8, 0xffffffff, true); return b; }],
    ['100,000 open parentheses in the shape', () => { const b = npy(f4('(' + '('.repeat(100_000)), 0, 0); return b; }],
    ['descr "<U8" (unicode strings)', () => npy(f4('(1,)', '<U8'), 32)],
    ['descr "O" (pickled objects)', () => npy(f4('(1,)', 'O'), 8)],
    ['descr "<f4" repeated as a Python expression', () => npy(`{'descr': '<f4'*2, 'fortran_order': False, 'shape': (1,), }`, 4)],
    ['float64 data truncated by one byte', () => npy(f4('(2, 2)', '<f8'), 31)],
    ['int64 data missing entirely', () => npy(f4('(3,)', '<i8'), 0)],
  ];
  itRefuses(cases, [FormatError], (bytes) => io.parseNpy(bytes, 'f.npy'));
});

describe(`npy fuzz (seed ${FUZZ_SEED})`, () => {
  itLoadsOrRefuses('npy', 3000, 200);
});
