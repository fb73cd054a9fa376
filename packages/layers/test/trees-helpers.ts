// What the trees-*.test.ts files share.
import { fileURLToPath } from 'node:url';
import { Vocab, readTrees } from '../src/index.js';

/** The first `n` trees of an SST split in data/sst, and their lower-cased vocabulary. */
export function sstSample(split: 'train' | 'dev', n: number) {
  const trees = readTrees(fileURLToPath(new URL(`../../../data/sst/${split}.txt.gz`, import.meta.url))).slice(0, n);
  return { trees, vocab: Vocab.build(trees, { lowercase: true }) };
}

/** The largest absolute difference between two equal-length arrays. */
export function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
