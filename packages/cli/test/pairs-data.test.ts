import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { pairLengthKeys } from '@rnn/layers';
import { PackedPairs, chooseSplits, tokenizePairs } from '../src/workflows/pairs/data.js';
import { closest, editDistance, scorePairs } from '../src/workflows/pairs/score.js';
import { defaultSplit, detokenize, tokenize } from '../src/workflows/pairs/split.js';
import { parsePairs, readPairs } from '../src/workflows/pairs/tsv.js';
import { tmp } from './helpers.js';

describe('pairs files', () => {
  it('reads source<TAB>target lines with their line numbers; CRLF and a final newline are fine', () => {
    expect(parsePairs('ab\tA B\r\ncd\tC D\n', 'f')).toEqual([
      { line: 1, source: 'ab', target: 'A B' },
      { line: 2, source: 'cd', target: 'C D' },
    ]);
  });

  it('reads gzip by its magic bytes, whatever the name', () => {
    const dir = tmp();
    const p = join(dir, 'pairs.tsv');
    writeFileSync(p, gzipSync('héllo\tH EH L OW\n'));
    expect(readPairs(p, '--pairs')).toEqual([{ line: 1, source: 'héllo', target: 'H EH L OW' }]);
  });

  it.each([
    ['no tab', 'ab\tA B\ncd C D\n', /--pairs f line 2: no tab, found "cd C D"; expected source<TAB>target/],
    ['an empty target', 'ab\tA B\ncd\t\n', /--pairs f line 2: the target \(after the tab\) is empty, found "cd\\t"/],
    ['an empty source', '\tA B\n', /--pairs f line 1: the source \(before the tab\) is empty, found "\\tA B"/],
    ['a target of spaces', 'ab\t  \n', /line 1: the target \(after the tab\) is empty/],
    ['three columns', 'ab\tA\tB\n', /--pairs f line 1: 3 tab-separated columns, found "ab\\tA\\tB"; expected 2/],
    ['a blank line', 'ab\tA\n\ncd\tC\n', /--pairs f line 2 is empty; expected source<TAB>target on every line/],
    ['nothing', '', /--pairs f: the file is empty/],
  ])('refuses %s, naming the line and what was found', (_, text, message) => {
    expect(() => parsePairs(text, '--pairs f')).toThrow(message);
  });

  it('predict reads the first column only: no tab is fine, a second column is ignored', () => {
    expect(parsePairs('ab\ncd\tX\n', 'f', 'sources')).toEqual([
      { line: 1, source: 'ab', target: null },
      { line: 2, source: 'cd', target: null },
    ]);
    expect(() => parsePairs('ab\n\tX\n', '--pairs f', 'sources')).toThrow(/line 2: the source \(before the tab\) is empty/);
  });

  it('names a missing file and a file that is not UTF-8', () => {
    const dir = tmp();
    expect(() => readPairs(join(dir, 'nope.tsv'), '--dev')).toThrow(/--dev .*nope.tsv: no such file/);
    writeFileSync(join(dir, 'latin1.tsv'), Buffer.from([0x63, 0xe9, 0x09, 0x41, 0x0a]));
    expect(() => readPairs(join(dir, 'latin1.tsv'), '--pairs')).toThrow(/not UTF-8 text/);
  });
});

describe('splitting', () => {
  it('splits into code points or space-separated tokens, and joins back', () => {
    expect(tokenize('naïve😀', 'char')).toEqual(['n', 'a', 'ï', 'v', 'e', '😀']);
    expect(tokenize(' AH  B ', 'space')).toEqual(['AH', 'B']);
    expect(detokenize(['AH', 'B'], 'space')).toBe('AH B');
    expect(detokenize(['a', 'b'], 'char')).toBe('ab');
  });

  it('by default splits a side on spaces when any of its lines holds one, else into characters', () => {
    expect(defaultSplit(['abc', 'de'])).toBe('char');
    expect(defaultSplit(['abc', 'd e'])).toBe('space');
    const lines = parsePairs('ab\tA\ncd\tC D\n', 'f');
    expect(chooseSplits(lines, {})).toEqual({ source: 'char', target: 'space' });
    expect(chooseSplits(lines, { target: 'char', source: 'space' })).toEqual({ source: 'space', target: 'char' });
  });

  it('groups a source given on several lines into one source with alternative targets', () => {
    const p = tokenizePairs(parsePairs('a\tAH\nab\tAE B\na\tEY\n', 'f'), { source: 'char', target: 'space' });
    expect(p.sources).toEqual([['a'], ['a', 'b'], ['a']]);
    expect(p.groups).toEqual([
      { source: 'a', tokens: ['a'], targets: [['AH'], ['EY']], line: 1 },
      { source: 'ab', tokens: ['a', 'b'], targets: [['AE', 'B']], line: 2 },
    ]);
  });
});

describe('packed training pairs', () => {
  it('give back every pair, and the same length keys as pairLengthKeys', () => {
    // one pair long enough to span most of the ids, one with an empty target
    const pairs = [
      { source: [5, 6, 7], target: [4] },
      { source: [9], target: [] },
      { source: Array.from({ length: 40 }, (_, i) => i), target: Array.from({ length: 70000 }, (_, i) => i % 7) },
      { source: [3, 3], target: [8, 9, 10] },
    ];
    const packed = PackedPairs.from(pairs);
    expect(packed.size).toBe(4);
    for (let i = 0; i < pairs.length; i++) expect(packed.pair(i)).toEqual(pairs[i]);
    expect(packed.lengthKeys()).toEqual(pairLengthKeys(pairs));
    // fresh arrays each time: a batch may not write into the store
    const p = packed.pair(0);
    (p.source as number[])[0] = 99;
    expect(packed.pair(0).source).toEqual([5, 6, 7]);
  });

  it('hold nothing for an empty file', () => {
    const packed = PackedPairs.from([]);
    expect(packed.size).toBe(0);
    expect(packed.lengthKeys()).toEqual(new Int32Array(0));
  });
});

describe('scores', () => {
  it('edit distance counts insertions, deletions and substitutions', () => {
    expect(editDistance([], ['a', 'b'])).toBe(2);
    expect(editDistance(['k', 'i', 't', 't', 'e', 'n'], ['s', 'i', 't', 't', 'i', 'n', 'g'])).toBe(3);
    expect(editDistance(['a', 'b'], ['a', 'b'])).toBe(0);
  });

  it('scores against the closest alternative: right when equal to any', () => {
    expect(closest(['EY'], [['AH'], ['EY']])).toEqual({ distance: 0, length: 1 });
    // "a": right (matches the 2nd alternative); "ab": 1 substitution of 2; "X": 1 edit to the closest (X Y, length 2), 2 to X Y Z
    const s = scorePairs(
      [['EY'], ['AE', 'P'], ['X']],
      [[['AH'], ['EY']], [['AE', 'B']], [['X', 'Y', 'Z'], ['X', 'Y']]],
    );
    expect(s).toEqual({ sequences: 3, wrong: 2, edits: 2, tokens: 5, sequenceErrorRate: 2 / 3, tokenErrorRate: 0.4 });
  });
});
