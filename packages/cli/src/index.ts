export { main, COMMANDS, registerCommand } from './main.js';
export type { Command, Io } from './command.js';
export { parseArgs, helpText, UsageError, type Flags, type FlagSpec } from './args.js';
export { readArray, writeArray } from './arrays.js';
