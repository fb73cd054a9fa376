import { describe, expect, it } from 'vitest';
import { ShapeError } from '@rnn/core';
import { entitiesOf, isChunkTagSet, scoreTags } from '../src/index.js';

const t = (s: string) => s.split(' ');
const score = (gold: string[], pred: string[]) => scoreTags(gold.map(t), pred.map(t));

// Each case is what conlleval prints for the same two columns (counts: phrases found in the gold
// column, found in the guessed column, correct).
describe('conlleval scores', () => {
  it('an entity counts only with its exact span and type', () => {
    const s = score(['B-PER I-PER O B-LOC', 'B-PER I-PER I-PER', 'B-ORG'], ['B-PER I-PER O B-ORG', 'B-PER I-PER O', 'B-ORG']);
    expect(s.entities).toMatchObject({ gold: 4, predicted: 4, correct: 2, precision: 0.5, recall: 0.5, f1: 0.5 });
    expect(s.entities!.types['LOC']).toMatchObject({ gold: 1, predicted: 0, correct: 0, precision: 0, recall: 0, f1: 0 });
    expect(s.entities!.types['ORG']).toMatchObject({ gold: 1, predicted: 2, correct: 1, precision: 0.5, recall: 1 });
    expect(s.entities!.types['PER']).toMatchObject({ gold: 2, predicted: 2, correct: 1 });
    expect(Object.keys(s.entities!.types)).toEqual(['LOC', 'ORG', 'PER']);
    expect(s).toMatchObject({ tokens: 8, correctTokens: 6, accuracy: 0.75 });
  });

  it('splitting an entity in two is wrong twice over', () => {
    const s = score(['B-PER I-PER'], ['B-PER B-PER']);
    expect(s.entities).toMatchObject({ gold: 1, predicted: 2, correct: 0, f1: 0 });
  });

  it('reads IOB1 as conlleval does: I- after O or another type opens an entity', () => {
    expect(score(['I-PER I-PER O I-LOC'], ['B-PER I-PER O B-LOC']).entities).toMatchObject({ gold: 2, predicted: 2, correct: 2 });
    expect(entitiesOf(t('B-PER I-LOC I-LOC'))).toEqual([
      { type: 'PER', start: 0, end: 1 },
      { type: 'LOC', start: 1, end: 3 },
    ]);
  });

  it('reads IOBES: S- is an entity of one token, E- closes one', () => {
    expect(entitiesOf(t('S-PER B-LOC I-LOC E-LOC O B-ORG E-ORG S-ORG'))).toEqual([
      { type: 'PER', start: 0, end: 1 },
      { type: 'LOC', start: 1, end: 4 },
      { type: 'ORG', start: 5, end: 7 },
      { type: 'ORG', start: 7, end: 8 },
    ]);
    const s = score(['S-PER B-LOC E-LOC S-LOC'], ['S-PER B-LOC E-LOC B-LOC']);
    expect(s.entities).toMatchObject({ gold: 3, predicted: 3, correct: 3 });
    expect(score(['B-LOC E-LOC'], ['S-LOC S-LOC']).entities).toMatchObject({ gold: 1, predicted: 2, correct: 0 });
  });

  it('a sentence break ends every entity', () => {
    expect(score(['B-PER', 'I-PER'], ['B-PER', 'I-PER']).entities).toMatchObject({ gold: 2, predicted: 2, correct: 2 });
  });

  it('types may hold hyphens (WNUT17 creative-work)', () => {
    expect(entitiesOf(t('B-creative-work I-creative-work'))).toEqual([{ type: 'creative-work', start: 0, end: 2 }]);
  });

  it('tags that are not chunk tags get token accuracy only', () => {
    expect(isChunkTagSet(['O', 'B-X', 'I-X', 'E-Y', 'S-Z'])).toBe(true);
    expect(isChunkTagSet(['NOUN', 'VERB'])).toBe(false);
    expect(score(['NOUN VERB DET'], ['NOUN NOUN DET'])).toEqual({ tokens: 3, correctTokens: 2, accuracy: 2 / 3, entities: null });
  });

  it('no predicted entities: precision and F1 are 0, as conlleval prints', () => {
    expect(score(['B-PER O'], ['O O']).entities).toMatchObject({ gold: 1, predicted: 0, correct: 0, precision: 0, recall: 0, f1: 0 });
  });

  it('refuses tag lists that do not align', () => {
    expect(() => score(['O O'], ['O'])).toThrow(ShapeError);
    expect(() => score(['O O'], ['O'])).toThrow('sentence 1 has 2 gold tags but 1 predicted');
    expect(() => scoreTags([['O']], [])).toThrow('1 gold sentences but 0 predicted');
  });
});
