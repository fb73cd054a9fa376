import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError, type FlagMap } from './flags.js';

const kebab = (s: string) => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const oneLine = (s: string) => s.replace(/[\u0000-\u001f]/g, (c) => JSON.stringify(c).slice(1, -1));

/**
 * `--config run.json`: a JSON object with the same options as the flags (`"batch-size": 32` or
 * `"batchSize": 32`), validated by a zod schema built from the command's flags. Returns argv
 * entries to put before the command line's own flags, which therefore override the file.
 */
export function configArgs(command: string, path: string, flags: FlagMap): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`--config ${path}: ${(err as { code?: string }).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    // V8's message quotes the text, which may hold line breaks: keep the error to one line
    throw new UsageError(`--config ${path}: not valid JSON (${oneLine((err as Error).message)})`);
  }
  const shape: Record<string, z.ZodType> = {};
  for (const [name, { info: spec }] of Object.entries(flags)) {
    if (name === 'config') continue; // a config file does not name another
    let t: z.ZodType;
    switch (spec.kind) {
      case 'boolean':
        t = z.boolean();
        break;
      case 'int':
        t = z.number().int();
        break;
      case 'number':
        t = z.number();
        break;
      case 'list':
        t = z.union([z.array(z.string()), z.string()]);
        break;
      default:
        t = spec.choices ? z.enum(spec.choices as [string, ...string[]]) : z.string();
    }
    shape[name] = t.optional();
  }
  const schema = z.strictObject(shape);
  // No prototype: a "__proto__" key must be an unknown option, not the object's prototype (which
  // would let {"__proto__": {"epochs": 5}} set options past the strict schema).
  const normalised: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new UsageError(`--config ${path}: expected a JSON object of options, found ${Array.isArray(json) ? 'an array' : typeof json}`);
  }
  for (const [k, val] of Object.entries(json)) normalised[Object.hasOwn(shape, k) ? k : kebab(k)] = val;
  const r = schema.safeParse(normalised);
  if (!r.success) {
    const issue = r.error.issues[0]!;
    const key = issue.path.join('.') || (issue as { keys?: string[] }).keys?.join(', ') || '';
    const msg = issue.code === 'unrecognized_keys' ? `unknown option(s) ${(issue as { keys: string[] }).keys.map((k) => `"${k}"`).join(', ')} for rnn ${command}` : `"${key}": ${issue.message}`;
    throw new UsageError(`--config ${path}: ${msg}`);
  }
  const args: string[] = [];
  for (const [k, val] of Object.entries(r.data as Record<string, unknown>)) {
    if (val === undefined) continue;
    if (flags[k]!.info.kind === 'boolean') args.push(val ? `--${k}` : `--no-${k}`);
    else args.push(`--${k}`, Array.isArray(val) ? val.join(',') : String(val));
  }
  return args;
}
