import { describe, expect, it } from 'vitest';
import { fileURLToPath } from 'node:url';
import { FormatError } from '@rnn/core';
import { readConll, scoreConllFiles, scoreTags } from '../src/index.js';

// conlleval's published behaviour on real data: the seven WNUT 2017 shared-task systems scored on
// the test set. The figures are the entity F1 of data/wnut17/SOURCE.md (UH-RiTUAL, the winner,
// 41.86 as published by the shared task), computed there with conlleval.
const WNUT = fileURLToPath(new URL('../../../data/wnut17/', import.meta.url));

const SYSTEMS: [string, number][] = [
  ['uh_ritual', 41.86],
  ['spinningbytes', 40.78],
  ['sjtu_adapt', 40.42],
  ['arcada', 39.98],
  ['flytxt', 38.35],
  ['mic-cis', 37.06],
  ['drexel_cci', 26.3],
];

describe('conlleval scores of the WNUT 2017 submissions', () => {
  for (const [name, f1] of SYSTEMS) {
    it(`${name}: entity F1 ${f1}`, () => {
      const s = scoreConllFiles(`${WNUT}test.conll.gz`, `${WNUT}submissions/${name}.conll.gz`);
      expect(+(100 * s.entities!.f1).toFixed(2)).toBe(f1);
    });
  }

  it('the gold file against itself is perfect, with the published entity counts', () => {
    const gold = readConll(`${WNUT}test.conll.gz`);
    const tags = gold.sentences.map((x) => x.tags!);
    const s = scoreTags(tags, tags);
    expect(s.accuracy).toBe(1);
    expect(s.entities).toMatchObject({ gold: 1079, predicted: 1079, correct: 1079, f1: 1 });
    expect(Object.keys(s.entities!.types)).toEqual(['corporation', 'creative-work', 'group', 'location', 'person', 'product']);
  });

  it('refuses predictions that do not align with the gold sentences, naming the lines', () => {
    expect(() => scoreConllFiles(`${WNUT}test.conll.gz`, `${WNUT}dev.conll.gz`)).toThrow(FormatError);
    expect(() => scoreConllFiles(`${WNUT}test.conll.gz`, `${WNUT}dev.conll.gz`)).toThrow(/dev\.conll\.gz:1: sentence 1 has \d+ tokens, but in .*test\.conll\.gz \(line 1\) it has 27/);
  });
});
