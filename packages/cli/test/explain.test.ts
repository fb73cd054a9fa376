import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, sstSlice, tmp, wnutSlice } from './helpers.js';

// rnn explain end to end on bundled data: a small model per workflow, then its explain folder
const AIR = new URL('../../../data/airpassengers/airpassengers.csv', import.meta.url).pathname;
const SHAKESPEARE = new URL('../../../data/tinyshakespeare/first-50k.txt', import.meta.url).pathname;

describe('rnn explain', () => {
  const dir = tmp();

  it('--csv: a forecast explained per lag, complete within 1 %, with pictures and a report', async () => {
    const model = join(dir, 'air.safetensors');
    expect((await run(['train', '--csv', AIR, '--target', 'passengers_thousands', '--epochs', '3', '--hidden', '8', '--out', model])).code).toBe(0);
    const out = join(dir, 'air');
    const r = await run(['explain', '--model', model, '--csv', AIR, '--last', '3', '--out', out, '--png']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/completeness of integrated gradients: .* worst relative error \d+\.\d+ %/);
    const j = JSON.parse(readFileSync(join(out, 'explain.json'), 'utf8'));
    expect(j.origins).toEqual(['1960-12', '1960-11', '1960-10']);
    expect(j.rows).toHaveLength(3);
    for (const row of j.rows) {
      expect(row.integratedGradients.completenessError).toBeLessThan(0.01);
      expect(row.integratedGradients.attributions).toHaveLength(j.window);
      const s = row.integratedGradients.perStep.reduce((a: number, b: number) => a + b, 0);
      expect(s).toBeCloseTo(row.output - row.integratedGradients.baselineOutput, 3);
      expect(row.occlusion.scores).toHaveLength(j.window);
    }
    expect(j.traces[0].gateNames).toEqual(['i', 'f', 'g', 'o']);
    expect(j.traces[0].rows[0].gates[0]).toHaveLength(4 * 8);
    for (const f of ['attributions-0.svg', 'attributions-0.png', 'gates-0-0.svg', 'report.html']) expect(existsSync(join(out, f))).toBe(true);
    expect(readFileSync(join(out, 'attributions-0.svg'), 'utf8')).toMatch(/^<svg|^<\?xml/);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('<svg');
  });

  it('--text: which characters made a character model predict its next one', async () => {
    const model = join(dir, 'char.safetensors');
    const t = await run(['train', '--text', SHAKESPEARE, '--epochs', '1', '--hidden', '16', '--seq-len', '20', '--out', model]);
    expect(t.code, t.stderr).toBe(0);
    const prompt = join(dir, 'prompt.txt');
    writeFileSync(prompt, 'First Citizen:\nBefore we proceed any further, hear me spea');
    const out = join(dir, 'char');
    const r = await run(['explain', '--model', model, '--text', prompt, '--next', 'k', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(readFileSync(join(out, 'explain.json'), 'utf8'));
    expect(j.rows[0].integratedGradients.perStep).toHaveLength(j.context);
    expect(j.rows[0].explains).toContain("'k'");
    expect(j.rows[0].integratedGradients.completenessError).toBeLessThan(0.01);
    expect(existsSync(join(out, 'tokens-0.svg'))).toBe(true);
    const bad = await run(['explain', '--model', model, '--text', prompt, '--next', 'kk', '--out', out]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^rnn: --next "kk": expected one character of the model's vocabulary/);
  });

  it('--trees: node states, sentiment per node and phrase occlusion', async () => {
    const model = join(dir, 'sst.safetensors');
    expect((await run(['train', '--trees', sstSlice('train', 40, dir), '--hidden', '8', '--embedding', '8', '--epochs', '1', '--out', model])).code).toBe(0);
    const out = join(dir, 'sst');
    const r = await run(['explain', '--model', model, '--trees', sstSlice('dev', 2, dir), '--first', '2', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(readFileSync(join(out, 'explain.json'), 'utf8'));
    expect(j.trees).toHaveLength(2);
    const root = j.trees[0].nodes[j.trees[0].root];
    expect(root.h).toHaveLength(8);
    expect(root.probs).toHaveLength(5);
    expect(existsSync(join(out, 'tree-1.svg'))).toBe(true);
  });

  it('--pairs: the attention map and each source token\'s occlusion score', async () => {
    const cmu = new URL('../../../data/cmudict/train.tsv.gz', import.meta.url).pathname;
    const lines = gunzipSync(readFileSync(cmu)).toString('utf8').split('\n').filter(Boolean);
    const train = join(dir, 'g2p.tsv');
    writeFileSync(train, lines.slice(0, 200).join('\n') + '\n');
    const model = join(dir, 'g2p.safetensors');
    const t = await run(['train', '--pairs', train, '--out', model, '--epochs', '1', '--embedding', '8', '--hidden', '16', '--layers', '1', '--decoder-hidden', '16']);
    expect(t.code, t.stderr).toBe(0);
    const out = join(dir, 'g2p');
    const r = await run(['explain', '--model', model, '--pairs', train, '--first', '2', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(readFileSync(join(out, 'explain.json'), 'utf8'));
    expect(j.translations).toHaveLength(2);
    const e = j.translations[0];
    expect(e.occlusion).toHaveLength(e.source.length);
    expect(e.attention).toHaveLength(e.output.length);
    expect(existsSync(join(out, 'attention.svg'))).toBe(true);
    expect(existsSync(join(out, 'tokens-1.svg'))).toBe(true);
  });

  it('--sequences: a classifier explained per step and channel, padded rows reading only their steps', async () => {
    const seqs = new URL('../../../data/indoor-movement/sequences.csv', import.meta.url).pathname;
    const labels = new URL('../../../data/indoor-movement/labels.csv', import.meta.url).pathname;
    const model = join(dir, 'move.safetensors');
    const t = await run(['train', '--sequences', seqs, '--labels', labels, '--out', model, '--epochs', '1', '--hidden', '4']);
    expect(t.code, t.stderr).toBe(0);
    const out = join(dir, 'move');
    const r = await run(['explain', '--model', model, '--sequences', seqs, '--ids', '1,2,3', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(readFileSync(join(out, 'explain.json'), 'utf8'));
    expect(j.rows).toHaveLength(3);
    for (const row of j.rows) {
      expect(row.integratedGradients.attributions).toHaveLength(row.length);
      expect(row.integratedGradients.attributions[0]).toHaveLength(4);
      expect(row.integratedGradients.completenessError).toBeLessThan(0.01);
    }
    const bad = await run(['explain', '--model', model, '--sequences', seqs, '--ids', 'nope', '--out', out]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^rnn: --ids: no sequence 'nope' in /);
    const cls = await run(['explain', '--model', model, '--sequences', seqs, '--class', 'nope', '--out', out]);
    expect(cls.code).toBe(1);
    expect(cls.stderr).toMatch(/^rnn: --class 'nope': the model's classes are /);
  });

  it('--tagging: the predicted tags and each token\'s occlusion score', async () => {
    const train = wnutSlice('train', 60, dir);
    const model = join(dir, 'wnut.safetensors');
    const t = await run(['train', '--tagging', train, '--out', model, '--epochs', '1', '--hidden', '8', '--embedding', '8', '--char-embedding', '4', '--char-filters', '4']);
    expect(t.code, t.stderr).toBe(0);
    const out = join(dir, 'wnut');
    const r = await run(['explain', '--model', model, '--tagging', train, '--first', '2', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(readFileSync(join(out, 'explain.json'), 'utf8'));
    expect(j.sentences).toHaveLength(2);
    expect(j.sentences[0].occlusion).toHaveLength(j.sentences[0].tokens.length);
    expect(existsSync(join(out, 'tokens-1.svg'))).toBe(true);
  });

  it('bad values get one line: --steps 0, --ahead past the horizon (exit 1); two workflows at once (exit 2)', async () => {
    const air = join(dir, 'air.safetensors');
    const r = await run(['explain', '--model', air, '--csv', AIR, '--steps', '0', '--out', join(dir, 'x')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('rnn: --steps must be a positive integer, found 0\n');
    const two = await run(['explain', '--model', air, '--csv', AIR, '--text', AIR, '--out', join(dir, 'x')]);
    expect(two.code).toBe(2);
    expect(two.stderr).toBe('rnn: explain: --csv and --text pick different workflows (timeseries, text); give one\n');
    const t = await run(['explain', '--model', air, '--csv', AIR, '--ahead', '9', '--out', join(dir, 'x')]);
    expect(t.code).toBe(1);
    expect(t.stderr).toMatch(/^rnn: --ahead 9: the model forecasts 1 step ahead; use --ahead 1..1\n$/);
  });
});
