import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ADDON_PATH } from '@rnn/backend-native';
import { afterAll, describe, expect, it } from 'vitest';

// The README's Quick start, run as a user runs it (a fresh process, no `await ready()`, nothing but
// the environment variable to choose the backend), must train on the backend the environment names.
const root = new URL('../../../', import.meta.url).pathname;
const scratch = join(new URL('.', import.meta.url).pathname, '.backend-choice');
mkdirSync(scratch, { recursive: true });
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const quickStart = /## Quick start[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
const script = join(scratch, 'quick-start.ts');
writeFileSync(
  script,
  `${quickStart}\nconsole.log('TRAINED_ON=' + model.predict(x.slice(0, 1)).backend.name);\n`,
);
const tsx = join(root, 'node_modules/.bin/tsx');

function run(env: Record<string, string | undefined>) {
  const e: NodeJS.ProcessEnv = { ...process.env, ...env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete e[k];
  return spawnSync(tsx, [script], { cwd: scratch, env: e, encoding: 'utf8', timeout: 120_000 });
}

describe('the README Quick start picks the backend from the environment alone', () => {
  it('has a Quick start block to run', () => expect(quickStart).toMatch(/model\.fit/));

  it.skipIf(!existsSync(DEFAULT_ADDON_PATH))('RNN_BACKEND unset, native addon built: trains on native', () => {
    const r = run({ RNN_BACKEND: undefined });
    expect(r.stderr).not.toMatch(/Error/);
    expect(r.stdout).toMatch(/^TRAINED_ON=native$/m);
  }, 120_000);

  it('RNN_BACKEND=js: trains on js', () => {
    const r = run({ RNN_BACKEND: 'js' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^TRAINED_ON=js$/m);
  }, 120_000);

  it('RNN_BACKEND=native without the addon: one clear error naming the build command', () => {
    const r = run({ RNN_BACKEND: 'native', RNN_NATIVE_ADDON: join(scratch, 'missing.node') });
    expect(r.status).not.toBe(0);
    expect(r.stdout).not.toMatch(/TRAINED_ON/);
    expect(r.stderr).toMatch(/native backend: the addon is not built \(.*missing\.node does not exist\)/);
    expect(r.stderr).toMatch(/npm run build:native -w @rnn\/backend-native/);
    expect(r.stderr).not.toMatch(/unknown backend/);
  }, 120_000);
});
