// Fuzzing what the CLI reads: `--config` files (every command), and `rnn predict` end to end with
// hostile model files and input arrays. Exit status must be 0, 1 or 2 with one line on stderr;
// 70 ("internal error") or an exception out of main() is a bug. Generators: tools/fuzz/cases.mjs.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as core from '@rnn/core';
import { dense, gru, sequential } from '@rnn/layers';
import { FUZZ_SEED, formatStats, fuzzTarget, makeTargets } from '../../../tools/fuzz/cases.mjs';
import { UsageError, parseFlags } from '../src/flags.js';
import { configArgs } from '../src/config-file.js';
import { COMMANDS } from '../src/main.js';
import { run, tmp } from './helpers.js';

process.env['RNN_BACKEND'] ??= 'js';
const dir = tmp();
/** Every command line's flags: `train` (array mode), `train --csv`, …, `info`. */
const routes = new Map(COMMANDS.flatMap((c) => c.routes()).map((r) => [r.label, r]));
const configPath = join(dir, 'run.json');
const targets = makeTargets({
  ...core.io,
  FormatError: core.FormatError,
  ConfigError: core.ConfigError,
  RnnError: core.RnnError,
  cli: {
    configArgs,
    parse: (label: string, argv: string[]) => parseFlags({ command: label }, argv, routes.get(label)!.action.flags),
    UsageError,
    commands: Object.fromEntries([...routes].map(([label, r]) => [label, r.action.flags.flags])),
    writeConfig: (bytes: Uint8Array) => {
      writeFileSync(configPath, bytes);
      return configPath;
    },
  },
} as never);
const target = (name: string) => targets.find((t) => t.name === name)!;

describe(`--config files (seed ${FUZZ_SEED})`, () => {
  it('every file gives flags or a UsageError naming the file, for every command', () => {
    const stats = fuzzTarget(target('cli-config'), { numRuns: 400, maxMs: 2000, maxJumpBytes: 64 * 2 ** 20 });
    console.log(formatStats(stats));
    expect(stats.ok).toBeGreaterThan(40);
    expect(stats.refused).toBeGreaterThan(100);
  });

  it('a "__proto__" key cannot smuggle options past the schema', () => {
    writeFileSync(configPath, '{"__proto__": {"epochs": 5}}');
    const flags = routes.get('train')!.action.flags.flags;
    expect(() => configArgs('train', configPath, flags)).toThrow(UsageError);
    expect(() => configArgs('train', configPath, flags)).toThrow(/unknown option\(s\) "__proto__"/);
  });
});

/** Runs `rnn` and checks the exit contract; returns the exit status. */
async function runChecked(args: string[]): Promise<number> {
  const r = await run(args);
  expect([0, 1, 2], `exit ${r.code}: ${r.stderr}`).toContain(r.code);
  if (r.code !== 0) {
    expect(r.stderr.trim().split('\n').filter((l) => !l.startsWith('rnn: warning:'))).toHaveLength(1);
    expect(r.stderr).toMatch(/^rnn: /);
  }
  return r.code;
}

describe(`rnn predict with hostile files (seed ${FUZZ_SEED})`, () => {
  const model = join(dir, 'good.safetensors');
  writeFileSync(model, sequential([gru({ units: 3, name: 'gru', returnSequences: true }), dense({ units: 1, name: 'fc' })]).build({ inputSize: 2, seed: 1 }).toBytes());

  it('--input: .npy and .json arrays', async () => {
    const counts: Record<number, number> = {};
    const inputs = fc.oneof(
      target('npy').arb.map((v) => ({ ext: '.npy', data: (v as { bytes: Uint8Array }).bytes })),
      target('json-array').arb.map((v) => ({ ext: '.json', data: (v as { text: string }).text })),
      // well-formed arrays of the right rank and width, some with NaN/huge values
      fc
        .tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 4 }), fc.constantFrom('0.5', '-1e30', '1e38', '3.5e38', '0'))
        .map(([b, t, v]) => ({ ext: '.json', data: JSON.stringify(Array.from({ length: b }, () => Array.from({ length: t }, () => [0, 0]))).replace(/0\]/, `${v}]`) })),
    );
    let n = 0;
    await fc.assert(
      fc.asyncProperty(inputs, async ({ ext, data }) => {
        const path = join(dir, `x${ext}`);
        writeFileSync(path, data);
        const code = await runChecked(['predict', '--model', model, '--input', path]);
        counts[code] = (counts[code] ?? 0) + 1;
        n++;
      }),
      { seed: FUZZ_SEED, numRuns: 120 },
    );
    console.log(`fuzz rnn predict --input: ${n} inputs, exit statuses ${JSON.stringify(counts)}`);
    expect(counts[0]).toBeGreaterThan(5);
  });

  it('--model: damaged and hostile model files', async () => {
    const counts: Record<number, number> = {};
    const x = join(dir, 'ok.json');
    writeFileSync(x, '[[[0.5, 1], [0, -1]]]');
    let n = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(target('model-file').arb, target('safetensors').arb), async (v) => {
        const path = join(dir, 'm.safetensors');
        writeFileSync(path, (v as { bytes: Uint8Array }).bytes);
        const code = await runChecked(['predict', '--model', path, '--input', x]);
        counts[code] = (counts[code] ?? 0) + 1;
        n++;
      }),
      { seed: FUZZ_SEED, numRuns: 120 },
    );
    console.log(`fuzz rnn predict --model: ${n} files, exit statuses ${JSON.stringify(counts)}`);
    expect(counts[1]).toBeGreaterThan(40);
  });
});
