import { flag, flagSet, type FlagMap, type FlagSet, type Values } from './flags.js';

export interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
}

/** Flags every command takes. */
export const COMMON = {
  verbose: flag.boolean('say which backend is used and more about each step'),
  config: flag.string('read options from a JSON file (flags given on the command line win)', { value: 'run.json' }),
};

/** A flag set with the common flags added. */
export function withCommon<F extends FlagMap>(flags: F): FlagSet<F & typeof COMMON> {
  return flagSet({ ...flags, ...COMMON });
}

/** One way to run a command: its flags, examples, and what it does with the typed values. */
export interface Action<S extends FlagSet = FlagSet> {
  flags: S;
  examples: readonly string[];
  /** Pick the compute backend (and say which with --verbose) before `run`: every action that computes. */
  computes?: boolean;
  run(values: Values<S>, io: Io): Promise<void>;
}

/** Types an action's `run` by its flags (`action({ flags, examples, run(v) { v.lr … } })`). */
export function action<S extends FlagSet>(a: Action<S>): Action<S> {
  return a;
}

/** What a command line asks for: the action, and how messages name it (`train --csv`). */
export interface Route {
  action: Action;
  label: string;
  /** The other flags of this command: a sentence naming where a flag this route lacks belongs. */
  elsewhere(name: string): string | null;
}

/** One `rnn` subcommand. */
export interface Command {
  name: string;
  summary: string;
  /** Picks the action from the command line, before it is parsed (see commands/workflow-command.ts). */
  route(argv: readonly string[]): Route;
  /** Every route the command has (one per workflow that implements it). */
  routes(): Route[];
  /** `rnn <name> [...] --help`. */
  help(argv: readonly string[]): string;
}
