#!/usr/bin/env node
/**
 * Crash-safety of model saving: start a writer process (tools/kill/writer.mjs) that saves two
 * models alternately to one path with `Sequential.save` (writeFileAtomic), SIGKILL it at a random
 * (seeded) moment, and check that the file at the path is whole and is one of the two models, and
 * that temporary files from killed writers do not pile up (the next save removes them).
 *
 *   node tools/kill/loop.mjs --kills 1000 [--seed 20261129] [--max-delay-ms 300] [--dir DIR]
 *
 * Needs the packages built (`npx nx run-many -t build`). Also used by
 * packages/layers/test/reliability-kill.test.ts with a small --kills.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WRITER = fileURLToPath(new URL('./writer.mjs', import.meta.url));
const TEMP = /^\.model\.safetensors\.(\d+)\.(\d+)\.tmp$/;

function startWriter(args, env) {
  const child = spawn(process.execPath, [WRITER, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env });
  child.stdin.on('error', () => {}); // the pipe breaks when the child is killed
  const state = { child, ready: false, saves: 0, stderr: '', exited: null };
  let resolveReady;
  state.readyPromise = new Promise((r) => (resolveReady = r));
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    for (const line of chunk.split('\n')) {
      if (line === 'ready') {
        state.ready = true;
        resolveReady();
      } else if (line === 's') state.saves++;
    }
  });
  child.stderr.on('data', (d) => (state.stderr += d));
  state.exitPromise = new Promise((r) =>
    child.on('exit', (code, signal) => {
      state.exited = { code, signal };
      resolveReady();
      r(state.exited);
    }),
  );
  return state;
}

/**
 * Runs the loop and returns its figures; throws with the iteration, delay and seed on the first
 * broken file, unknown content or temp-file pile-up. `readModelFile` is core's reader.
 */
