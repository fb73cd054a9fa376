import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ConfigError, FormatError } from '@rnn/core';
import { parseConll, readConll, type ConllOptions } from '../src/index.js';

function error(text: string, o: ConllOptions = {}): string {
  try {
    parseConll(text, 'in.conll', o);
  } catch (err) {
    expect(err).toBeInstanceOf(FormatError);
    return (err as Error).message;
  }
  throw new Error('expected a FormatError');
}

const CONLLU = [
  '# sent_id = 1',
  '# text = Don\'t go',
  '1-2\tDon\'t\t_\t_\t_\t_\t_\t_\t_\t_',
  '1\tDo\tdo\tAUX\t_\t_\t3\taux\t_\t_',
  '2\tn\'t\tnot\tPART\t_\t_\t3\tadvmod\t_\t_',
  '2.1\tgo\tgo\tVERB\t_\t_\t_\t_\t0:root\t_',
  '3\tgo\tgo\tVERB\t_\t_\t0\troot\t_\tSpaceAfter=No',
  '',
].join('\n');

describe('CoNLL reader', () => {
  it('reads token and tag, one sentence per blank-line-separated block, and records every line', () => {
    const f = parseConll('Empire\tB-loc\nState\tI-loc\n\n\nhi\tO\n');
    expect(f.sentences).toEqual([
      { tokens: ['Empire', 'State'], tags: ['B-loc', 'I-loc'], lines: [1, 2] },
      { tokens: ['hi'], tags: ['O'], lines: [5] },
    ]);
    expect(f.lines.map((l) => l.kind)).toEqual(['token', 'token', 'blank', 'blank', 'token']);
    expect(f).toMatchObject({ format: 'conll', separator: 'tab', columns: 2, tokens: 3 });
  });

  it('takes whitespace-only lines as blank (WNUT17 train), CRLF line ends and a byte-order mark', () => {
    const f = parseConll('\uFEFFa\tO\r\nb\tO\r\n\t\r\nc\tB-x\r\n');
    expect(f.sentences.map((s) => s.tokens)).toEqual([['a', 'b'], ['c']]);
    expect(f.sentences[1]!.tags).toEqual(['B-x']);
  });

  it('tag: the last column by default; --token-column and --tag-column pick others (CoNLL-2003)', () => {
    const text = 'EU NNP B-NP B-ORG\nrejects VBZ B-VP O\n';
    expect(parseConll(text).sentences[0]!.tags).toEqual(['B-ORG', 'O']);
    expect(parseConll(text, 'x', { tagColumn: 2 }).sentences[0]!.tags).toEqual(['NNP', 'VBZ']);
    expect(parseConll(text, 'x', { tokenColumn: 3, tagColumn: 1 }).sentences[0]).toMatchObject({ tokens: ['B-NP', 'B-VP'], tags: ['EU', 'rejects'] });
  });

  it('skips # comments, but a hashtag that fills the columns is a token (tab or space separated)', () => {
    const f = parseConll('# newdoc id = 3\n#NFL\tB-group\n#\tO\nrocks\tO\n# a comment\n');
    expect(f.sentences[0]!.tokens).toEqual(['#NFL', '#', 'rocks']);
    expect(f.lines.map((l) => l.kind)).toEqual(['comment', 'token', 'token', 'token', 'comment']);
    // WNUT17's arcada submission is space-separated, lone '#' tokens included
    expect(parseConll('& O\n# O\n#fail O\n# sent_id = 2\n').sentences[0]!.tokens).toEqual(['&', '#', '#fail']);
  });

  it('reads CoNLL-U with --token-column 2 --tag-column 4, skipping multi-word tokens, empty nodes and comments', () => {
    const f = parseConll(CONLLU, 'x.conllu', { tokenColumn: 2, tagColumn: 4 });
    expect(f.format).toBe('conllu');
    expect(f.sentences).toEqual([{ tokens: ['Do', "n't", 'go'], tags: ['AUX', 'PART', 'VERB'], lines: [4, 5, 7] }]);
    expect(f.lines.map((l) => l.kind)).toEqual(['comment', 'comment', 'skipped', 'token', 'token', 'skipped', 'token']);
  });

  it('refuses a CoNLL-U file read without a token column, saying which columns to pass', () => {
    expect(error(CONLLU)).toBe(
      "in.conll:3: this looks like CoNLL-U (10 tab-separated columns, the ID '1-2' in column 1), and no token column was given; pass tokenColumn 2 tagColumn 4 for FORM and UPOS (or the columns you want)",
    );
    expect(error(CONLLU, { tagColumn: 4, names: { tokenColumn: '--token-column', tagColumn: '--tag-column' } })).toContain('pass --token-column 2 --tag-column 4');
  });

  it('reads a file mixing tab- and space-separated lines line by line, and says so', () => {
    const f = parseConll('New\tB-loc\nYork I-loc\n');
    expect(f.sentences[0]).toMatchObject({ tokens: ['New', 'York'], tags: ['B-loc', 'I-loc'] });
    expect(f.separator).toBe('mixed');
  });

  it('refuses a line with another column count, naming the separators when they differ', () => {
    expect(error('a\tO\nb\tx\tO\n')).toBe('in.conll:2: found 3 columns, expected 2 as on line 1');
    expect(error('a b\tO\nc d O\n')).toBe(
      'in.conll:2: found 3 columns, expected 2 as on line 1; use one separator throughout (this line is split on spaces, line 1 split on tabs)',
    );
  });

  it('refuses a sentence longer than 1,000 tokens (a missing blank line), unless maxLength allows it', () => {
    const text = Array.from({ length: 1001 }, (_, i) => `w${i}\tO`).join('\n');
    expect(error(text)).toBe(
      'in.conll:1001: the sentence starting at line 1 has more than 1000 tokens; is a blank line missing between sentences? (split it with blank lines, or raise maxLength)',
    );
    expect(parseConll(text, 'x', { maxLength: 2000 }).sentences[0]!.tokens).toHaveLength(1001);
    expect(parseConll(Array.from({ length: 1000 }, () => 'w\tO').join('\n')).tokens).toBe(1000);
  });

  it('refuses input with no tokens, empty tokens or tags, and a missing tag column', () => {
    expect(error('')).toBe('in.conll: no tokens found; expected one token a line (token<TAB>tag), a blank line between sentences');
    expect(error('\n\n# only a comment\n\t\n')).toContain('no tokens found');
    expect(error('a\tO\n\tO\n')).toBe('in.conll:2: the token (column 1) is empty; a token line needs a token');
    expect(error('a\t\n')).toBe("in.conll:1: the tag (column 2) is empty, token 'a'; every token needs a tag");
    expect(error('a\nb\n')).toBe("in.conll:1: found one column ('a'), expected a token and its tag (token<TAB>tag); training and scoring need the tags");
    expect(error('a\tO\n', { tagColumn: 5 })).toBe('in.conll:1: found 2 columns, but tagColumn 5 needs at least 5');
    expect(() => parseConll('a\tO\n', 'x', { tokenColumn: 2, tagColumn: 2 })).toThrow(ConfigError);
    expect(() => parseConll('a\tO\n', 'x', { maxLength: 0 })).toThrow('maxLength must be a positive integer, found 0');
  });

  it('reads tokens alone with tags: false (text to tag)', () => {
    expect(parseConll('a\nb\n\nc\n', 'x', { tags: false }).sentences).toEqual([
      { tokens: ['a', 'b'], tags: null, lines: [1, 2] },
      { tokens: ['c'], tags: null, lines: [4] },
    ]);
  });

  it('reads gzip transparently, whatever the file is called', () => {
    const dir = mkdtempSync(join(tmpdir(), 'conll-'));
    writeFileSync(join(dir, 'a.conll'), gzipSync('a\tO\nb\tB-x\n'));
    expect(readConll(join(dir, 'a.conll')).sentences[0]!.tags).toEqual(['O', 'B-x']);
    expect(() => readConll(join(dir, 'missing.conll'))).toThrow(`${join(dir, 'missing.conll')}: no such file`);
    writeFileSync(join(dir, 'bad.gz'), Buffer.from([0x1f, 0x8b, 1, 2, 3]));
    expect(() => readConll(join(dir, 'bad.gz'))).toThrow('looks like gzip but does not decompress');
  });
});
