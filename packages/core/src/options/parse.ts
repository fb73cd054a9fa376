import type { z } from 'zod';
import { ConfigError } from '../errors.js';
import { nameNote, suggestName, synonymOf } from './names.js';

type Issue = z.core.$ZodIssue;
type AnySchema = z.core.$ZodType;

/**
 * Check a user's options object against its strict zod schema, once, where it enters the public
 * API: an unknown key is refused by name, with the closest key the function takes ("did you
 * mean"), and a value of the wrong kind with what was expected and what was found. Returns the
 * parsed value (plain data: the code behind the boundary trusts it). Throws `ConfigError`.
 *
 * `where` names the function as the user called it (`lstm`, `compile`, `model.fit`).
 */
export function parseOptions<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  // an unknown key first: a misspelt required key also shows up as that key missing
  const issues = r.error.issues;
  throw new ConfigError(describeIssue(schema, value, where, issues.find((i) => i.code === 'unrecognized_keys') ?? issues[0]!));
}

/** The one line a user sees for the first thing wrong in `value`. */
function describeIssue(schema: AnySchema, value: unknown, where: string, issue: Issue): string {
  const path = issue.path as (string | number)[];
  const input = valueAt(value, path);
  if (issue.code === 'unrecognized_keys') {
    const accepted = keysAt(schema, value, path);
    const owner = path.length ? `'${pathString(path)}'` : where;
    const parts = issue.keys.map((key) => {
      // the same name spelled another way or a synonym, else advice for a foreign habit, else a typo
      const synonym = synonymOf(key, accepted);
      const note = synonym ? null : nameNote(key);
      const typo = synonym || note ? null : suggestName(key, accepted);
      const hint = synonym ?? typo;
      return `unknown option '${pathString([...path, key])}'${hint ? ` (did you mean '${hint}'?)` : ''}${note ? ` (${note})` : ''}`;
    });
    return `${where}: ${parts.join('; ')}; ${owner} takes ${accepted.length ? accepted.join(', ') : 'no options'}`;
  }
  if (issue.code === 'invalid_union') {
    const branch = deepestBranch(issue);
    if (branch) return describeIssue(schema, value, where, { ...branch, path: [...path, ...branch.path] } as Issue);
  }
  const expected = expectation(issue);
  const hint = valueHint(issue, input);
  if (path.length === 0) return `${where}: expected ${expected === 'an object' ? 'an options object' : expected}, found ${describeValue(input)}${hint}`;
  return `${where}: ${pathString(path)} must be ${expected}, found ${describeValue(input)}${hint}`;
}

/**
 * In a union (`optimizer: 'adam' | { type: 'adam', … } | Optimizer`), the branch that got furthest
 * into the value says what is wrong with it; when none got past the value's own type, null (the
 * union's message lists every form).
 */
function deepestBranch(issue: Extract<Issue, { code: 'invalid_union' }>): Issue | null {
  let best: Issue | null = null;
  let depth = 0;
  for (const branch of issue.errors ?? []) {
    for (const i of branch) {
      if (i.path.length > depth) {
        depth = i.path.length;
        best = i;
      }
    }
  }
  return best;
}

/** What the schema wanted, in words: `a number`, `one of 'tanh', 'relu'`, or the schema's own message. */
function expectation(issue: Issue): string {
  const custom = issue.message && !/^(Invalid|Too (small|big)|Unrecognized|Expected)/.test(issue.message);
  if (custom) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return issue.expected === 'int' ? 'an integer' : article(issue.expected);
    case 'invalid_value':
      return issue.values.length === 1 ? quote(issue.values[0]) : `one of ${issue.values.map(quote).join(', ')}`;
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      if (options?.length) return `one of ${options.map(quote).join(', ')}`;
      return issue.message;
    }
    case 'too_small':
      return `${issue.inclusive === false ? 'greater than' : 'at least'} ${String(issue.minimum)}`;
    case 'too_big':
      return `${issue.inclusive === false ? 'less than' : 'at most'} ${String(issue.maximum)}`;
    default:
      return issue.message;
  }
}