export async function killLoop({ kills, seed = 20261129, maxDelayMs = 300, dir, readModelFile, log = () => {} }) {
  const work = dir ?? mkdtempSync(join(tmpdir(), 'rnn-kill-'));
  const env = { ...process.env, RNN_BACKEND: 'js' };
  const t0 = performance.now();
  const refs = startWriter(['--refs', work], env);
  const done = await refs.exitPromise;
  if (done.code !== 0) throw new Error(`writer --refs failed (${JSON.stringify(done)}): ${refs.stderr}`);
  const A = readFileSync(join(work, 'A.safetensors'));
  const B = readFileSync(join(work, 'B.safetensors'));
  const target = join(work, 'model.safetensors');
  copyFileSync(join(work, 'A.safetensors'), target);
  const refsOf = { A, B };
  let rnd = seed >>> 0;
  const random = () => ((rnd = (Math.imul(rnd, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const stats = { kills: 0, unchanged: 0, changed: 0, savesCompleted: 0, killedBeforeFirstSave: 0, maxTempFiles: 0, tempFilesRemovedByNextSave: 0, seconds: 0 };
  let current = 'A';
  let pendingTemps = 0; // temp files left by killed writers that no save has cleaned up yet
  // Writers for the next rounds boot while this round's runs (node startup dominates a round).
  const standby = Array.from({ length: 2 }, () => startWriter([target], env));
  try {
    for (let i = 0; i < kills; i++) {
      let w = standby.shift();
      await w.readyPromise;
      // A writer that could not even start (e.g. dist being rebuilt under it) is not a crash-safety
      // failure: retry a few times before giving up.
      for (let retry = 0; !w.ready && retry < 3; retry++) {
        log(`kill ${i}: a writer exited before it was ready (${w.stderr.split('\n').find((l) => /Error/.test(l)) ?? JSON.stringify(w.exited)}); starting another`);
        await new Promise((r) => setTimeout(r, 2000));
        w = startWriter([target], env);
        await w.readyPromise;
      }
      if (!w.ready) throw new Error(`kill ${i}: writer exited before it was ready (${JSON.stringify(w.exited)}): ${w.stderr}`);
      // start with the model the file does not hold, so that the first save changes it
      w.child.stdin.write(current === 'A' ? 'B\n' : 'A\n');
      standby.push(startWriter([target], env));
      const delay = random() * maxDelayMs;
      await new Promise((r) => setTimeout(r, delay));
      w.child.kill('SIGKILL');
      const exit = await w.exitPromise;
      if (exit.signal !== 'SIGKILL') throw new Error(`kill ${i}: writer ended by itself (${JSON.stringify(exit)}): ${w.stderr}`);
      stats.kills++;
      stats.savesCompleted += w.saves;
      if (w.saves === 0) stats.killedBeforeFirstSave++;

      const bytes = readFileSync(target);
      const which = bytes.equals(A) ? 'A' : bytes.equals(B) ? 'B' : null;
      const where = `kill ${i} (seed ${seed}, delay ${delay.toFixed(1)} ms, ${w.saves} saves completed)`;
      if (which === null) throw new Error(`${where}: ${target} is neither model (${bytes.length} bytes; the models are ${A.length})`);
      readModelFile(new Uint8Array(bytes), target); // whole and valid, not only byte-equal
      if (which === current) stats.unchanged++;
      else stats.changed++;
      current = which;

      const temps = readdirSync(work).filter((n) => TEMP.test(n));
      if (w.saves > 0) {
        // a completed save removed every earlier writer's temp file; the killed one may leave one
        stats.tempFilesRemovedByNextSave += pendingTemps;
        pendingTemps = 0;
      }
      const mine = temps.filter((n) => Number(TEMP.exec(n)[1]) === w.child.pid).length;
      if (mine > 1) throw new Error(`${where}: the writer left ${mine} temp files`);
      pendingTemps += mine;
      // Fewer is fine: a writer may finish a save (and its clean-up) and die before it reports it.
      if (temps.length > pendingTemps) {
        throw new Error(`${where}: ${temps.length} temp files (${temps.join(', ')}) but at most ${pendingTemps} expected: stale ones were not cleaned up`);
      }
      stats.tempFilesRemovedByNextSave += pendingTemps - temps.length;
      pendingTemps = temps.length;
      stats.maxTempFiles = Math.max(stats.maxTempFiles, temps.length);
      const other = readdirSync(work).filter((n) => !TEMP.test(n) && !['A.safetensors', 'B.safetensors', 'model.safetensors'].includes(n));
      if (other.length) throw new Error(`${where}: unexpected files ${other.join(', ')}`);
      if ((i + 1) % 100 === 0) log(`${i + 1} kills: file always whole; ${stats.changed} left the new model, ${stats.unchanged} the old`);
    }
  } catch (err) {
    for (const w of standby) w.child.kill('SIGKILL');
    throw err;
  }
  // one clean save at the end removes whatever the last killed writers left
  const last = standby.shift();
  await last.readyPromise;
  last.child.stdin.write('A\n');
  for (const w of standby) w.child.kill('SIGKILL');
  while (last.saves === 0 && last.exited === null) await new Promise((r) => setTimeout(r, 5));
  last.child.kill('SIGKILL');
  await last.exitPromise;
  const leftover = readdirSync(work).filter((n) => TEMP.test(n) && Number(TEMP.exec(n)[1]) !== last.child.pid);
  if (leftover.length) throw new Error(`after a clean save, stale temp files remain: ${leftover.join(', ')}`);
  stats.seconds = (performance.now() - t0) / 1000;
  if (dir === undefined) rmSync(work, { recursive: true, force: true });
  return stats;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { toolArgs } = await import('../lib/args.mjs');
  const args = toolArgs('node tools/kill/loop.mjs --kills 1000 [--seed 20261129] [--max-delay-ms 300] [--dir DIR]', {
    kills: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '20261129' },
    'max-delay-ms': { type: 'string', default: '300' },
    dir: { type: 'string' },
  });
  const { readModelFile } = await import('@rnn/core');
  const stats = await killLoop({
    kills: args.number('kills'),
    seed: args.number('seed'),
    maxDelayMs: args.number('max-delay-ms'),
    dir: args.values.dir,
    readModelFile,
    log: (s) => console.log(s),
  });
  console.log(JSON.stringify(stats));
  console.log(
    `kill -9 loop: ${stats.kills} kills survived in ${stats.seconds.toFixed(1)} s; the file was always one whole model ` +
      `(${stats.changed} times the new one, ${stats.unchanged} the old); ${stats.savesCompleted} saves completed; ` +
      `at most ${stats.maxTempFiles} stale temp file(s) at once, all removed by the next save`,
  );
}
