import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readEvents } from '../../layers/test/tfevents-reader.js';
import { GOLDEN, run, tmp } from './helpers.js';

const DATA = new URL('../../../data/', import.meta.url).pathname;

function smallText(dir: string): string {
  const p = join(dir, 'small.txt');
  writeFileSync(p, readFileSync(join(DATA, 'tinyshakespeare/first-50k.txt'), 'utf8').slice(0, 3000));
  return p;
}
function trees(dir: string, name: string, n: number): string {
  const p = join(dir, `${name}.txt`);
  writeFileSync(p, gunzipSync(readFileSync(join(DATA, `sst/${name}.txt.gz`))).toString('utf8').split('\n').slice(0, n).join('\n') + '\n');
  return p;
}

/** Every workflow's train, on bundled data, for 2 epochs. */
const WORKFLOWS: [string, (dir: string) => string[], string[]][] = [
  ['arrays', () => ['--model', join(GOLDEN, 'train-mse-adam.init.safetensors'), '--x', join(GOLDEN, 'train-mse-adam.x.json'), '--y', join(GOLDEN, 'train-mse-adam.y.json')], []],
  ['csv', () => ['--csv', join(DATA, 'airpassengers/airpassengers.csv'), '--target', 'passengers_thousands', '--hidden', '8'], ['val_loss']],
  ['text', (d) => ['--text', smallText(d), '--seq-len', '20', '--hidden', '16', '--layers', '1', '--embedding', '8'], ['val_loss']],
  ['sequences', () => ['--sequences', join(DATA, 'indoor-movement/sequences.csv'), '--labels', join(DATA, 'indoor-movement/labels.csv'), '--hidden', '8'], []],
  ['trees', (d) => ['--trees', trees(d, 'train', 30), '--dev', trees(d, 'dev', 10), '--hidden', '8', '--embedding', '8', '--batch-size', '10'], ['val_loss']],
];

describe('rnn train --log and --tensorboard, in every workflow', () => {
  for (const [name, args, val] of WORKFLOWS) {
    it(`${name}: a CSV row and a TensorBoard event per epoch`, async () => {
      const dir = tmp();
      const log = join(dir, 'logs', 'run.csv');
      const tb = join(dir, 'tb');
      const r = await run(['train', ...args(dir), '--epochs', '2', '--out', join(dir, 'm.safetensors'), '--log', log, '--tensorboard', tb]);
      expect(r.stderr).not.toMatch(/cannot|error/i);
      expect(r.code).toBe(0);
      const rows = readFileSync(log, 'utf8').trimEnd().split('\n');
      const header = rows[0]!.split(',');
      expect(header.slice(0, 2)).toEqual(['epoch', 'loss']);
      for (const k of [...val, 'lr', 'seconds']) expect(header).toContain(k);
      expect(rows.slice(1).map((l) => l.split(',')[0])).toEqual(['1', '2']);
      for (const row of rows.slice(1)) for (const cell of row.split(',')) expect(Number.isFinite(Number(cell)), `${row}`).toBe(true);
      const files = readdirSync(join(tb, 'train'));
      expect(files).toHaveLength(1);
      const events = readEvents(join(tb, 'train', files[0]!));
      expect(events.map((e) => e.step)).toEqual([0, 1, 2]);
      const lossColumn = header.indexOf('loss');
      expect(events.slice(1).map((e) => e.values!['epoch_loss'])).toEqual(rows.slice(1).map((l) => Math.fround(Number(l.split(',')[lossColumn]))));
      expect(existsSync(join(tb, 'validation'))).toBe(val.length > 0);
    });
  }

  it('a --log path that cannot be written fails before training, exit 1, no model', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'file'), '');
    const out = join(dir, 'm.safetensors');
    const r = await run(['train', ...WORKFLOWS[0]![1](dir), '--out', out, '--log', join(dir, 'file', 'run.csv')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`rnn: --log ${join(dir, 'file', 'run.csv')}: cannot write (EEXIST: a part of the path is a file, not a folder); choose a path in a writable folder\n`);
    expect(existsSync(out)).toBe(false);
  });
});

describe('rnn train --reduce-lr-on-plateau', () => {
  it('drops the learning rate after N epochs without a better loss, says so, and logs the new rate', async () => {
    const dir = tmp();
    const log = join(dir, 'run.csv');
    // lr 5 on sgd: the loss does not improve, so the rate drops every 2 epochs
    const r = await run([
      'train', ...WORKFLOWS[0]![1](dir), '--optimizer', 'sgd', '--lr', '5', '--epochs', '6', '--out', join(dir, 'm.safetensors'),
      '--log', log, '--reduce-lr-on-plateau', '1', '--reduce-lr-factor', '0.5', '--min-lr', '1',
    ]);
    expect(r.code).toBe(0);
    const lr = readFileSync(log, 'utf8').trimEnd().split('\n').slice(1).map((l) => Number(l.split(',').at(-2)));
    const notes = r.stderr.split('\n').filter((l) => l.includes('learning rate'));
    expect(notes.length).toBeGreaterThan(0);
    expect(notes[0]).toMatch(/^rnn: epoch \d: loss has not improved for 1 epoch; learning rate 5\.00 -> 2\.50$/);
    // every drop halves the rate, down to --min-lr
    for (let i = 1; i < lr.length; i++) expect([lr[i - 1], Math.max(1, lr[i - 1]! / 2)]).toContain(lr[i]);
    expect(lr[0]).toBe(5);
    expect(Math.min(...lr)).toBeGreaterThanOrEqual(1);
    expect(lr.filter((v, i) => i > 0 && v < lr[i - 1]!)).toHaveLength(notes.length);
  });

  it('its factor and minimum need it (exit 2), and the factor must be below 1 (exit 1)', async () => {
    const dir = tmp();
    const base = ['train', ...WORKFLOWS[0]![1](dir), '--out', join(dir, 'm.safetensors')];
    const a = await run([...base, '--min-lr', '0.1']);
    expect(a.code).toBe(2);
    expect(a.stderr).toBe('rnn: train: --min-lr needs --reduce-lr-on-plateau N (the epochs without improvement before the rate drops)\n');
    const b = await run([...base, '--reduce-lr-on-plateau', '2', '--reduce-lr-factor', '1.5']);
    expect(b.code).toBe(1);
    expect(b.stderr).toBe('rnn: --reduce-lr-factor must be in (0, 1) (the learning rate is multiplied by it), found 1.5\n');
  });
});
