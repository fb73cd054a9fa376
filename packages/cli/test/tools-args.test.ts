import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// Every tools/ script reads its command line through tools/lib/args.mjs (node:util parseArgs,
// strict): `--help` prints its usage, an unknown option is refused by name with status 2.
const root = new URL('../../../', import.meta.url).pathname;

/** Every .mjs file under tools/ but the peers' installs (tools/bench/.peers) and the helper itself. */
function modules(dir = join(root, 'tools')): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name.startsWith('.') || e.name === 'node_modules' ? [] : modules(p);
    return e.name.endsWith('.mjs') && relative(root, p) !== 'tools/lib/args.mjs' ? [relative(root, p)] : [];
  });
}

/** The scripts that parse a command line (the bench workers through lib/timing.mjs's workerSpec). */
const scripts = () => modules().filter((f) => /\btoolArgs\(|\bworkerSpec\(\)/.test(readFileSync(join(root, f), 'utf8')) && !f.includes('/lib/'));

const node = (script: string, args: string[]) => spawnSync(process.execPath, [script, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000 });

describe('tools/ command lines', () => {
  const found = scripts().sort();

  it('are all read through tools/lib/args.mjs (no script parses process.argv by hand)', () => {
    expect(found.length).toBeGreaterThanOrEqual(12);
    for (const f of modules()) {
      const text = readFileSync(join(root, f), 'utf8');
      // the only reads left: the is-this-the-main-module guard, and run.mjs handing its own arguments over
      const reads = [...text.matchAll(/process\.argv(\[\d\]|\.slice\(2\)[^\n]*)/g)].map((m) => m[0]);
      expect(reads.filter((r) => r !== 'process.argv[1]' && !/^process\.argv\.slice\(2\)(\)|\.join)/.test(r)), f).toEqual([]);
    }
  });

  for (const f of scripts().sort()) {
    it(`${f}: --help prints its usage, an unknown option is refused by name`, () => {
      const help = node(f, ['--help']);
      expect(help.status, help.stderr).toBe(0);
      expect(help.stdout).toMatch(/^usage: /);
      const bad = node(f, ['--no-such-option']);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(new RegExp(`^${f.replace(/[.]/g, '\\.')}: Unknown option '--no-such-option'\\nusage: `));
    }, 60_000);
  }
});
