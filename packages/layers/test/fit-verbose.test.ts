import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '@rnn/core';
import { dense, lstm, sequential } from '../src/index.js';
import './setup.js';

function model() {
  const m = sequential([lstm({ units: 4 }), dense({ units: 1 })]);
  m.compile({ optimizer: { type: 'adam', lr: 0.01 }, loss: 'mse' });
  return m;
}
const x = Array.from({ length: 8 }, (_, i) => Array.from({ length: 3 }, (_, t) => [Math.sin(i + t)]));
const y = Array.from({ length: 8 }, (_, i) => [Math.cos(i)]);

/** What fit wrote to process.stderr (not a terminal here). */
async function stderrOf(f: () => Promise<unknown>): Promise<string> {
  let text = '';
  const tty = process.stderr.isTTY;
  process.stderr.isTTY = false;
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((text += String(s)), true));
  try {
    await f();
  } finally {
    spy.mockRestore();
    process.stderr.isTTY = tty;
  }
  return text;
}

describe('fit({ verbose })', () => {
  afterEach(() => vi.restoreAllMocks());

  it('is silent by default and with verbose: 0', async () => {
    expect(await stderrOf(() => model().fit(x, y, { epochs: 2 }))).toBe('');
    expect(await stderrOf(() => model().fit(x, y, { epochs: 2, verbose: 0 }))).toBe('');
  });

  it('verbose: 1 and 2 off a terminal print one line per epoch on stderr', async () => {
    for (const verbose of [1, 2] as const) {
      const text = await stderrOf(() => model().fit(x, y, { epochs: 3, verbose, validationSplit: 0.25 }));
      expect(text.split('\n').filter(Boolean)).toEqual(
        [1, 2, 3].map((e) => expect.stringMatching(new RegExp(`^train epoch ${e}/3 loss \\S+ val_loss \\S+ \\(\\d+\\.\\ds\\)$`))),
      );
    }
  });

  it('refuses anything but 0, 1 or 2, before training', async () => {
    const m = model();
    await expect(m.fit(x, y, { verbose: true as never })).rejects.toThrow(
      'fit: verbose must be 0 (silent), 1 (a bar on a terminal, else a line per epoch) or 2 (a line per epoch), found true (for true write verbose: 1)',
    );
    await expect(m.fit(x, y, { verbose: 3 as never })).rejects.toThrow(ConfigError);
    await expect(m.fit(x, y, { verbose: 'epoch' as never })).rejects.toThrow(/found "epoch"$/);
    expect(m.built).toBe(false);
  });
});
