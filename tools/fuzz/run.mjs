#!/usr/bin/env node
/**
 * Long fuzz run of every reader against the built packages (dist): the same generators and checks
 * as the CI tests (tools/fuzz/cases.mjs), many more inputs, one worker thread per reader.
 *
 *   node tools/fuzz/run.mjs [--runs 100000] [--minutes N] [--readers safetensors,npy,...]
 *                           [--seed 20261129] [--jobs N] [--hang-seconds 30] [--out tools/fuzz/out]
 *
 * --runs is per reader; --minutes caps the whole run: each reader gets an equal share of it
 * (minutes × jobs / readers) and stops at whichever of its count or its share comes first.
 * A watchdog terminates a worker whose current input has run for --hang-seconds and saves that
 * input; a worker that runs out of memory (2 GB heap) is reported the same way. Violations
 * (an exception other than the reader's typed error, a slow input, a big allocation, a wrong
 * value) are saved under --out with fast-check's seed and path, so they can be replayed.
 * Exit status 1 when any reader had a violation. Build first: npx nx run-many -t build.
 */
import { availableParallelism } from 'node:os';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { toolArgs } from '../lib/args.mjs';

const SAB_BYTES = 8 << 20;

async function loadLibrary() {
  const core = await import('@rnn/core');
  const lib = { ...core.io, FormatError: core.FormatError, ConfigError: core.ConfigError, RnnError: core.RnnError };
  const notes = [];
  try {
    lib.parseTrees = (await import('@rnn/layers')).parseTrees;
  } catch (e) {
    notes.push(`ptb-trees skipped: ${e.message}`);
  }
  try {
    const cli = new URL('../../packages/cli/dist/', import.meta.url);
    const { configArgs } = await import(new URL('config-file.js', cli).href);
    const { parseFlags, UsageError } = await import(new URL('flags.js', cli).href);
    const { COMMANDS } = await import(new URL('main.js', cli).href);
    const routes = new Map(COMMANDS.flatMap((c) => c.routes()).map((r) => [r.label, r]));
    const { tmpdir } = await import('node:os');
    const path = join(tmpdir(), `rnn-fuzz-config-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
    lib.cli = {
      configArgs,
      parse: (label, argv) => parseFlags({ command: label }, argv, routes.get(label).action.flags),
      UsageError,
      commands: Object.fromEntries([...routes].map(([label, r]) => [label, r.action.flags.flags])),
      writeConfig: (bytes) => {
        writeFileSync(path, bytes);
        return path;
      },
    };
  } catch (e) {
    notes.push(`cli-config skipped: ${e.message}`);
  }
  return { lib, notes };
}

// ------------------------------------------------------------------------------------------------
// Worker: fuzz one reader in chunks of fresh seeds until the count or the deadline is reached.

async function worker() {
  const { reader, runs, deadline, seed, sab, maxMs } = workerData;
  const { makeTargets, fuzzTarget } = await import('./cases.mjs');
  const { lib } = await loadLibrary();
  const target = makeTargets(lib).find((t) => t.name === reader);
  const beat = new Int32Array(sab, 0, 2);
  const bytes = new Uint8Array(sab, 8);
  const enc = new TextEncoder();
  const onCase = (input) => {
    let shown = target.show(input);
    if (typeof shown === 'string') shown = enc.encode(shown);
    const n = Math.min(shown.length, bytes.length);
    bytes.set(shown.subarray(0, n));
    Atomics.store(beat, 1, n);
    Atomics.add(beat, 0, 1);
  };
  const total = { reader, tried: 0, ok: 0, refused: 0, maxMs: 0, maxJumpBytes: 0 };
  const CHUNK = 1000;
  for (let chunk = 0; total.tried < runs && Date.now() < deadline; chunk++) {
    const numRuns = Math.min(CHUNK, runs - total.tried);
    let s;
    try {
      s = fuzzTarget(target, { seed: seed + chunk, numRuns, maxMs, onCase });
    } catch (e) {
      parentPort.postMessage({ type: 'violation', reader, message: String(e?.message ?? e).slice(0, 20_000), seed: seed + chunk, total });
      return;
    }
    total.tried += s.tried;
    total.ok += s.ok;
    total.refused += s.refused;
    total.maxMs = Math.max(total.maxMs, s.maxMs);
    total.maxJumpBytes = Math.max(total.maxJumpBytes, s.maxJumpBytes);
    parentPort.postMessage({ type: 'progress', total });
  }
  parentPort.postMessage({ type: 'done', total });
}

// ------------------------------------------------------------------------------------------------
// Main: one worker per reader, a watchdog, a summary.

async function main() {
  const args = toolArgs(
    'node tools/fuzz/run.mjs [--runs 100000] [--minutes N] [--readers safetensors,npy,...] [--seed 20261129] [--jobs N] [--hang-seconds 30] [--max-ms 5000] [--out tools/fuzz/out]',
    {
      runs: { type: 'string', default: '100000' },
      minutes: { type: 'string', default: 'Infinity' },
      readers: { type: 'string' },
      seed: { type: 'string', default: '20261129' },
      jobs: { type: 'string', default: String(availableParallelism()) },
      'hang-seconds': { type: 'string', default: '30' },
      'max-ms': { type: 'string', default: '5000' },
      out: { type: 'string', default: fileURLToPath(new URL('./out/', import.meta.url)) },
    },
  );
  const runs = args.number('runs');
  const minutes = args.number('minutes');
  const seed = args.number('seed');
  const jobs = args.number('jobs');
  const hangSeconds = args.number('hang-seconds');
  const maxMs = args.number('max-ms');
  const out = args.values.out;
  const { makeTargets, formatStats } = await import('./cases.mjs');
  const { lib, notes } = await loadLibrary();
  for (const n of notes) console.log(`note: ${n}`);
  const all = makeTargets(lib).map((t) => t.name);
  const readers = args.values.readers ? args.values.readers.split(',') : all;
  for (const r of readers) if (!all.includes(r)) throw new Error(`unknown reader ${r}; expected one of ${all.join(', ')}`);
  const share = Number.isFinite(minutes) ? (minutes * 60_000 * Math.min(jobs, readers.length)) / readers.length : Infinity;
  const t0 = Date.now();
  console.log(`fuzzing ${readers.join(', ')}: up to ${runs} inputs each${Number.isFinite(minutes) ? `, ${minutes} min in all` : ''}, seed ${seed}, ${jobs} at a time`);

  const results = new Map();
  const failures = [];
  const save = (name, data) => {
    mkdirSync(out, { recursive: true });
    const path = join(out, name);
    writeFileSync(path, data);
    return path;
  };
  const runOne = (reader) =>
    new Promise((resolve) => {
      const sab = new SharedArrayBuffer(SAB_BYTES);
      const beat = new Int32Array(sab, 0, 2);
      const deadline = Number.isFinite(share) ? Date.now() + share : Number.MAX_SAFE_INTEGER;
      const w = new Worker(fileURLToPath(import.meta.url), {
        workerData: { reader, runs, deadline, seed, sab, maxMs },
        resourceLimits: { maxOldGenerationSizeMb: 2048 },
      });
      let last = -1;
      let still = 0;
      let finished = false;
      const currentInput = () => new Uint8Array(sab, 8, Atomics.load(beat, 1)).slice();
      const finish = (total) => {
        if (finished) return;
        finished = true;
        clearInterval(watchdog);
        if (total) results.set(reader, total);
        resolve();
      };
      const watchdog = setInterval(() => {
        const now = Atomics.load(beat, 0);
        still = now === last ? still + 1 : 0;
        last = now;
        if (still >= hangSeconds) {
          const path = save(`${reader}-hang-${Date.now()}.bin`, currentInput());
          failures.push(`${reader}: one input ran for over ${hangSeconds} s (a hang); input saved to ${path}`);
          void w.terminate();
          finish(results.get(reader));
        }
      }, 1000);
      w.on('message', (m) => {
        if (m.type === 'progress') results.set(reader, m.total);
        if (m.type === 'done') finish(m.total);
        if (m.type === 'violation') {
          const path = save(`${reader}-violation-${Date.now()}.txt`, `${m.message}\n`);
          const input = save(`${reader}-violation-${Date.now()}.bin`, currentInput());
          failures.push(`${reader}: ${m.message.split('\n').find((l) => /Violation|Error/.test(l)) ?? m.message.slice(0, 200)} (report ${path}, last input ${input})`);
          finish(m.total);
        }
      });
      w.on('error', (e) => {
        const input = save(`${reader}-crash-${Date.now()}.bin`, currentInput());
        failures.push(`${reader}: the worker died (${e.code ?? ''} ${e.message}); last input saved to ${input}`);
        finish(results.get(reader));
      });
      w.on('exit', () => finish(results.get(reader)));
    });

  const queue = [...readers];
  const progress = setInterval(() => {
    const line = [...results.values()].map((s) => `${s.reader} ${s.tried}`).join(', ');
    if (line) console.log(`[${((Date.now() - t0) / 1000).toFixed(0)} s] ${line}`);
  }, 30_000);
  await Promise.all(
    Array.from({ length: Math.min(jobs, queue.length) }, async () => {
      while (queue.length) await runOne(queue.shift());
    }),
  );
  clearInterval(progress);
  let total = 0;
  for (const r of readers) {
    const s = results.get(r);
    if (!s) continue;
    total += s.tried;
    console.log(formatStats(s));
  }
  console.log(`fuzz total: ${total} inputs in ${((Date.now() - t0) / 1000).toFixed(0)} s, ${failures.length} violation(s)`);
  for (const f of failures) console.log(`VIOLATION ${f}`);
  process.exitCode = failures.length ? 1 : 0;
}

if (isMainThread) await main();
else await worker();
