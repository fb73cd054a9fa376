import { RnnError } from '@rnn/core';
import { UsageError, helpText, parseArgs, suggest } from './args.js';
import type { Command, Io } from './command.js';
import { flushWarnings } from './backend.js';
import { configArgs } from './config-file.js';
import { info, version } from './commands/info.js';
import { predict } from './commands/predict.js';
import { summary } from './commands/summary.js';
import { train } from './commands/train.js';
import { evaluate } from './commands/evaluate.js';
import { forecast } from './commands/forecast.js';
import './workflows/timeseries/mode.js';
import { generate } from './commands/generate.js';
import './workflows/text/mode.js';
import './workflows/classify/mode.js';
import './workflows/trees/mode.js';

export const COMMANDS: Command[] = [train, predict, evaluate, forecast, generate, info, summary];

export function registerCommand(c: Command): void {
  if (!COMMANDS.some((x) => x.name === c.name)) COMMANDS.push(c);
}

function usage(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'rnn — recurrent neural networks from the command line',
    '',
    'Usage: rnn <command> [options]     (rnn <command> --help for its options)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    'Environment: RNN_BACKEND=native|js|cuda picks the compute backend (unset: the fastest that loads);',
    '             RNN_NUM_THREADS sets the native backend\'s threads.',
  ].join('\n');
}

/** Run the CLI; returns the exit status. Errors become one line on stderr, never a stack trace. */
export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(usage() + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(version() + '\n');
    return 0;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  try {
    if (!cmd) {
      const s = suggest(name, COMMANDS.map((c) => c.name));
      throw new UsageError(`unknown command '${name}'${s ? ` (did you mean 'rnn ${s}'?)` : ''}; run rnn --help for the list`);
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      io.stdout.write(helpText(cmd.name, cmd.summary, cmd.flags, cmd.examples) + '\n');
      return 0;
    }
    const flags = { ...cmd.flags, config: { type: 'string' as const, value: 'run.json', help: 'read options from a JSON file (flags given on the command line win)' } };
    let argv2 = rest;
    const ci = rest.findIndex((a) => a === '--config' || a.startsWith('--config='));
    if (ci >= 0) {
      const path = rest[ci]!.includes('=') ? rest[ci]!.slice('--config='.length) : rest[ci + 1];
      if (!path) throw new UsageError(`rnn ${cmd.name}: --config needs a file path`);
      const without = rest.filter((_, i) => i !== ci && !(i === ci + 1 && !rest[ci]!.includes('=')));
      argv2 = [...configArgs(cmd.name, path, cmd.flags), ...without];
    }
    const { values, positional } = parseArgs(cmd.name, argv2, flags);
    if (positional.length) {
      throw new UsageError(`rnn ${cmd.name}: unexpected argument '${positional[0]}' (options start with --); see rnn ${cmd.name} --help`);
    }
    await cmd.run(values, io);
    flushWarnings(io);
    return 0;
  } catch (err) {
    if (process.env['RNN_DEBUG']) io.stderr.write(`${(err as Error).stack}\n`);
    if (err instanceof UsageError) {
      io.stderr.write(`rnn: ${err.message}\n`);
      return 2;
    }
    if (err instanceof RnnError) {
      io.stderr.write(`rnn: ${err.message}\n`);
      return err.code === 'E_INTERRUPTED' ? 130 : 1; // Ctrl-C, checkpoint written (workflows/checkpoint.ts)
    }
    const e = err as { code?: string; message?: string; path?: string };
    if (e.code && e.message && /^E[A-Z]+$/.test(e.code)) {
      io.stderr.write(`rnn: ${e.message}\n`);
      return 1;
    }
    io.stderr.write(`rnn: internal error: ${e.message ?? String(err)} (set RNN_DEBUG=1 to see where; please report it)\n`);
    return 70;
  }
}
