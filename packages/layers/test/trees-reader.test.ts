import { describe, expect, it } from 'vitest';
import { FormatError } from '@rnn/core';
import { Vocab, leafWords, makeTree, nodeHeights, parseTrees, readTrees, rootOf, toBracket, treeDepth } from '../src/index.js';
import { fileURLToPath } from 'node:url';

const DEV = fileURLToPath(new URL('../../../data/sst/dev.txt.gz', import.meta.url));

function error(text: string): string {
  try {
    parseTrees(text, 'in.txt');
  } catch (err) {
    expect(err).toBeInstanceOf(FormatError);
    return (err as Error).message;
  }
  throw new Error('expected a FormatError');
}

describe('PTB bracket reader', () => {
  it('reads labels on every node and words at the leaves, in post-order', () => {
    const [t] = parseTrees("(3 (2 It) (4 (2 's) (4 lovely)))");
    expect(Array.from(t!.labels)).toEqual([2, 2, 4, 4, 3]);
    expect(t!.words).toEqual(['It', "'s", 'lovely', null, null]);
    expect(t!.children).toEqual([[], [], [], [1, 2], [0, 3]]);
    expect(rootOf(t!)).toBe(4);
    expect(leafWords(t!)).toEqual(['It', "'s", 'lovely']);
    expect(Array.from(nodeHeights(t!))).toEqual([0, 0, 0, 1, 2]);
    expect(treeDepth(t!)).toBe(2);
    expect(toBracket(t!)).toBe("(3 (2 It) (4 (2 's) (4 lovely)))");
  });

  it('reads several trees, across lines, with CRLF, and splits words on ASCII space only', () => {
    const ts = parseTrees('(1 (0 a)\r\n  (1 b))\n\n(4 8\u00a01\\/2)  (2 x)\n');
    expect(ts).toHaveLength(3);
    expect(ts[1]!.words).toEqual(['8\u00a01\\/2']);
    expect(ts.map((t) => t.line)).toEqual([1, 4, 4]);
  });

  it('reads the SST dev file (gzip) whole', () => {
    const ts = readTrees(DEV);
    expect(ts).toHaveLength(1101);
    expect(ts.reduce((s, t) => s + leafWords(t).length, 0)).toBe(21274);
    const roots = [0, 0, 0, 0, 0];
    for (const t of ts) roots[t.labels[rootOf(t)]!]!++;
    expect(roots).toEqual([139, 289, 229, 279, 165]); // SOURCE.md
  });

  it('says where the input is wrong: line and column', () => {
    expect(error('(3 (2 a) (2 b))\n(3 (2 a) (2 b)')).toBe(
      "in.txt:2:1: unbalanced parentheses: '(' is never closed (the input ends 1 level deep)",
    );
    expect(error('(3 (2 a)\n (2 (1 b) (1 c)')).toMatch(/^in\.txt:2:2: unbalanced parentheses: '\(' is never closed \(the input ends 2 levels deep, inside the tree opened at 1:1\)/);
    expect(error('(3 (2 a) (2 b)))')).toBe("in.txt:1:16: unbalanced parentheses: ')' has no matching '('");
    expect(error('(3 (2 a) ( (2 b) (2 c)))')).toBe("in.txt:1:12: missing label: expected an integer label after '(', found '('");
    expect(error('(3 (2 a)\n (2 b) ()')).toBe("in.txt:2:9: missing label: expected an integer label after '(', found ')'");
    expect(error('(3 (2 a) (pos b))')).toBe("in.txt:1:11: label 'pos' is not an integer; every node needs an integer label, e.g. (3 word)");
    expect(error('(3 (2.5 a) (2 b))')).toMatch(/^in\.txt:1:5: label '2\.5' is not an integer/);
    expect(error('(3 (2 a b))')).toMatch(/^in\.txt:1:9: node \(2 a \.\.\.\) has a second word 'b'/);
    expect(error('(3 (2 a) c)')).toMatch(/^in\.txt:1:10: word 'c' follows a subtree/);
    expect(error('(3 (2))')).toMatch(/^in\.txt:1:4: node \(2 \.\.\.\) has neither a word nor subtrees/);
    expect(error('word (3 (2 a))')).toMatch(/^in\.txt:1:1: expected '\(' to start a tree, found 'word'/);
    expect(error('')).toMatch(/^in\.txt: empty input: no trees found/);
    expect(error('  \n\n ')).toMatch(/empty input/);
  });

  it('parses and walks a tree 10,000 deep without recursion', () => {
    const depth = 10_000;
    // right-branching: (1 (1 w0) (1 (1 w1) (1 ... (1 wN))))
    let text = '';
    for (let i = 0; i < depth; i++) text += `(1 (0 w${i}) `;
    text += '(1 end)' + ')'.repeat(depth);
    const [t] = parseTrees(text);
    expect(t!.labels.length).toBe(2 * depth + 1);
    expect(treeDepth(t!)).toBe(depth);
    expect(nodeHeights(t!)[rootOf(t!)]).toBe(depth);
    expect(toBracket(t!).length).toBe(text.length);
    // and a left-branching one 1000 deep
    const left = '('.repeat(0) + Array.from({ length: 1000 }, () => '(2 ').join('') + '(2 a)' + ' (2 b))'.repeat(1000);
    expect(treeDepth(parseTrees(left)[0]!)).toBe(1000);
  });

  it('makeTree checks post-order and parents', () => {
    expect(() => makeTree([1, 1], ['a', null], [[], [1]])).toThrow(/children must be numbered before their parent/);
    expect(() => makeTree([1, 1, 1], ['a', 'b', null], [[], [], [1]])).toThrow(/node 0 has no parent/);
    expect(() => makeTree([1, 1], [null, null], [[], [0]])).toThrow(/leaf node 0 has no word/);
  });
});

describe('Vocab', () => {
  const trees = parseTrees('(1 (1 The) (1 (1 cat) (1 sat)))\n(1 (1 the) (1 (1 dog) (1 the)))');
  it('builds ids by frequency with <unk> at 0, min count and lower-casing', () => {
    const v = Vocab.build(trees);
    expect(v.tokens).toEqual(['<unk>', 'the', 'The', 'cat', 'dog', 'sat']);
    const lower = Vocab.build(trees, { lowercase: true });
    expect(lower.tokens).toEqual(['<unk>', 'the', 'cat', 'dog', 'sat']);
    expect(lower.id('THE')).toBe(1);
    const min2 = Vocab.build(trees, { lowercase: true, minCount: 2 });
    expect(min2.tokens).toEqual(['<unk>', 'the']);
    expect(min2.id('cat')).toBe(0);
    expect(min2.id('never-seen')).toBe(0);
    expect(Vocab.build(trees, { maxSize: 1 }).tokens).toEqual(['<unk>', 'the']);
  });
  it('encodes nodes (-1 where no word) and round-trips through JSON', () => {
    const v = Vocab.build(trees, { lowercase: true });
    expect(Array.from(v.encode(trees[0]!))).toEqual([1, 2, 4, -1, -1]);
    const back = Vocab.fromJSON(JSON.parse(JSON.stringify(v.toJSON())));
    expect(back.tokens).toEqual(v.tokens);
    expect(back.lowercase).toBe(true);
    expect(() => Vocab.build(trees, { minCount: 0 })).toThrow(/minCount must be a positive integer/);
    expect(() => Vocab.fromJSON({ tokens: ['a'], lowercase: false })).toThrow(/first token must be '<unk>'/);
  });
});
