import { describe, expect, it } from 'vitest';
import { FormatError, ShapeError } from '../src/errors.js';
import { parseJsonArray, toNestedArray } from '../src/io/index.js';
import { expectThrow } from './io-helpers.js';

const F = 'x.json';

describe('parseJsonArray', () => {
  it('reads nested arrays row-major', () => {
    const a = parseJsonArray('[[[1, 2], [3, 4], [5, 6]], [[7, 8], [9, 10], [11, 12.5]]]', F);
    expect(a.shape).toEqual([2, 3, 2]);
    expect(a.data).toBeInstanceOf(Float64Array);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12.5]);
  });

  it('reads scalars, empty arrays and integer ids', () => {
    expect(parseJsonArray('3.5')).toEqual({ shape: [], data: Float64Array.of(3.5) });
    expect(parseJsonArray('[]')).toEqual({ shape: [0], data: new Float64Array(0) });
    expect(parseJsonArray('[[], []]').shape).toEqual([2, 0]);
    expect(Array.from(parseJsonArray('[[0, 64, 9007199254740991]]').data)).toEqual([0, 64, 9007199254740991]);
  });

  it('accepts rank 8 and refuses rank 9 before parsing', () => {
    expect(parseJsonArray('[[[[[[[[1]]]]]]]]').shape).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expectThrow(() => parseJsonArray('[[[[[[[[[1]]]]]]]]]', F), FormatError, F, 'deeper than 8');
    expectThrow(() => parseJsonArray('['.repeat(1_000_000), F), FormatError, F, 'deeper than 8');
  });

  it('ignores brackets inside strings when measuring depth', () => {
    expectThrow(() => parseJsonArray('["[[[[[[[[[[[[[["]', F), FormatError, 'at [0]', 'expected a number', 'the string');
  });

  describe('refuses', () => {
    const cases: Array<[string, string, ...string[]]> = [
      ['invalid JSON', '[1, 2', 'not valid JSON'],
      ['NaN (not JSON)', '[NaN]', 'not valid JSON'],
      ['a row that is too short', '[[1, 2], [3]]', 'at [1]', 'ragged', 'expected length 2', 'found length 1'],
      ['a deep row that is too long', '[[[1], [2]], [[3], [4, 5]]]', 'at [1][1]', 'expected length 1', 'found length 2'],
      ['an array where a number belongs', '[[1, 2], [3, [4]]]', 'at [1][1]', 'expected a number', 'ragged'],
      ['a number where an array belongs', '[[1, 2], 3]', 'at [1]', 'expected an array of length 2', 'found 3'],
      ['empty rows mixed with full ones', '[[], [1]]', 'at [1]', 'expected length 0', 'found length 1'],
      ['the string "NaN"', '[1, "NaN"]', 'at [1]', 'expected a number', 'the string "NaN"'],
      ['the string "Infinity"', '[[1], ["Infinity"]]', 'at [1][0]', 'the string "Infinity"'],
      ['a number that overflows to infinity', '[1, 1e400]', 'at [1]', 'infinity'],
      ['null', '[[1, null]]', 'at [0][1]', 'found null'],
      ['booleans', '[true]', 'at [0]', 'found true'],
      ['objects', '[{"a": 1}]', 'at [0]', 'an object'],
      ['a top-level string', '"1"', 'at the top level', 'the string "1"'],
      ['a top-level object', '{"data": [1]}', 'at the top level', 'an object'],
    ];
    for (const [what, text, ...parts] of cases) {
      it(what, () => {
        expectThrow(() => parseJsonArray(text, F), FormatError, F, ...parts);
      });
    }
  });
});

describe('toNestedArray', () => {
  it('inverts parseJsonArray', () => {
    for (const text of ['[[[1,2],[3,4],[5,6]],[[7,8],[9,10],[11,12]]]', '[]', '[[],[]]', '7', '[[[[1]]]]']) {
      const { data, shape } = parseJsonArray(text);
      expect(JSON.stringify(toNestedArray(data, shape))).toBe(text);
    }
  });

  it('accepts int32 and int64 data', () => {
    expect(toNestedArray(Int32Array.of(1, 2, 3, 4), [2, 2])).toEqual([[1, 2], [3, 4]]);
    expect(toNestedArray(BigInt64Array.of(5n, 6n), [2, 1])).toEqual([[5], [6]]);
  });

  it('refuses a shape that does not match the data', () => {
    expectThrow(() => toNestedArray(new Float32Array(5), [2, 3]), ShapeError, '[2, 3]', '6 elements', '5');
    expectThrow(() => toNestedArray(new Float32Array(0), [1.5]), ShapeError, '[1.5]');
  });
});
