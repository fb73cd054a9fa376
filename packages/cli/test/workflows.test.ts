import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ConfigError } from '@rnn/core';
import { dense, lstm, sequential } from '@rnn/layers';
import { action, withCommon } from '../src/command.js';
import { workflowCommand } from '../src/commands/workflow-command.js';
import { UsageError, flag, parseFlags } from '../src/flags.js';
import { COMMANDS } from '../src/main.js';
import { CHECKPOINT_KEY, readCheckpoint } from '../src/workflows/checkpoint.js';
import { WORKFLOWS } from '../src/workflows/index.js';
import { trainFlags as textFlags } from '../src/workflows/text/train.js';
import { trainFlags as csvFlags } from '../src/workflows/timeseries/train.js';
import type { Workflow } from '../src/workflows/workflow.js';
import { run, tmp } from './helpers.js';

/** The `--flag` names a help text lists as options. */
const optionsOf = (help: string) => new Set([...help.matchAll(/^ {2}--([\w-]+)/gm)].map((m) => m[1]));

describe('per-workflow help', () => {
  it('rnn train --csv --help shows the time-series flags and not the text ones', async () => {
    const r = await run(['train', '--csv', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^rnn train --csv — /);
    const opts = optionsOf(r.stdout);
    for (const f of ['csv', 'target', 'season', 'transform', 'patience', 'out', 'epochs', 'checkpoint', 'resume', 'minutes', 'verbose', 'config', 'help']) expect(opts, f).toContain(f);
    for (const f of ['text', 'seq-len', 'gz', 'embedding', 'sequences', 'labels', 'trees', 'x', 'loss', 'shuffle']) expect(opts, f).not.toContain(f);
    // each workflow states its own defaults
    expect(r.stdout).toMatch(/--lr F +learning rate \(default 0\.005\)/);
  });

  it('rnn train --text --help shows the text flags with their own defaults', async () => {
    const r = await run(['train', '--text', '--help']);
    expect(r.code).toBe(0);
    const opts = optionsOf(r.stdout);
    for (const f of ['text', 'seq-len', 'gz', 'checkpoint', 'resume', 'minutes']) expect(opts, f).toContain(f);
    for (const f of ['csv', 'season', 'target', 'patience']) expect(opts, f).not.toContain(f);
    expect(r.stdout).toMatch(/--lr F +learning rate \(default 0\.002\)/);
  });

  it('rnn train --help lists the workflows and the array-mode flags only', async () => {
    const r = await run(['train', '--help']);
    expect(r.code).toBe(0);
    for (const w of WORKFLOWS) expect(r.stdout).toContain(w.trigger ? `--${w.trigger} ` : '(no workflow flag)');
    const opts = optionsOf(r.stdout.slice(r.stdout.indexOf('Options:')));
    for (const f of ['model', 'x', 'y', 'out', 'loss', 'optimizer', 'lr', 'epochs', 'batch-size', 'shuffle', 'clip-norm', 'seed', 'init']) expect(opts, f).toContain(f);
    for (const f of ['season', 'seq-len', 'labels', 'dev']) expect(opts, f).not.toContain(f);
    // the contract's defaults (shared/contracts/cli.md)
    expect(r.stdout).toMatch(/--lr F +learning rate \(default 0\.001\)/);
    expect(r.stdout).toMatch(/--batch-size N +rows per optimizer step \(default 32\)/);
  });

  it('rnn evaluate --help lists its workflows; a command with one workflow shows its flags', async () => {
    const ev = await run(['evaluate', '--help']);
    expect(ev.stdout).toContain('--csv FILE.csv');
    expect(ev.stdout).toContain('--trees FILE.txt[.gz]');
    const tr = await run(['evaluate', '--trees', '--help']);
    expect([...optionsOf(tr.stdout)].sort()).toEqual(['config', 'help', 'json', 'model', 'trees', 'verbose']);
    const gen = await run(['generate', '--help']);
    expect(optionsOf(gen.stdout)).toContain('temperature');
  });
});

describe('a flag of another workflow is refused by name', () => {
  const cases: [string[], RegExp][] = [
    [['train', '--text', 'a.txt', '--out', 'm.safetensors', '--season', '12'], /^rnn: train --text: --season belongs to the timeseries workflow \(rnn train --csv\); see rnn train --text --help\n$/],
    [['train', '--trees', 't.txt', '--out', 'm.safetensors', '--patience', '3'], /^rnn: train --trees: --patience belongs to the timeseries workflow \(rnn train --csv\)/],
    [['train', '--csv', 'a.csv', '--out', 'm.safetensors', '--loss', 'mse'], /^rnn: train --csv: --loss belongs to the arrays workflow \(rnn train\)/],
    [['train', '--text', 'a.txt', '--out', 'm.safetensors', '--weight-average', '0.9'], /^rnn: train --text: --weight-average belongs to the tagging workflow \(rnn train --tagging\)/],
    [['train', '--model', 'm', '--x', 'x', '--y', 'y', '--out', 'o', '--target', 't'], /^rnn: train: --target belongs to the timeseries workflow/],
    [['forecast', '--model', 'm', '--csv', 'c', '--epochs', '3'], /^rnn: forecast: --epochs is a flag of rnn train, not of rnn forecast/],
    [['evaluate', '--model', 'm', '--trees', 't', '--part', 'test'], /^rnn: evaluate --trees: --part belongs to the timeseries workflow \(rnn evaluate --csv\)/],
  ];
  for (const [args, re] of cases) {
    it(args.slice(0, 2).join(' ') + ' … ' + args.find((a, i) => i > 1 && a.startsWith('--') && re.source.includes(a)), async () => {
      const r = await run(args);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(re);
    });
  }

  it('two workflow flags at once are refused', async () => {
    const r = await run(['train', '--csv', 'a.csv', '--text', 'b.txt', '--out', 'm.safetensors']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('rnn: train: --csv and --text pick different workflows (timeseries, text); give one\n');
  });

  it('a command whose workflows all have a flag asks for one', () => {
    // every built-in command has the array mode (no flag) now; a command made of flagged workflows only
    const flagged = WORKFLOWS.filter((w) => w.trigger && w.evaluate);
    const evaluate = workflowCommand('evaluate', 'score a model', flagged);
    expect(() => evaluate.route(['--model', 'm.safetensors'])).toThrow(UsageError);
    expect(() => evaluate.route(['--model', 'm.safetensors'])).toThrow(/^rnn evaluate: give --csv FILE\.csv or .*--trees FILE\.txt\[\.gz\] \(the workflow\)/);
  });

  it('rnn evaluate with no workflow flag is the array mode, and names the workflow flags when --x is missing', async () => {
    const r = await run(['evaluate', '--model', 'm.safetensors']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^rnn: evaluate: --x is required in array mode \(or evaluate --csv, --text, --sequences or --trees\)/);
  });

  it('--config gives the chosen workflow its options; the command line wins', async () => {
    const dir = tmp();
    const cfg = join(dir, 'run.json');
    writeFileSync(cfg, JSON.stringify({ season: 0, part: 'validation' }));
    const model = join(dir, 'none.safetensors');
    const fromFile = await run(['evaluate', '--config', cfg, '--model', model, '--csv', 'a.csv']);
    expect(fromFile.code).toBe(1);
    expect(fromFile.stderr).toBe('rnn: --season must be a positive integer, found 0\n');
    const overridden = await run(['evaluate', '--config', cfg, '--model', model, '--csv', 'a.csv', '--season', '4']);
    expect(overridden.code).toBe(1);
    expect(overridden.stderr).toBe(`rnn: --model ${model}: no such file\n`);
  });

  it('--config refuses an option of another workflow, naming the file', async () => {
    const dir = tmp();
    const cfg = join(dir, 'run.json');
    writeFileSync(cfg, JSON.stringify({ season: 12 }));
    const r = await run(['train', '--text', 'a.txt', '--out', join(dir, 'm.safetensors'), '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--config ${cfg}: unknown option(s) "season" for rnn train --text`);
  });
});

describe('typed values', () => {
  const parse = (argv: string[]) => parseFlags({ command: 'train --csv' }, argv, csvFlags).values;

  it('are numbers, lists, choices and booleans, with the workflow defaults filled in', () => {
    const v = parse(['--csv', 'a.csv', '--out', 'm.safetensors', '--features', 'b, c', '--window', '12', '--lr=0.01', '--cell', 'gru', '--json']);
    expect(v).toMatchObject({ csv: 'a.csv', features: ['b', 'c'], window: 12, lr: 0.01, cell: 'gru', json: true, epochs: 300, 'batch-size': 16, missing: 'ffill' });
    expect(v.season).toBeUndefined();
    // the types come from the zod schema (z.infer): checked by `tsc -p packages/cli/tsconfig.json`
    expectTypeOf(v.lr).toEqualTypeOf<number>();
    expectTypeOf(v.window).toEqualTypeOf<number | undefined>();
    expectTypeOf(v.cell).toEqualTypeOf<'lstm' | 'gru' | 'rnn'>();
    expectTypeOf(v.features).toEqualTypeOf<string[] | undefined>();
    expectTypeOf(v.csv).toEqualTypeOf<string>();
    const t = parseFlags({ command: 'train --text' }, ['--text', 'a', '--out', 'o', '--no-json'], textFlags).values;
    expect(t.json).toBe(false);
    expect(t.gz).toBe('auto');
    expectTypeOf(t.epochs).toEqualTypeOf<number | undefined>();
  });

  it('a value out of range is a value error (exit 1) naming the flag; a malformed one a usage error (exit 2)', async () => {
    expect(() => parse(['--csv', 'a', '--out', 'o', '--patience', '0'])).toThrow(ConfigError);
    expect(() => parse(['--csv', 'a', '--out', 'o', '--patience', '0'])).toThrow('--patience must be a positive integer, found 0');
    expect(() => parse(['--csv', 'a', '--out', 'o', '--patience', '1.5'])).toThrow(UsageError);
    const r = await run(['train', '--text', 'a.txt', '--out', 'm.safetensors', '--val-split', '1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('rnn: --val-split must be a fraction in [0, 1), found 1\n');
  });
});

describe('a new workflow is one object in the list', () => {
  const seen: unknown[] = [];
  const toy: Workflow = {
    name: 'toy',
    trigger: 'toy',
    summary: 'a workflow a test adds',
    train: action({
      flags: withCommon({ toy: flag.string('the data', { value: 'FILE', required: true }), depth: flag.int('how deep', { value: 'N', default: 3, check: 'positive' }) }),
      examples: ['rnn train --toy data.txt'],
      async run(v, io) {
        seen.push(v);
        io.stdout.write(`toy ${v.toy} ${v.depth + 1}\n`);
      },
    }),
  };
  const train = workflowCommand('train', 'train a model', [...WORKFLOWS, toy]);

  it('is dispatched to by its trigger, parses only its flags, and shows in help', async () => {
    const route = train.route(['--toy', 'f.txt', '--depth', '4']);
    expect(route.label).toBe('train --toy');
    const { values } = parseFlags({ command: route.label, elsewhere: route.elsewhere }, ['--toy', 'f.txt', '--depth', '4'], route.action.flags);
    const chunks: string[] = [];
    const sink = { write: (c: string) => (chunks.push(c), true) } as unknown as NodeJS.WritableStream;
    await route.action.run(values, { stdout: sink, stderr: sink });
    expect(chunks.join('')).toBe('toy f.txt 5\n');
    expect(() => parseFlags({ command: route.label, elsewhere: route.elsewhere }, ['--toy', 'f', '--seq-len', '3'], route.action.flags)).toThrow(
      'rnn train --toy: --seq-len belongs to the text workflow (rnn train --text); see rnn train --toy --help',
    );
    expect(train.help([])).toContain('--toy FILE');
    expect(train.help(['--toy'])).toMatch(/^rnn train --toy — a workflow a test adds/);
    expect(train.summary).toContain('--toy');
  });

  it('the built-in commands list every workflow that implements them', () => {
    const labels = COMMANDS.flatMap((c) => c.routes().map((r) => r.label)).sort();
    expect(labels).toEqual(
      [
        ...['evaluate', 'evaluate --csv', 'evaluate --pairs', 'evaluate --sequences', 'evaluate --tagging', 'evaluate --text', 'evaluate --trees'],
        ...['predict', 'predict --csv', 'predict --pairs', 'predict --sequences', 'predict --tagging', 'predict --text', 'predict --trees'],
        ...['export', 'forecast', 'generate', 'info', 'serve', 'summary'],
        ...['explain', 'explain --csv', 'explain --pairs', 'explain --sequences', 'explain --tagging', 'explain --text', 'explain --trees'],
        ...['train', 'train --csv', 'train --pairs', 'train --sequences', 'train --tagging', 'train --text', 'train --trees'],
      ].sort(),
    );
  });
});

describe('the word "workflow"', () => {
  it('a checkpoint names the workflow that wrote it; one written when it was called "mode" still reads', async () => {
    const dir = tmp();
    const model = sequential([lstm({ hiddenSize: 2 }), dense({ units: 1 })]).build({ inputSize: 1, seed: 1 });
    const state = {
      version: 1,
      mode: 'text',
      epoch: 1,
      batch: 0,
      batches: 2,
      rngEpochStart: [1, 2, 3, 4, null],
      rng: null,
      settings: { seed: 0 },
      optimizer: { name: 'adam', lr: 0.001, steps: 2, slots: {} },
    };
    const path = join(dir, 'old.safetensors');
    writeFileSync(path, model.toBytes({ [CHECKPOINT_KEY]: JSON.stringify(state) }));
    const c = await readCheckpoint(path);
    expect(c.state.workflow).toBe('text');
    expect(c.state).not.toHaveProperty('mode');
  });
});
