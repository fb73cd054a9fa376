import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadTagger } from '@rnn/layers';
import { GOLDEN, run, tmp, wnutSlice } from './helpers.js';

// What `--tagging` does with input that is not clean: each case a clear line (exit 1) or the
// documented behaviour (docs/sequence-labelling.md § "Input files").
const SMALL = ['--hidden', '6', '--embedding', '6', '--char-embedding', '4', '--char-filters', '5', '--batch-size', '10', '--epochs', '1'];
const CONLLU = new URL('./fixtures/en_ewt-ud-dev.head.conllu', import.meta.url).pathname;

describe('--tagging input files', () => {
  const dir = tmp();
  const train = wnutSlice('train', 40, dir);
  const dev = wnutSlice('dev', 20, dir);
  const model = join(dir, 'm.safetensors');

  it('trains a model for the cases below (gzip read transparently, whatever the name)', async () => {
    const gz = join(dir, 'train-gz.conll');
    writeFileSync(gz, gzipSync(readFileSync(train)));
    const r = await run(['train', '--tagging', gz, '--out', model, ...SMALL]);
    expect(r.code, r.stderr).toBe(0);
  });

  it('a sentence longer than 1,000 tokens is refused with its line (a blank line missing), unless --max-length allows it', async () => {
    // the training slice with its sentence breaks removed: one sentence of 700+ tokens, twice over
    const text = readFileSync(train, 'utf8').split('\n').filter((l) => l.trim() !== '');
    const long = join(dir, 'long.conll');
    writeFileSync(long, [...text, ...text].join('\n') + '\n');
    const n = text.length * 2;
    expect(n).toBeGreaterThan(1000);
    for (const args of [
      ['train', '--tagging', long, '--out', join(dir, 'x.safetensors'), ...SMALL],
      ['predict', '--model', model, '--tagging', long],
      ['evaluate', '--model', model, '--tagging', long],
    ]) {
      const r = await run(args);
      expect(r.code, args[0]).toBe(1);
      expect(r.stderr).toBe(
        `rnn: ${long}:1001: the sentence starting at line 1 has more than 1000 tokens; is a blank line missing between sentences? (split it with blank lines, or raise --max-length)\n`,
      );
    }
    const ok = await run(['predict', '--model', model, '--tagging', long, '--max-length', String(n)]);
    expect(ok.code).toBe(0);
    expect(ok.stdout.trim().split('\n')).toHaveLength(n);
  });

  it('a tag never seen in training: a note naming it, and its tokens scored as wrong', async () => {
    // dev slice line 163 is I-product, which the 40 training sentences lack
    expect(loadTagger(model).vocab.hasTag('I-product')).toBe(false);
    const r = await run(['evaluate', '--model', model, '--tagging', dev, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^rnn: note: .*dev\.conll has a tag never seen in training: 'I-product' \(1×, first on line 163\); the model cannot predict it, so those tokens are scored as wrong$/m);
    expect(JSON.parse(r.stdout).accuracy).toBeLessThan(1);
    // during training, for --dev, the same note
    const t = await run(['train', '--tagging', train, '--dev', dev, '--out', join(dir, 'y.safetensors'), ...SMALL]);
    expect(t.code).toBe(0);
    expect(t.stderr).toContain("has a tag never seen in training: 'I-product'");
  });

  it('empty sentences: a run of blank lines is one sentence break, and predict keeps every blank line', async () => {
    const lines = readFileSync(dev, 'utf8').split('\n');
    const doubled = join(dir, 'doubled.conll');
    writeFileSync(doubled, ['', '', ...lines.flatMap((l) => (l.trim() === '' ? [l, '', ''] : [l]))].join('\n'));
    const j = await run(['evaluate', '--model', model, '--tagging', doubled, '--json']);
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout).sentences).toBe(20);
    const p = await run(['predict', '--model', model, '--tagging', doubled]);
    const inLines = readFileSync(doubled, 'utf8').split('\n');
    expect(p.stdout.split('\n').slice(0, -1).map((l) => l === '')).toEqual(inLines.slice(0, inLines.at(-1) === '' ? -1 : undefined).map((l) => l.trim() === ''));
    // a file with no tokens at all is refused
    const empty = join(dir, 'empty.conll');
    writeFileSync(empty, '\n\n# only a comment\n\t\n');
    const e = await run(['predict', '--model', model, '--tagging', empty]);
    expect(e.code).toBe(1);
    expect(e.stderr).toBe(`rnn: ${empty}: no tokens found; expected one token a line (token<TAB>tag), a blank line between sentences\n`);
  });

  it('mixed tab/space columns: read line by line with a note; a line with another column count is refused with both separators named', async () => {
    const lines = readFileSync(train, 'utf8').split('\n');
    const mixed = join(dir, 'mixed.conll');
    writeFileSync(mixed, lines.map((l, i) => (i % 2 && l.trim() !== '' ? l.replace('\t', ' ') : l)).join('\n'));
    const r = await run(['train', '--tagging', mixed, '--out', join(dir, 'z.safetensors'), ...SMALL]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`rnn: note: ${mixed} separates the columns of some lines with tabs and of others with spaces; each line was split on its own separator\n`);
    const bad = join(dir, 'bad.conll');
    writeFileSync(bad, 'Empire\tB-location\nState Building I-location\n');
    const b = await run(['evaluate', '--model', model, '--tagging', bad]);
    expect(b.code).toBe(1);
    expect(b.stderr).toBe(`rnn: ${bad}:2: found 3 columns, expected 2 as on line 1; use one separator throughout (this line is split on spaces, line 1 split on tabs)\n`);
  });

  it('a CoNLL-U file without --token-column is refused, saying which columns to pass', async () => {
    const r = await run(['train', '--tagging', CONLLU, '--out', join(dir, 'u.safetensors'), ...SMALL]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      `rnn: ${CONLLU}:5: this looks like CoNLL-U (10 tab-separated columns, the ID '1' in column 1), and no token column was given; pass --token-column 2 --tag-column 4 for FORM and UPOS (or the columns you want)\n`,
    );
  });

  it('CoNLL-U with --token-column 2 --tag-column 4: a POS tagger, kept by dev accuracy; predict skips comments, multi-word tokens and empty nodes', async () => {
    const pos = join(dir, 'pos.safetensors');
    const cols = ['--token-column', '2', '--tag-column', '4'];
    const r = await run(['train', '--tagging', CONLLU, '--dev', CONLLU, ...cols, '--out', pos, '--json', ...SMALL]);
    expect(r.code, r.stderr).toBe(0);
    const done = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(done.dev).toMatchObject({ sentences: 13, f1: null, types: null });
    expect(loadTagger(pos).vocab.tags).toContain('PROPN');
    const p = await run(['predict', '--model', pos, '--tagging', CONLLU, '--token-column', '2']);
    expect(p.code).toBe(0);
    const src = readFileSync(CONLLU, 'utf8').split('\n');
    const tokens = src.filter((l) => /^\d+\t/.test(l)).map((l) => l.split('\t')[1]);
    const out = p.stdout.split('\n').filter((l) => l !== '');
    expect(out.map((l) => l.split('\t')[0])).toEqual(tokens);
    expect(out).not.toContain("didn't");
    expect(p.stdout.split('\n').filter((l) => l === '').length).toBe(src.filter((l) => l === '').length);
    const ev = await run(['evaluate', '--model', pos, '--tagging', CONLLU, ...cols]);
    expect(ev.stdout).toMatch(/^processed \d+ tokens with 0 phrases; found: 0 phrases; correct: 0\.\naccuracy: +[\d.]+%; \(not entity tags: no precision, recall or F1\)\n$/);
  });

  it('a missing file, a flag value out of range, a tag column past the columns, a model that is not a tagger, an unwritable --report each get one line', async () => {
    const missing = join(dir, 'nope.conll');
    expect((await run(['train', '--tagging', missing, '--out', join(dir, 'q.safetensors')])).stderr).toBe(`rnn: ${missing}: no such file\n`);
    const z = await run(['evaluate', '--model', model, '--tagging', dev, '--tag-column', '0']);
    expect(z.code).toBe(1);
    expect(z.stderr).toBe('rnn: --tag-column must be a positive integer, found 0\n');
    const past = await run(['evaluate', '--model', model, '--tagging', dev, '--tag-column', '3']);
    expect(past.code).toBe(1);
    expect(past.stderr).toBe(`rnn: ${dev}:1: found 2 columns, but --tag-column 3 needs at least 3\n`);
    // a sequence model is not a tagger
    const seq = join(GOLDEN, 'train-mse-adam.init.safetensors');
    const notTagger = await run(['evaluate', '--model', seq, '--tagging', dev]);
    expect(notTagger.code).toBe(1);
    expect(notTagger.stderr).toMatch(new RegExp(`^rnn: --model ${seq}: not a tagger model \\(its first layer .* is a \\w+ layer\\)`));
    // --report where a folder cannot be made
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const rep = await run(['evaluate', '--model', model, '--tagging', dev, '--report', file]);
    expect(rep.code).toBe(1);
    expect(rep.stderr).toBe(`rnn: --report ${file}: ${file} is a file, not a folder; choose a folder that can be written\n`);
    const nomodel = await run(['evaluate', '--model', join(dir, 'none.safetensors'), '--tagging', dev]);
    expect(nomodel.code).toBe(1);
    expect(nomodel.stderr).toBe(`rnn: --model ${join(dir, 'none.safetensors')}: no such file\n`);
  });
});
