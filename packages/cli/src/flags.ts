import { ConfigError, RnnError, editDistance, synonymOf } from '@rnn/core';
import { z } from 'zod';

/**
 * Command-line flags: each flag is a zod type (what its value must be, its default) plus the few
 * facts the parser and the help need (how to read its text, a placeholder, a help line). A set of
 * flags is a strict zod object, so a command's values are typed by `z.infer` and nothing is cast.
 */

/** A command-line usage error: unknown flag, missing value, bad number. Exit status 2. */
export class UsageError extends RnnError {
  constructor(message: string) {
    super('E_USAGE', message);
  }
}

/** How the text after `--flag` is read: `boolean` flags take none (`--x`, `--no-x`), `list` splits on commas. */
export type FlagKind = 'string' | 'number' | 'int' | 'boolean' | 'list';

/** Range rules whose failure is a value error (exit 1), not a usage error. */
export type Check = 'positive' | 'non-negative' | 'fraction';

export interface FlagInfo {
  kind: FlagKind;
  help: string;
  /** Shown in help as the value placeholder (`--lr F`). */
  value?: string;
  choices?: readonly string[];
  default?: unknown;
  required?: boolean;
  check?: Check;
}

export interface Flag<T = unknown> {
  readonly info: FlagInfo;
  readonly schema: z.ZodType<T>;
}

interface Options<T> {
  value?: string;
  default?: T;
  required?: true;
  check?: Check;
}

/** A flag's value type: always there with a default or when required, else maybe undefined. */
type Out<T, O> = O extends { default: unknown } ? T : O extends { required: true } ? T : T | undefined;

const CHECKS: Record<Check, { ok: (x: number) => boolean; int: string; number: string }> = {
  positive: { ok: (x) => x > 0, int: 'a positive integer', number: 'a positive number' },
  'non-negative': { ok: (x) => x >= 0, int: 'a non-negative integer', number: 'a non-negative number' },
  fraction: { ok: (x) => x >= 0 && x < 1, int: 'a fraction in [0, 1)', number: 'a fraction in [0, 1)' },
};

function make<T, O extends Options<T>>(kind: FlagKind, base: z.ZodType<T>, help: string, o: O | undefined, choices?: readonly string[]): Flag<Out<T, O>> {
  let s: z.ZodType<T> = base;
  const check = o?.check;
  if (check) {
    const c = CHECKS[check];
    // the message names no flag: parseFlags adds it (see `issueError`)
    s = s.refine((x) => c.ok(Number(x)), { message: `must be ${kind === 'int' ? c.int : c.number}` });
  }
  const schema = o?.required ? s : o?.default !== undefined ? s.default(o.default as never) : s.optional();
  return { info: { kind, help, ...o, ...(choices ? { choices } : {}) }, schema: schema as unknown as z.ZodType<Out<T, O>> };
}

/** Flag builders: `flag.int('passes over the data', { value: 'N', default: 1, check: 'positive' })`. */
export const flag = {
  string: <const O extends Options<string> = object>(help: string, o?: O) => make('string', z.string(), help, o),
  number: <const O extends Options<number> = object>(help: string, o?: O) => make('number', z.number(), help, o),
  int: <const O extends Options<number> = object>(help: string, o?: O) => make('int', z.number().int(), help, o),
  boolean: <const O extends Options<boolean> = object>(help: string, o?: O) => make('boolean', z.boolean(), help, o),
  list: <const O extends Options<string[]> = object>(help: string, o?: O) => make('list', z.array(z.string()), help, o),
  choice: <const C extends readonly [string, ...string[]], const O extends Options<C[number]> = object>(choices: C, help: string, o?: O) =>
    make('string', z.enum(choices) as unknown as z.ZodType<C[number]>, help, o, choices),
};

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a flag of any value type
export type FlagMap = Record<string, Flag<any>>;

/** The zod object of a flag map: one key per flag, unknown keys refused. */
type Shape<F extends FlagMap> = { [K in keyof F]: F[K]['schema'] };

export interface FlagSet<F extends FlagMap = FlagMap> {
  readonly flags: F;
  readonly schema: z.ZodObject<Shape<F>, z.core.$strict>;
}

/** The parsed, typed values of a flag set. */
export type Values<S extends FlagSet> = z.infer<S['schema']>;

export function flagSet<F extends FlagMap>(flags: F): FlagSet<F> {
  const shape = Object.fromEntries(Object.entries(flags).map(([k, f]) => [k, f.schema])) as Shape<F>;
  return { flags, schema: z.strictObject(shape) };
}

/**
 * The known name meant: the same name spelled another way or a Keras/PyTorch habit
 * (`--batch_size`, `--learning-rate` → `--lr`, `--num-epochs` → `--epochs`, `--hidden-size` →
 * `--hidden`), else the closest one if it is close enough to be a plausible typo.
 */
