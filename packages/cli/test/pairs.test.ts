import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { GOLDEN, run, tmp } from './helpers.js';

// End to end on the bundled CMUdict slice (data/cmudict, stress removed): a small model trained
// for a few epochs, then predict and evaluate, and every bad input the workflow names.
const CMU = new URL('../../../data/cmudict/', import.meta.url).pathname;
const slice = (name: string, n: number) => gunzipSync(readFileSync(join(CMU, `${name}.tsv.gz`))).toString('utf8').split('\n').filter(Boolean).slice(0, n);
const SMALL = ['--embedding', '16', '--hidden', '32', '--layers', '1', '--decoder-hidden', '32', '--batch-size', '32', '--lr', '0.01', '--dropout', '0'];

let dir: string;
let trainTsv: string;
let devTsv: string;
let model: string;
let summary: Record<string, unknown>;

beforeAll(async () => {
  dir = tmp();
  trainTsv = join(dir, 'train.tsv');
  devTsv = join(dir, 'dev.tsv');
  writeFileSync(trainTsv, slice('train', 400).join('\n') + '\n');
  writeFileSync(devTsv, slice('dev', 40).join('\n') + '\n');
  model = join(dir, 'g2p.safetensors');
  const r = await run(['train', '--pairs', trainTsv, '--dev', devTsv, '--out', model, '--epochs', '3', ...SMALL, '--json']);
  expect(r.stderr).toMatch(/kept epoch \d, the best on dev/);
  expect(r.code).toBe(0);
  summary = JSON.parse(r.stdout.trim().split('\n').pop()!);
}, 120_000);

