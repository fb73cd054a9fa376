import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run, tmp } from './helpers.js';

const AIR = new URL('../../../data/airpassengers/airpassengers.csv', import.meta.url).pathname;

/** The documented rule (rnn --help, packages/cli/README.md): usage errors exit 2, value errors 1; one line starting `rnn: `, `rnn` not repeated. */
describe('exit status and error lines', () => {
  const out = join(tmp(), 'm.safetensors');
  const cases: [string, string[], number, RegExp][] = [
    ['unknown command', ['frobnicate'], 2, /^rnn: unknown command 'frobnicate'; run rnn --help for the list$/],
    ['unknown flag', ['train', '--text', 'a.txt', '--out', out, '--learning-rate', '0.1'], 2, /^rnn: train --text: unknown flag --learning-rate\b.*; see rnn train --text --help$/],
    ['flag of another workflow', ['train', '--text', 'a.txt', '--out', out, '--season', '12'], 2, /^rnn: train --text: --season belongs to the timeseries workflow/],
    ['flag without its value', ['train', '--text'], 2, /^rnn: train --text: --text needs a value \(FILE\)$/],
    ['malformed number', ['train', '--text', 'a.txt', '--out', out, '--epochs', 'ten'], 2, /^rnn: train --text: --epochs expects an integer, found 'ten'$/],
    ['value not among the choices', ['train', '--text', 'a.txt', '--out', out, '--cell', 'lstn'], 2, /^rnn: train --text: --cell must be one of .*found 'lstn' \(did you mean lstm\?\)$/],
    ['missing required flag', ['train', '--text', 'a.txt'], 2, /^rnn: train --text: --out is required/],
    ['missing --target (required by the time-series workflow)', ['train', '--csv', AIR, '--out', out], 2, /^rnn: train --csv: --target COL is required \(the column to forecast\)$/],
    ['flag needing another', ['train', '--text', 'a.txt', '--out', out, '--checkpoint-every', '2'], 2, /^rnn: train: --checkpoint-every needs --checkpoint FILE/],
    ['value out of range', ['train', '--text', 'a.txt', '--out', out, '--epochs', '0'], 1, /^rnn: --epochs must be a positive integer, found 0$/],
    ['missing file', ['train', '--text', join(tmp(), 'none.txt'), '--out', out], 1, /^rnn: --text \S+none\.txt: no such file$/],
    ['a column the file lacks', ['train', '--csv', AIR, '--target', 'passengers', '--out', out], 1, /^rnn: .*passengers/],
  ];
  for (const [what, argv, code, line] of cases) {
    it(`${what}: exit ${code}, one line`, async () => {
      const r = await run(argv);
      expect(r.code).toBe(code);
      const lines = r.stderr.split('\n').filter((l) => l && !l.startsWith('rnn: warning:'));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(line);
      expect(lines[0]).toMatch(/^rnn: /);
      expect(lines[0]).not.toMatch(/^rnn: rnn\b/);
    });
  }

  it('rnn --help states the rule', async () => {
    const r = await run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('  2 usage error: how the command is written');
    expect(r.stdout).toContain('  1 value error: what it was given');
  });
});
