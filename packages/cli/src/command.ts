import type { Flags, Parsed } from './args.js';

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** One `rnn` subcommand. Files under commands/ each export one. */
export interface Command {
  name: string;
  summary: string;
  flags: Flags;
  examples: string[];
  run(values: Parsed, io: Io): Promise<void>;
}

/** Flags every command takes. */
export const COMMON: Flags = {
  verbose: { type: 'boolean', help: 'say which backend is used and more about each step' },
};
