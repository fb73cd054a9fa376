import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GOLDEN, run, tmp } from './helpers.js';

const g = (f: string) => join(GOLDEN, f);
const ARRAYS = ['train', '--model', g('train-mse-adam.init.safetensors'), '--x', g('train-mse-adam.x.json'), '--y', g('train-mse-adam.y.json'), '--epochs', '2'];

describe('array mode progress (rnn train --model --x --y --out)', () => {
  it('prints one line per epoch and where the model went, on stderr; stdout stays empty', async () => {
    const out = join(tmp(), 'm.safetensors');
    const r = await run([...ARRAYS, '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n').filter((l) => l && !l.startsWith('rnn: warning:'))).toEqual([
      expect.stringMatching(/^train epoch 1\/2 loss \S+ \(\d+\.\ds\)$/),
      expect.stringMatching(/^train epoch 2\/2 loss \S+ \(\d+\.\ds\)$/),
      `rnn: wrote ${out}`,
    ]);
    expect(existsSync(out)).toBe(true);
  });

  it('with --json, stdout holds only the JSON lines', async () => {
    const out = join(tmp(), 'm.safetensors');
    const r = await run([...ARRAYS, '--out', out, '--json']);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l['event'], l['epoch']])).toEqual([
      ['epoch', 1],
      ['epoch', 2],
    ]);
    expect(r.stderr).toContain(`rnn: wrote ${out}\n`);
  });
});
