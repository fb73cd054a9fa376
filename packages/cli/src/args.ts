import { RnnError } from '@rnn/core';

/** A command-line usage error: unknown flag, missing value, bad number. Exit status 2. */
export class UsageError extends RnnError {
  constructor(message: string) {
    super('E_USAGE', message);
  }
}

export type FlagType = 'string' | 'number' | 'int' | 'boolean' | 'list';

export interface FlagSpec {
  type: FlagType;
  help: string;
  default?: string | number | boolean;
  /** Shown in help as the value placeholder. */
  value?: string;
  choices?: readonly string[];
  required?: boolean;
}

export type Flags = Record<string, FlagSpec>;
export type Parsed = Record<string, string | number | boolean | string[] | undefined>;

function distance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

/** The closest known name, if it is close enough to be a plausible typo. */
export function suggest(name: string, known: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const dd = distance(name, k);
    if (dd < bestD) {
      bestD = dd;
      best = k;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

/**
 * Parse `--flag value`, `--flag=value` and boolean `--flag` / `--no-flag`. Unknown flags are
 * refused with a suggestion; numbers are checked.
 */
export function parseArgs(command: string, argv: readonly string[], flags: Flags): { values: Parsed; positional: string[] } {
  const values: Parsed = {};
  const positional: string[] = [];
  const names = Object.keys(flags);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) {
      positional.push(arg);
      continue;
    }
    let name = arg.slice(2);
    let value: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const spec = flags[name];
    if (!spec && name.startsWith('no-') && flags[name.slice(3)]?.type === 'boolean') {
      values[name.slice(3)] = false;
      continue;
    }
    if (!spec) {
      const s = suggest(name, [...names, ...names.filter((n) => flags[n]!.type === 'boolean').map((n) => `no-${n}`)]);
      throw new UsageError(`rnn ${command}: unknown flag --${name}${s ? ` (did you mean --${s}?)` : ''}; see rnn ${command} --help`);
    }
    if (spec.type === 'boolean') {
      if (value !== undefined && value !== 'true' && value !== 'false') {
        throw new UsageError(`rnn ${command}: --${name} is a switch and takes no value, found '${value}'`);
      }
      values[name] = value !== 'false';
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined || (value.startsWith('--') && value.length > 2)) {
        throw new UsageError(`rnn ${command}: --${name} needs a value (${spec.value ?? spec.type})`);
      }
    }
    values[name] = convert(command, name, spec, value);
  }
  for (const [name, spec] of Object.entries(flags)) {
    if (values[name] === undefined && spec.default !== undefined) values[name] = spec.default;
    if (values[name] === undefined && spec.required) {
      throw new UsageError(`rnn ${command}: --${name} is required (${spec.help}); see rnn ${command} --help`);
    }
  }
  return { values, positional };
}

function convert(command: string, name: string, spec: FlagSpec, value: string): string | number | string[] {
  if (spec.type === 'number' || spec.type === 'int') {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || (spec.type === 'int' && !Number.isInteger(n))) {
      throw new UsageError(`rnn ${command}: --${name} expects ${spec.type === 'int' ? 'an integer' : 'a number'}, found '${value}'`);
    }
    return n;
  }
  if (spec.type === 'list') return value.split(',').map((s) => s.trim()).filter(Boolean);
  if (spec.choices && !spec.choices.includes(value)) {
    const s = suggest(value, spec.choices);
    throw new UsageError(
      `rnn ${command}: --${name} must be one of ${spec.choices.join(', ')}, found '${value}'${s ? ` (did you mean ${s}?)` : ''}`,
    );
  }
  return value;
}

export function helpText(command: string, summary: string, flags: Flags, examples: readonly string[]): string {
  const rows = Object.entries(flags).map(([n, s]) => {
    const left = `  --${n}${s.type === 'boolean' ? '' : ` ${s.value ?? s.type.toUpperCase()}`}`;
    const extra = [s.choices ? `one of ${s.choices.join('|')}` : '', s.default !== undefined && s.type !== 'boolean' ? `default ${s.default}` : '', s.required ? 'required' : '']
      .filter(Boolean)
      .join('; ');
    return [left, `${s.help}${extra ? ` (${extra})` : ''}`];
  });
  const w = Math.max(...rows.map((r) => r[0]!.length), 10);
  return [
    `rnn ${command} — ${summary}`,
    '',
    'Options:',
    ...rows.map(([l, r]) => `${l!.padEnd(w)}  ${r}`),
    `  --help${' '.repeat(Math.max(1, w - 7))} show this help`,
    '',
    'Examples:',
    ...examples.map((e) => `  ${e}`),
  ].join('\n');
}
