import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// The packages as users get them: tools/pack-test/run.mjs packs every @rnn/* package and the
// example plugins, installs the tarballs into a blank project and trains there (see its header).
// It packs the built dist/, so `npx nx run-many -t build` must have run (`npm test` does).
// RNN_SKIP_PACK_TEST=1 skips it (it takes one to three minutes, most of it the C++ build).
const root = new URL('../../../', import.meta.url).pathname;
const scratch = mkdtempSync(join(tmpdir(), 'rnn-pack-report-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function node(script: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(root, script), ...args], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
}

interface Step {
  name: string;
  ok: boolean;
  seconds: number;
  error?: string;
}

const skip = !!process.env['RNN_SKIP_PACK_TEST'];
if (skip) console.warn('pack.test.ts: skipped because RNN_SKIP_PACK_TEST is set');

describe.skipIf(skip)('the packages installed from their tarballs', () => {
  it('install on their own, train, load plugins, pick native when built', async () => {
    const reportPath = join(scratch, 'pack.json');
    const code = await node('tools/pack-test/run.mjs', ['--report', reportPath]);
    const report = JSON.parse(readFileSync(reportPath, 'utf8'));
    const failed = (report.steps as Step[]).filter((s) => !s.ok);
    expect(failed.map((s) => `${s.name}: ${s.error}`)).toEqual([]);
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.results.trainJs.backend).toBe('js');
    expect(report.results.nativeMissing.backend).toBe('js');
    expect((report.results.nativeMissing.warnings as string[]).filter((w) => w.includes("backend 'native'"))).toHaveLength(1);
    expect(report.results.conformance.failed).toBe(0);
    expect(report.results.plugins.backend.picked).toBe('tracing');
    if (report.native.skipped) {
      console.warn(`pack.test.ts: the native half was skipped: ${report.native.skipped}`);
    } else {
      expect(report.results.native.picked.backend).toBe('native');
      expect(report.results.native.js.backend).toBe('js');
      expect(report.results.pluginsNative.defaultBackend).toBe('native');
    }
    console.log(`pack test: ${report.seconds}s\n${(report.steps as Step[]).map((s) => `  ${String(s.seconds).padStart(6)}s  ${s.name}`).join('\n')}`);
  }, 360_000);

  it('changesets: status, snapshot CHANGELOGs, one version for the fixed group (in a temp copy)', async () => {
    const reportPath = join(scratch, 'changesets.json');
    const code = await node('tools/pack-test/changesets.mjs', ['--report', reportPath]);
    expect(code).toBe(0);
    const report = JSON.parse(readFileSync(reportPath, 'utf8'));
    expect(Object.keys(report.snapshot).sort()).toEqual(['@rnn/backend-js', '@rnn/backend-native', '@rnn/cli', '@rnn/core', '@rnn/layers', '@rnn/timeseries']);
  }, 60_000);
});