describe('rnn train --pairs', () => {
  it('trains, keeps the best epoch on the dev token error rate and reports it', () => {
    expect(existsSync(model)).toBe(true);
    expect(summary).toMatchObject({ event: 'done', stopped: 'epochs', epochs: 3, selected_on: 'dev token error rate (greedy; ties: dev loss)' });
    expect(summary['pairs_per_second']).toBeGreaterThan(0);
    const dev = summary['dev'] as Record<string, number>;
    expect(dev['sources']).toBe(new Set(slice('dev', 40).map((l) => l.split('\t')[0])).size);
    expect(dev['token_error_rate']).toBeGreaterThanOrEqual(0);
  });

  it('names a bad line of the training file: no tab, an empty side (exit 1, nothing written)', async () => {
    const bad = join(dir, 'bad.tsv');
    writeFileSync(bad, 'abc\tAE B K\nabd AE B D\n');
    const r = await run(['train', '--pairs', bad, '--out', join(dir, 'bad.safetensors'), ...SMALL]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`rnn: --pairs ${bad} line 2: no tab, found "abd AE B D"; expected source<TAB>target (the two sides separated by one tab)\n`);
    expect(existsSync(join(dir, 'bad.safetensors'))).toBe(false);
    writeFileSync(bad, 'abc\tAE B K\nabd\t\n');
    const e = await run(['train', '--pairs', trainTsv, '--dev', bad, '--out', join(dir, 'bad.safetensors'), ...SMALL]);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/^rnn: --dev .*bad.tsv line 2: the target \(after the tab\) is empty, found "abd\\t"/);
  });

  it('resumes from a checkpoint to the same weights, bit for bit, as a run that never stopped', async () => {
    const flags = ['--pairs', trainTsv, ...SMALL, '--dropout', '0.1', '--lr-decay', '0.5', '--decay-after', '1'];
    const straight = join(dir, 'straight.safetensors');
    expect((await run(['train', ...flags, '--out', straight, '--epochs', '3'])).code).toBe(0);
    const ckpt = join(dir, 'ckpt.safetensors');
    expect((await run(['train', ...flags, '--out', join(dir, 'half.safetensors'), '--epochs', '2', '--checkpoint', ckpt])).code).toBe(0);
    const resumed = join(dir, 'resumed.safetensors');
    const r = await run(['train', ...flags, '--out', resumed, '--epochs', '3', '--resume', ckpt]);
    expect(r.code).toBe(0);
    expect(Buffer.compare(readFileSync(resumed), readFileSync(straight))).toBe(0);
    const other = await run(['train', ...flags, '--lr', '0.02', '--out', resumed, '--epochs', '3', '--resume', ckpt]);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/this run differs from the one that wrote the checkpoint \(lr: checkpoint 0.01, now 0.02\)/);
  });

  it('buckets batches by length by default (--no-bucket: plain shuffles); a resume from mid-epoch gets the same batches', async () => {
    // batches of 2 pairs: 400 steps in two epochs, so a fast machine cannot finish them inside the 60 ms below
    const flags = ['--pairs', trainTsv, ...SMALL, '--dropout', '0.1', '--batch-size', '2'];
    const straight = join(dir, 'b-straight.safetensors');
    expect((await run(['train', ...flags, '--out', straight, '--epochs', '2'])).code).toBe(0);
    const plain = join(dir, 'b-plain.safetensors');
    expect((await run(['train', ...flags, '--no-bucket', '--out', plain, '--epochs', '2'])).code).toBe(0);
    expect(Buffer.compare(readFileSync(plain), readFileSync(straight))).not.toBe(0);
    // a 60 ms budget stops after the first batch, inside the first epoch, and writes the checkpoint there
    const ckpt = join(dir, 'b-ckpt.safetensors');
    const cut = await run(['train', ...flags, '--out', join(dir, 'b-cut.safetensors'), '--epochs', '2', '--minutes', '0.001', '--checkpoint', ckpt, '--json']);
    expect(cut.code).toBe(0);
    const done = JSON.parse(cut.stdout.trim().split('\n').pop()!) as { stopped: string; epochs: number; batch: number };
    expect(done.stopped).toBe('time');
    expect(done.epochs * 100 + done.batch).toBeGreaterThan(0);
    expect(done.epochs).toBeLessThan(2);
    const resumed = join(dir, 'b-resumed.safetensors');
    expect((await run(['train', ...flags, '--out', resumed, '--epochs', '2', '--resume', ckpt])).code).toBe(0);
    expect(Buffer.compare(readFileSync(resumed), readFileSync(straight))).toBe(0);
    const other = await run(['train', ...flags, '--no-bucket', '--out', resumed, '--epochs', '2', '--resume', ckpt]);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/this run differs from the one that wrote the checkpoint \(bucket: checkpoint true, now false\)/);
  });

  it('--dev-every N scores dev after every N-th epoch and the last; it needs --dev (exit 2)', async () => {
    const r = await run(['train', '--pairs', trainTsv, '--dev', devTsv, '--out', join(dir, 'de.safetensors'), '--epochs', '3', '--dev-every', '2', ...SMALL, '--json']);
    expect(r.code).toBe(0);
    const epochs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e['event'] === 'epoch');
    expect(epochs.map((e) => e['val_token_error_rate'] !== undefined)).toEqual([false, true, true]);
    const none = await run(['train', '--pairs', trainTsv, '--out', join(dir, 'de.safetensors'), '--dev-every', '2', ...SMALL]);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/--dev-every N needs --dev DEV.tsv/);
  });

  it('--anneal F lowers the rate linearly to 0 over the last F of --minutes; refused without --minutes, above 1, or with --lr-decay (exit 2)', async () => {
    const r = await run(['train', '--pairs', trainTsv, '--out', join(dir, 'an.safetensors'), '--minutes', '0.05', '--epochs', '4', '--anneal', '1', ...SMALL, '--json']);
    expect(r.code).toBe(0);
    const lrs = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>).filter((e) => e['event'] === ('epoch' as never)).map((e) => e['lr']!);
    expect(lrs.length).toBeGreaterThan(0);
    for (const [i, lr] of lrs.entries()) {
      expect(lr).toBeLessThan(0.01);
      if (i > 0) expect(lr).toBeLessThan(lrs[i - 1]!);
    }
    const bad = async (extra: string[], message: RegExp) => {
      const e = await run(['train', '--pairs', trainTsv, '--out', join(dir, 'an.safetensors'), ...SMALL, ...extra]);
      expect(e.code).toBe(2);
      expect(e.stderr).toMatch(message);
    };
    await bad(['--anneal', '0.5'], /--anneal needs --minutes M/);
    await bad(['--anneal', '1.5', '--minutes', '1'], /--anneal is the share of the time budget to anneal over, in \(0, 1\]; found 1.5/);
    await bad(['--anneal', '0.5', '--minutes', '1', '--lr-decay', '0.5'], /--anneal and --lr-decay both set the learning rate; choose one/);
  });

  it('trains without input feeding by default (the whole-target decoder); --input-feeding turns it on and is refused with --attention none (exit 2)', async () => {
    const plain = join(dir, 'if-off.safetensors');
    const fed = join(dir, 'if-on.safetensors');
    expect((await run(['train', '--pairs', trainTsv, '--out', plain, '--epochs', '1', ...SMALL])).code).toBe(0);
    expect((await run(['train', '--pairs', trainTsv, '--out', fed, '--epochs', '1', '--input-feeding', ...SMALL])).code).toBe(0);
    const config = (file: string) => {
      const bytes = readFileSync(file);
      const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8')) as { __metadata__: Record<string, string> };
      return header.__metadata__['rnn.config']!;
    };
    expect(config(plain)).toMatch(/"inputFeeding":false/);
    expect(config(fed)).toMatch(/"inputFeeding":true/);
    const e = await run(['train', '--pairs', trainTsv, '--out', join(dir, 'if-none.safetensors'), '--attention', 'none', '--input-feeding', ...SMALL]);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/--input-feeding feeds the previous attentional state, so it needs --attention luong or bahdanau \(found --attention none\)/);
  });

  it('--label-smoothing F trains on the smoothed loss and is kept in the model file; the dev loss stays plain; refused outside [0, 1)', async () => {
    const smooth = join(dir, 'ls.safetensors');
    const plain = join(dir, 'ls-off.safetensors');
    const r = await run(['train', '--pairs', trainTsv, '--dev', devTsv, '--out', smooth, '--epochs', '1', '--label-smoothing', '0.1', ...SMALL, '--json']);
    expect(r.code).toBe(0);
    const p = await run(['train', '--pairs', trainTsv, '--dev', devTsv, '--out', plain, '--epochs', '1', ...SMALL, '--json']);
    const epoch = (out: string) => out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, number>).find((e) => e['event'] === ('epoch' as never))!;
    // same weights before the first step, so the first epoch's losses differ only by the smoothing
    expect(epoch(r.stdout)['loss']).toBeGreaterThan(epoch(p.stdout)['loss']!);
    const config = (file: string) => {
      const bytes = readFileSync(file);
      const header = JSON.parse(bytes.subarray(8, 8 + Number(bytes.readBigUInt64LE(0))).toString('utf8')) as { __metadata__: Record<string, string> };
      return JSON.parse(header.__metadata__['rnn.config']!).layers[0] as Record<string, unknown>;
    };
    expect(config(smooth)['labelSmoothing']).toBe(0.1);
    expect('labelSmoothing' in config(plain)).toBe(false);
    const e = await run(['train', '--pairs', trainTsv, '--out', join(dir, 'ls-bad.safetensors'), '--label-smoothing', '1', ...SMALL]);
    expect(e.code).not.toBe(0);
    expect(e.stderr).toMatch(/--label-smoothing must be a fraction in \[0, 1\), found 1/);
  });

  it('refuses --lr-decay with --reduce-lr-on-plateau (exit 2)', async () => {
    const r = await run(['train', '--pairs', trainTsv, '--out', join(dir, 'x.safetensors'), '--lr-decay', '0.5', '--reduce-lr-on-plateau', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--lr-decay and --reduce-lr-on-plateau both set the learning rate; choose one/);
  });
});

