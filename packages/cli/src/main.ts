import { RnnError } from '@rnn/core';
import { UsageError, parseFlags, suggest } from './flags.js';
import type { Command, Io } from './command.js';
import { flushWarnings, useBackend } from './backend.js';
import { configArgs } from './config-file.js';
import { distributedFailure, finishDistributed, fingerprintRun, rankIo, startDistributed } from './distributed.js';
import { info, version } from './commands/info.js';
import { summary } from './commands/summary.js';
import { exportCommand } from './commands/export.js';
import { serveCommand } from './commands/serve.js';
import { workflowCommand } from './commands/workflow-command.js';

export const COMMANDS: Command[] = [
  workflowCommand('train', 'train a model and write the model file'),
  workflowCommand('predict', 'run a model on new inputs: arrays, sequences, text, trees or a series'),
  workflowCommand('evaluate', 'score a model on held-out data'),
  workflowCommand('forecast', 'forecast the next steps of a series with a time-series model, in its original units'),
  workflowCommand('generate', 'write text with a character model from rnn train --text'),
  workflowCommand('explain', 'which inputs drove a prediction: attributions, gate traces, pictures (JSON, SVG, HTML)'),
  info,
  summary,
  exportCommand,
  serveCommand,
];

export function registerCommand(c: Command): void {
  if (!COMMANDS.some((x) => x.name === c.name)) COMMANDS.push(c);
}

/** The exit status rule, shown by `rnn --help` and followed by `main` (see the catch below). */
export const EXIT_STATUS = [
  'Exit status: 0 done;',
  '  2 usage error: how the command is written (an unknown command, flag or --config option, a flag',
  '    without its value, a malformed number, a value not among the choices, a missing required flag,',
  '    flags that conflict or need another);',
  '  1 value error: what it was given (a value out of range, a file missing, unreadable or malformed,',
  '    data that does not fit the model, an output that cannot be written, training that diverged);',
  '  130 stopped by Ctrl-C after writing a checkpoint; 70 an internal error (please report it).',
  'Errors are one line on stderr.',
];

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
    '',
    ...EXIT_STATUS,
  ].join('\n');
}

/** `--config FILE` taken out of argv: the file's options go first, so the command line wins. */
function expandConfig(route: string, argv: readonly string[], flags: Parameters<typeof configArgs>[2]): string[] {
  const ci = argv.findIndex((a) => a === '--config' || a.startsWith('--config='));
  if (ci < 0) return [...argv];
  const inline = argv[ci]!.includes('=');
  const path = inline ? argv[ci]!.slice('--config='.length) : argv[ci + 1];
  if (!path) throw new UsageError(`rnn ${route}: --config needs a file path`);
  const without = argv.filter((_, i) => i !== ci && !(i === ci + 1 && !inline));
  return [...configArgs(route, path, flags), ...without];
}

/**
 * An error line starts with `rnn: ` once (scripts match it). A message about one command names it
 * (`rnn train --text: unknown flag …`, whole when thrown from `parseFlags`); on the line the
 * command follows the prefix without a second `rnn`: `rnn: train --text: unknown flag …`.
 */
export function prefixed(message: string): string {
  if (message.startsWith('rnn: ')) return message;
  return `rnn: ${message.startsWith('rnn ') ? message.slice(4) : message}`;
}

/** Run the CLI; returns the exit status. Errors become one line on stderr, never a stack trace. */
export async function main(argv: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const code = await run(argv, rankIo(io), io);
  finishDistributed();
  return code;
}

async function run(argv: string[], io: Io, ownIo: Io): Promise<number> {
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
      io.stdout.write(cmd.help(rest) + '\n');
      return 0;
    }
    const route = cmd.route(rest);
    const { values, positional } = parseFlags({ command: route.label, elsewhere: route.elsewhere }, expandConfig(route.label, rest, route.action.flags.flags), route.action.flags);
    if (positional.length) {
      throw new UsageError(`rnn ${route.label}: unexpected argument '${positional[0]}' (options start with --); see rnn ${route.label} --help`);
    }
    if (route.action.computes) await useBackend(io, (values as { verbose?: boolean }).verbose === true);
    fingerprintRun(argv);
    startDistributed(name, io);
    await route.action.run(values, io);
    flushWarnings(io);
    return 0;
  } catch (err) {
    const { code, line } = report(err, io);
    const dist = distributedFailure(err, line);
    if (dist) {
      if (dist.line) ownIo.stderr.write(`${dist.line}\n`);
      dist.end(code);
    } else io.stderr.write(`${line}\n`);
    return code;
  }
}

/** The exit status of an error and its one line (the caller prints it). */
function report(err: unknown, io: Io): { code: number; line: string } {
  // a progress bar may be on the row: the message replaces it rather than running into it
  if (io.stderr.isTTY) io.stderr.write('\r\x1b[K');
  if (process.env['RNN_DEBUG']) io.stderr.write(`${(err as Error).stack}\n`);
  // the exit status rule (rnn --help, README): 2 for how the command was written, 1 for what it was given
  if (err instanceof UsageError) return { code: 2, line: prefixed(err.message) };
  // 130: Ctrl-C, checkpoint written (workflows/checkpoint.ts)
  if (err instanceof RnnError) return { code: err.code === 'E_INTERRUPTED' ? 130 : 1, line: prefixed(err.message) };
  const e = err as { code?: string; message?: string; path?: string };
  if (e.code && e.message && /^E[A-Z]+$/.test(e.code)) return { code: 1, line: prefixed(e.message) };
  return { code: 70, line: `rnn: internal error: ${e.message ?? String(err)} (set RNN_DEBUG=1 to see where; please report it)` };
}