/** ` (did you mean 'adam'?)` for a string close to one of the names the schema takes. */
function valueHint(issue: Issue, input: unknown): string {
  if (typeof input !== 'string') return '';
  const names = new Set<string>();
  const collect = (i: Issue) => {
    if (i.code === 'invalid_value') for (const v of i.values) if (typeof v === 'string') names.add(v);
    if (i.code === 'invalid_union') for (const b of i.errors ?? []) for (const j of b) if (j.path.length === 0) collect(j);
  };
  collect(issue);
  const s = suggestName(input, [...names]);
  return s ? ` (did you mean '${s}'?)` : '';
}

const article = (t: string) => (/^[aeiou]/.test(t) ? `an ${t}` : `a ${t}`);
const quote = (v: unknown) => (typeof v === 'string' ? `'${v}'` : String(v));

function pathString(path: readonly (string | number | symbol)[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}

function valueAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let v = value;
  for (const p of path) v = v !== null && typeof v === 'object' ? (v as Record<PropertyKey, unknown>)[p] : undefined;
  return v;
}

/** `string '8'`, `number 8`, `an array of length 3`, `a Tensor`, `an object with keys a, b`. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing (undefined)';
  if (v === null) return 'null';
  if (typeof v === 'string') return `string '${v.length > 40 ? `${v.slice(0, 40)}…` : v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v} ${String(v)}`;
  if (typeof v === 'function') return 'a function';
  if (Array.isArray(v)) return `an array of length ${v.length}`;
  const ctor = (v as object).constructor?.name;
  if (ctor && ctor !== 'Object') return article(ctor);
  const keys = Object.keys(v as object);
  return keys.length ? `an object with keys ${keys.slice(0, 6).join(', ')}${keys.length > 6 ? ', …' : ''}` : 'an empty object';
}

interface Def {
  type: string;
  shape?: Record<string, AnySchema>;
  innerType?: AnySchema;
  in?: AnySchema;
  options?: AnySchema[];
  element?: AnySchema;
  items?: AnySchema[];
  getter?: () => AnySchema;
}

const defOf = (s: AnySchema): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** The keys the object schema at `path` takes (for a union, the branch that fits the value there). */
export function keysAt(schema: AnySchema, value: unknown, path: readonly PropertyKey[]): string[] {
  const objects = objectsAt(schema, value, path);
  const fitting = objects.filter((o) => fits(o, valueAt(value, path)));
  return [...new Set((fitting.length ? fitting : objects).flatMap((o) => Object.keys(defOf(o).shape!)))];
}

/** A union branch fits a value when every literal key of the branch (a discriminator) matches it. */
function fits(object: AnySchema, v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  for (const [k, s] of Object.entries(defOf(object).shape!)) {
    const d = defOf(s) as Def & { values?: unknown[] };
    if (d.type === 'literal' && !d.values!.includes((v as Record<string, unknown>)[k])) return false;
  }
  return true;
}

function objectsAt(schema: AnySchema, value: unknown, path: readonly PropertyKey[]): AnySchema[] {
  const d = defOf(schema);
  switch (d.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'nonoptional':
      return objectsAt(d.innerType!, value, path);
    case 'pipe':
      return objectsAt(d.in!, value, path);
    case 'lazy':
      return objectsAt(d.getter!(), value, path);
    case 'union':
      return d.options!.flatMap((o) => objectsAt(o, value, path));
  }
  if (path.length === 0) return d.type === 'object' ? [schema] : [];
  const [head, ...rest] = path;
  const next = valueAt(value, [head!]);
  if (d.type === 'object') {
    const s = d.shape![String(head)];
    return s ? objectsAt(s, next, rest) : [];
  }
  if (d.type === 'array') return objectsAt(d.element!, next, rest);
  if (d.type === 'tuple') return d.items![Number(head)] ? objectsAt(d.items![Number(head)]!, next, rest) : [];
  return [];
}
