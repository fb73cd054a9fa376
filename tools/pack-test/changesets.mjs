#!/usr/bin/env node
// Checks the release tooling without touching the repository:
//
// 1. `changeset status` runs here and lists the pending releases.
// 2. In a temp copy of the manifests and .changeset/, `changeset version --snapshot` writes a
//    CHANGELOG.md for every package and moves the internal dependency ranges to the snapshot.
// 3. In another temp copy, a plain `changeset version` gives the fixed group (core, backend-js,
//    backend-native) one version and sends no 0.x package to 1.0.0 (what peerDependencies on
//    @rnn/core would do).
//
//   node tools/pack-test/changesets.mjs [--report FILE.json]
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolArgs } from '../lib/args.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const changeset = join(root, 'node_modules', '@changesets', 'cli', 'bin.js');
const reportPath = toolArgs('node tools/pack-test/changesets.mjs [--report FILE.json]', { report: { type: 'string' } }).values.report ?? null;
const packages = readdirSync(join(root, 'packages')).filter((d) => existsSync(join(root, 'packages', d, 'package.json')));
const report = { ok: false };

function fail(msg) {
  throw new Error(msg);
}

function changesetCmd(args, cwd) {
  const r = spawnSync(process.execPath, [changeset, ...args], { cwd, encoding: 'utf8' });
  if (r.status !== 0) fail(`changeset ${args.join(' ')} (in ${cwd}) exited ${r.status}:\n${r.stdout}\n${r.stderr}`);
  return r;
}

/** A copy of what `changeset version` reads and writes: manifests, changelogs, .changeset/. */
function tempCopy() {
  const dir = mkdtempSync(join(tmpdir(), 'rnn-changesets-'));
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  cpSync(join(root, '.changeset'), join(dir, '.changeset'), { recursive: true });
  for (const p of packages) {
    mkdirSync(join(dir, 'packages', p), { recursive: true });
    for (const f of ['package.json', 'CHANGELOG.md']) {
      if (existsSync(join(root, 'packages', p, f))) cpSync(join(root, 'packages', p, f), join(dir, 'packages', p, f));
    }
  }
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return dir;
}

const manifest = (dir, p) => JSON.parse(readFileSync(join(dir, 'packages', p, 'package.json'), 'utf8'));

const dirs = [];
try {
  // 1. status, in the repository (it writes only the --output file, in a temp folder)
  const statusDir = mkdtempSync(join(tmpdir(), 'rnn-changeset-status-'));
  dirs.push(statusDir);
  changesetCmd(['status', '--output', join(statusDir, 'status.json')], root);
  const status = JSON.parse(readFileSync(join(statusDir, 'status.json'), 'utf8'));
  report.status = status.releases.map((r) => `${r.name} ${r.oldVersion} -> ${r.newVersion} (${r.type})`);

  // 2. a snapshot release: every package gets a CHANGELOG.md, internal ranges follow
  const snap = tempCopy();
  dirs.push(snap);
  changesetCmd(['version', '--snapshot', 'packtest'], snap);
  report.snapshot = {};
  for (const p of packages) {
    const m = manifest(snap, p);
    const log = join(snap, 'packages', p, 'CHANGELOG.md');
    if (!existsSync(log)) fail(`changeset version --snapshot wrote no packages/${p}/CHANGELOG.md`);
    const text = readFileSync(log, 'utf8');
    if (!m.version.includes('packtest') || !text.includes(`## ${m.version}`)) {
      fail(`packages/${p}: version ${m.version}, CHANGELOG.md starts:\n${text.slice(0, 300)}`);
    }
    for (const [dep, range] of Object.entries({ ...m.dependencies, ...m.optionalDependencies })) {
      if (dep.startsWith('@rnn/') && !range.includes('packtest')) fail(`packages/${p}: ${dep} stays at '${range}' in the snapshot`);
    }
    report.snapshot[m.name] = m.version;
  }

  // 3. a real version bump: the fixed group moves together, and nothing 0.x jumps to 1.0.0
  const real = tempCopy();
  dirs.push(real);
  changesetCmd(['version'], real);
  const versions = Object.fromEntries(packages.map((p) => [manifest(real, p).name, manifest(real, p).version]));
  report.version = versions;
  const fixed = JSON.parse(readFileSync(join(root, '.changeset', 'config.json'), 'utf8')).fixed ?? [];
  for (const group of fixed) {
    const vs = new Set(group.map((n) => versions[n]));
    if (vs.size !== 1) fail(`the fixed group ${group.join(', ')} got different versions: ${group.map((n) => `${n}@${versions[n]}`).join(', ')}`);
  }
  for (const p of packages) {
    const before = JSON.parse(readFileSync(join(root, 'packages', p, 'package.json'), 'utf8')).version;
    const after = manifest(real, p).version;
    if (before.startsWith('0.') && !after.startsWith('0.')) fail(`${manifest(real, p).name} jumps from ${before} to ${after}`);
  }
  report.ok = true;
  console.log(`[changesets] ok: ${Object.entries(versions).map(([n, v]) => `${n}@${v}`).join(', ')}`);
} catch (err) {
  console.error(`[changesets] FAILED: ${err.message}`);
  process.exitCode = 1;
} finally {
  if (reportPath) writeFileSync(reportPath, JSON.stringify(report, null, 2));
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
