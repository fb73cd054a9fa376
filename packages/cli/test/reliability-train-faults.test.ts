// `rnn train` when training diverges: exit status 1, one line naming the epoch, batch and
// parameter and suggesting --clip-norm; no --out file, partial or whole.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dense, lstm, sequential } from '@rnn/layers';
import { run, tmp } from './helpers.js';

process.env['RNN_BACKEND'] ??= 'js';

describe('rnn train with a learning rate that explodes', () => {
  it('fails with one line that names where it diverged and suggests --clip-norm', async () => {
    const dir = tmp();
    const model = join(dir, 'm.safetensors');
    writeFileSync(model, sequential([lstm({ units: 4, name: 'lstm' }), dense({ units: 1, name: 'fc' })]).build({ inputSize: 2, seed: 1 }).toBytes());
    const x = Array.from({ length: 8 }, (_, i) => Array.from({ length: 3 }, (_, t) => [Math.sin(i + t), Math.cos(i * t)]));
    const y = Array.from({ length: 8 }, (_, i) => [(i % 3) - 1]);
    writeFileSync(join(dir, 'x.json'), JSON.stringify(x));
    writeFileSync(join(dir, 'y.json'), JSON.stringify(y));
    const out = join(dir, 'out.safetensors');
    const args = ['train', '--model', model, '--x', join(dir, 'x.json'), '--y', join(dir, 'y.json'), '--out', out, '--optimizer', 'sgd', '--epochs', '3', '--batch-size', '2', '--no-shuffle'];
    const r = await run([...args, '--lr', '1e30']);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('rnn: warning:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^rnn: training diverged at epoch 1, batch \d: .*'(lstm|fc)\.[a-z_0-9]+' \(layer '(lstm|fc)'.*--clip-norm 1\.0/);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);

    // and with clipping on, the same run trains through
    const ok = await run([...args, '--lr', '0.1', '--clip-norm', '1']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(existsSync(out)).toBe(true);
  });
});
