// A flag spelt as Keras, PyTorch or snake_case habits spell it gets a hint toward ours: no edit
// distance finds --lr from --learning-rate.
import { describe, expect, it } from 'vitest';
import { run } from './helpers.js';

const CSV = new URL('../../../data/airpassengers/airpassengers.csv', import.meta.url).pathname;

describe('unknown flags name the flag meant', () => {
  it.each([
    ['--learning-rate', '--lr'],
    ['--learning_rate', '--lr'],
    ['--batch_size', '--batch-size'],
    ['--num-epochs', '--epochs'],
    ['--n_epochs', '--epochs'],
    ['--hidden-size', '--hidden'],
    ['--units', '--hidden'],
    ['--num-layers', '--layers'],
    ['--validation-split', '--val-split'],
    ['--clip-grad-norm', '--clip-norm'],
    ['--epoch', '--epochs'],
  ])('%s → %s (exit 2, one line)', async (given, meant) => {
    const r = await run(['train', '--csv', CSV, '--out', '/nonexistent/never-written.safetensors', `${given}=1`]);
    expect(r.code).toBe(2);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`unknown flag ${given} (did you mean ${meant}?); see rnn train --csv --help`);
  });

  it('a plain typo still gets the closest flag', async () => {
    const r = await run(['train', '--csv', CSV, '--out', 'x.safetensors', '--epohcs', '3']);
    expect(r.stderr).toContain('unknown flag --epohcs (did you mean --epochs?)');
  });
});