describe('rnn predict --pairs', () => {
  it('writes source<TAB>prediction for every input line, in order; phones joined by spaces', async () => {
    const input = join(dir, 'words.txt');
    writeFileSync(input, 'cat\ndog\tignored column\ncat\n');
    const out = join(dir, 'phones.tsv');
    const r = await run(['predict', '--model', model, '--pairs', input, '--output', out, '--beam', '3']);
    expect(r.code).toBe(0);
    const lines = readFileSync(out, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => l.split('\t')[0])).toEqual(['cat', 'dog', 'cat']);
    for (const l of lines) expect(l.split('\t')[1]).toMatch(/^[A-Z]+( [A-Z]+)*$|^$/);
    expect(lines[0]).toBe(lines[2]);
  });

  it('reads a token never seen in training as <unk>, says so, and still answers', async () => {
    const input = join(dir, 'unknown.txt');
    writeFileSync(input, 'café\n');
    const out = join(dir, 'unknown.tsv');
    const r = await run(['predict', '--model', model, '--pairs', input, '--output', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`rnn: note: --pairs ${input}: 1 source holds tokens never seen in training, read as <unk>: "é" (1×)`);
    expect(readFileSync(out, 'utf8')).toMatch(/^café\t.*\n$/);
  });

  it('decodes a source longer than any in training, with a note', async () => {
    const input = join(dir, 'long.txt');
    const word = 'antidisestablishmentarianism'.repeat(3);
    writeFileSync(input, `${word}\n`);
    const out = join(dir, 'long.tsv');
    const r = await run(['predict', '--model', model, '--pairs', input, '--output', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/1 source is longer than any in training \(\d+ tokens; the longest here has 84\); decoded all the same, at most 2 × length \+ 10 tokens each/);
    const pred = readFileSync(out, 'utf8').split('\t')[1]!.trim().split(' ');
    expect(pred.length).toBeLessThanOrEqual(2 * 84 + 10);
  });

  it('draws the attention weights as an SVG heat map', async () => {
    const input = join(dir, 'plot.txt');
    writeFileSync(input, 'cat\nphone\n');
    const svg = join(dir, 'attention.svg');
    const r = await run(['predict', '--model', model, '--pairs', input, '--output', join(dir, 'plot.tsv'), '--attention-plot', svg]);
    expect(r.code).toBe(0);
    const text = readFileSync(svg, 'utf8');
    expect(text).toMatch(/^<\?xml/);
    expect(text).toContain('>p</text>');
    expect((text.match(/<rect /g) ?? []).length).toBeGreaterThan(3 * 2 + 5 * 2);
  });

  it('refuses a plot path that is not .svg or .png before decoding (exit 1)', async () => {
    const r = await run(['predict', '--model', model, '--pairs', devTsv, '--output', join(dir, 'o.tsv'), '--attention-plot', join(dir, 'a.txt')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--attention-plot .*a.txt: unsupported chart type '.txt', expected .svg or .png/);
    expect(existsSync(join(dir, 'o.tsv'))).toBe(false);
  });

  it('refuses a model that is not a --pairs model', async () => {
    const other = join(GOLDEN, 'pytorch-lstm-dense.safetensors');
    const r = await run(['predict', '--model', other, '--pairs', devTsv, '--output', join(dir, 'o.tsv')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rnn: --model .*pytorch-lstm-dense.safetensors: no "rnn.pairs" in its metadata: not a model of rnn train --pairs/);
  });
});

describe('rnn evaluate --pairs', () => {
  it('scores token and sequence error rates; alternatives count as right', async () => {
    const r = await run(['evaluate', '--model', model, '--pairs', devTsv, '--json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ pairs: 40, beam: 1 });
    expect(s['token_error_rate']).toBeCloseTo(s['edits'] / s['tokens'], 12);
    expect(s['sequence_error_rate']).toBeCloseTo(s['wrong'] / s['sources'], 12);
    // the training run's dev scores were of the kept weights, on the same file: the same numbers
    const dev = summary['dev'] as Record<string, number>;
    expect(s['token_error_rate']).toBe(dev['token_error_rate']);

    // a file whose targets are the model's own predictions scores 0, whatever the other alternatives say
    const pred = join(dir, 'self.tsv');
    expect((await run(['predict', '--model', model, '--pairs', devTsv, '--output', pred])).code).toBe(0);
    const mixed = join(dir, 'mixed.tsv');
    writeFileSync(mixed, readFileSync(pred, 'utf8').split('\n').filter((l) => l && l.split('\t')[1]).map((l) => `${l.split('\t')[0]}\tZZ TOP\n${l}`).join('\n') + '\n');
    const m = await run(['evaluate', '--model', model, '--pairs', mixed, '--json']);
    expect(JSON.parse(m.stdout)).toMatchObject({ wrong: 0, edits: 0, token_error_rate: 0, sequence_error_rate: 0 });
  });

  it('prints one line of scores by default', async () => {
    const r = await run(['evaluate', '--model', model, '--pairs', devTsv, '--beam', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\(beam 2\): token error rate [\d.]+% \(\d+ edits \/ \d+ tokens\), sequence error rate [\d.]+% \(\d+ of \d+ sources wrong\)\n$/);
  });
});