export function suggest(name: string, known: readonly string[]): string | null {
  const synonym = synonymOf(name, known);
  if (synonym !== null) return synonym;
  let best: string | null = null;
  let bestD = Infinity;
  for (const k of known) {
    const dd = editDistance(name, k);
    if (dd < bestD) {
      bestD = dd;
      best = k;
    }
  }
  return best !== null && bestD <= Math.max(2, Math.floor(name.length / 3)) ? best : null;
}

/** Where a command line is parsed: `train --csv`, and what to say of a flag this set does not know. */
export interface ParseContext {
  /** `train`, or `train --csv` for a workflow: how messages and `--help` name it. */
  command: string;
  /** A sentence for a flag some other workflow takes (`--season is a flag of …`), or null. */
  elsewhere?: (name: string) => string | null;
}

/**
 * Parse `--flag value`, `--flag=value` and boolean `--flag` / `--no-flag` into the set's typed
 * values. Unknown flags are refused with a suggestion, numbers and choices are checked, then the
 * zod schema fills in defaults and checks ranges.
 */
export function parseFlags<S extends FlagSet>(ctx: ParseContext, argv: readonly string[], set: S): { values: Values<S>; positional: string[] } {
  const { command } = ctx;
  const flags: Record<string, Flag> = set.flags;
  const raw: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
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
    const info = Object.hasOwn(flags, name) ? flags[name]!.info : undefined;
    if (!info && name.startsWith('no-') && flags[name.slice(3)]?.info.kind === 'boolean') {
      raw[name.slice(3)] = false;
      continue;
    }
    if (!info) {
      const there = ctx.elsewhere?.(name);
      if (there) throw new UsageError(`rnn ${command}: ${there}; see rnn ${command} --help`);
      const s = suggest(name, [...names, ...names.filter((n) => flags[n]!.info.kind === 'boolean').map((n) => `no-${n}`)]);
      throw new UsageError(`rnn ${command}: unknown flag --${name}${s ? ` (did you mean --${s}?)` : ''}; see rnn ${command} --help`);
    }
    if (info.kind === 'boolean') {
      if (value !== undefined && value !== 'true' && value !== 'false') {
        throw new UsageError(`rnn ${command}: --${name} is a switch and takes no value, found '${value}'`);
      }
      raw[name] = value !== 'false';
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined || (value.startsWith('--') && value.length > 2)) {
        throw new UsageError(`rnn ${command}: --${name} needs a value (${info.value ?? info.kind})`);
      }
    }
    raw[name] = convert(command, name, info, value);
  }
  for (const [name, f] of Object.entries(flags)) {
    if (raw[name] === undefined && f.info.required) {
      throw new UsageError(`rnn ${command}: --${name} is required (${f.info.help}); see rnn ${command} --help`);
    }
  }
  const r = set.schema.safeParse(raw);
  if (!r.success) throw issueError(command, r.error.issues[0]!, raw);
  return { values: r.data as Values<S>, positional };
}

/** A zod issue as the CLI's error: a failed range check is a value error (exit 1), anything else a usage error. */
function issueError(command: string, issue: z.core.$ZodIssue, raw: Record<string, unknown>): RnnError {
  const name = String(issue.path[0] ?? '');
  if (issue.code === 'custom') return new ConfigError(`--${name} ${issue.message}, found ${String(raw[name])}`);
  return new UsageError(`rnn ${command}: --${name}: ${issue.message}`);
}

function convert(command: string, name: string, info: FlagInfo, value: string): string | number | string[] {
  if (info.kind === 'number' || info.kind === 'int') {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || (info.kind === 'int' && !Number.isInteger(n))) {
      throw new UsageError(`rnn ${command}: --${name} expects ${info.kind === 'int' ? 'an integer' : 'a number'}, found '${value}'`);
    }
    return n;
  }
  if (info.kind === 'list') return value.split(',').map((s) => s.trim()).filter(Boolean);
  if (info.choices && !info.choices.includes(value)) {
    const s = suggest(value, info.choices);
    throw new UsageError(`rnn ${command}: --${name} must be one of ${info.choices.join(', ')}, found '${value}'${s ? ` (did you mean ${s}?)` : ''}`);
  }
  return value;
}

/** Help rows for a flag map: `--lr F` and its help with choices, default and whether required. */
export function flagRows(flags: FlagMap): [string, string][] {
  return Object.entries(flags).map(([n, { info: s }]) => {
    const left = `  --${n}${s.kind === 'boolean' ? '' : ` ${s.value ?? s.kind.toUpperCase()}`}`;
    const extra = [s.choices ? `one of ${s.choices.join('|')}` : '', s.default !== undefined && s.kind !== 'boolean' ? `default ${String(s.default)}` : '', s.required ? 'required' : '']
      .filter(Boolean)
      .join('; ');
    return [left, `${s.help}${extra ? ` (${extra})` : ''}`];
  });
}

/** Rows as an aligned two-column block. */
export function table(rows: readonly (readonly [string, string])[]): string[] {
  const w = Math.max(...rows.map((r) => r[0].length), 10);
  return rows.map(([l, r]) => `${l.padEnd(w)}  ${r}`);
}
