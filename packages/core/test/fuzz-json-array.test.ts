// Fuzzing the JSON-array reader. Generators live in tools/fuzz/cases.mjs, shared with the long run.
import { describe, expect, it } from 'vitest';
import { FUZZ_SEED } from '../../../tools/fuzz/cases.mjs';
import { FormatError } from '../src/errors.js';
import * as io from '../src/io/index.js';
import { itLoadsOrRefuses, itRefuses } from './fuzz-helpers.js';

const DEEP = 100_000;

describe('JSON arrays: hostile text is refused with a FormatError, quickly, without a stack overflow', () => {
  const cases: Array<[string, string]> = [
    ['100,000 unclosed brackets', '['.repeat(DEEP)],
    ['100,000 balanced brackets', '['.repeat(DEEP) + ']'.repeat(DEEP)],
    ['100,000 nested objects', '{"a":'.repeat(DEEP) + '1' + '}'.repeat(DEEP)],
    ['a 100,000-digit number', `[${'9'.repeat(DEEP)}]`],
    ['an exponent that overflows', '[1e999999999999]'],
    ['"NaN" and "Infinity" as strings', '[["NaN", "Infinity"]]'],
    ['a ragged array whose first row claims 10,000 columns', `[[${'1,'.repeat(9999)}1], [1]]`],
    ['a lone surrogate where a number belongs', '["\\ud800"]'],
  ];
  itRefuses(cases.map(([what, text]) => [what, () => text]), [FormatError], (text) => io.parseJsonArray(text, 'x.json'));

  it('reads 100,000 numbers in one row, and a 100,000-digit fraction as a number', () => {
    expect(io.parseJsonArray(`[${'0,'.repeat(DEEP)}0]`, 'x.json').shape).toEqual([DEEP + 1]);
    expect(io.parseJsonArray(`[0.${'0'.repeat(DEEP)}1]`, 'x.json').data[0]).toBe(0);
  });
});

describe(`JSON array fuzz (seed ${FUZZ_SEED})`, () => {
  itLoadsOrRefuses('json-array', 2000, 200);
});
