#!/usr/bin/env node
// Garbage per training step: V8 collections (mark-compacts and scavenges per 100 steps, their
// pause time) and CPU time per step of the benchmark workloads (tools/bench/lib/workloads.mjs)
// trained through the real Trainer, one child process per workload (each its own V8 heap), one
// native thread. CPU time is the figure to compare on a busy machine; wall time only on a quiet one.
//
//   node tools/bench/gc-steps.mjs [--workloads A,B,E] [--steps 12] [--epochs 3] [--quick] [--sites]
//
// A and B run `model.fit` (batches gathered from the rows, the yield between batches: what `rnn
// train` runs); E runs `Trainer.step` on one CMUdict batch (as the bench's rnn worker). The first
// epoch warms up (pools fill, the JIT settles) and is not counted. The native backend's
// `allocationStats` (when this build has it) says how many tensor buffers were new ArrayBuffers
// rather than released ones reused. `--sites` also prints, per workload, where the new typed arrays
// of 1 KB or more came from in the timed steps (kernel results, fill/write/read/cast), by call site:
// how the sources of per-step garbage were found.
import { execFileSync, spawnSync } from 'node:child_process';
import { PerformanceObserver, constants, performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { toolArgs } from '../lib/args.mjs';

const USAGE = 'node tools/bench/gc-steps.mjs [--workloads A,B,E] [--steps 12] [--epochs 3] [--quick] [--sites]';
const args = toolArgs(USAGE, {
  workloads: { type: 'string', default: 'A,B' },
  steps: { type: 'string', default: '12' },
  epochs: { type: 'string', default: '3' },
  quick: { type: 'boolean', default: false },
  sites: { type: 'boolean', default: false },
  worker: { type: 'string' },
});
const steps = args.number('steps');
const epochs = args.number('epochs');
if (!Number.isInteger(steps) || steps < 1) args.fail(`--steps must be a positive integer, found ${args.values.steps}`);
if (!Number.isInteger(epochs) || epochs < 2) args.fail(`--epochs must be an integer ≥ 2 (the first one warms up), found ${args.values.epochs}`);

if (args.values.worker) {
  await worker(args.values.worker);
} else {
  const ids = args.values.workloads.split(',').filter(Boolean);
  for (const id of ids) if (!['A', 'B', 'C', 'E', 'F'].includes(id)) args.fail(`--workloads: unknown or unsupported workload '${id}'; expected some of A, B, C, E, F`);
  let cpuModel = '';
  try {
    cpuModel = /Model name:\s*(.*)/.exec(execFileSync('lscpu', { encoding: 'utf8' }))?.[1]?.trim() ?? '';
  } catch {
    cpuModel = 'unknown CPU';
  }
  process.stderr.write(`${cpuModel}; RNN_NUM_THREADS=1; ${steps} steps × ${epochs - 1} timed epochs per workload\n`);
  const rows = [];
  for (const id of ids) {
    process.stderr.write(`workload ${id}…\n`);
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--worker', id, '--steps', String(steps), '--epochs', String(epochs), ...(args.values.quick ? ['--quick'] : []), ...(args.values.sites ? ['--sites'] : [])], {
      encoding: 'utf8',
      env: { ...process.env, RNN_NUM_THREADS: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    if (r.status !== 0) {
      process.stderr.write(`gc-steps: workload ${id} failed (exit ${r.status})\n`);
      process.exit(1);
    }
    rows.push(JSON.parse(r.stdout.trim().split('\n').at(-1)));
  }
  const fmt = (v, d = 1) => (v === null || v === undefined ? '–' : v.toFixed(d));
  console.log('| workload | steps | CPU ms/step | wall ms/step | mark-compacts /100 steps | scavenges /100 steps | GC pause ms/step | fresh buffer MB/step | fresh buffers/step |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.workload} | ${r.steps} | ${fmt(r.cpuMs)} | ${fmt(r.wallMs)} | ${fmt(r.major100, 0)} | ${fmt(r.minor100, 0)} | ${fmt(r.gcMs, 2)} | ${fmt(r.freshMB, 2)} | ${fmt(r.freshCount, 1)} |`,
    );
  }
  console.log(`\n${cpuModel}, node ${process.version}`);
}

async function worker(id) {
  const core = await import('@rnn/core');
  const L = await import('@rnn/layers');
  const { workload } = await import('./lib/workloads.mjs');
  const { seqData } = await import('./lib/timing.mjs');
  await core.ready();
  const backend = core.getBackend();
  const stats = () => (typeof backend.allocationStats === 'function' ? backend.allocationStats() : null);
  const w = workload(id, args.values.quick);

  // what every timed step adds up: collections by kind (their pauses), CPU and wall time, fresh buffers
  let counting = false;
  const gc = { major: 0, minor: 0, ms: 0 };
  const obs = new PerformanceObserver((list) => {
    if (!counting) return;
    for (const e of list.getEntries()) {
      const kind = e.detail?.kind ?? e.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gc.major++;
      else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gc.minor++;
      gc.ms += e.duration;
    }
  });
  obs.observe({ entryTypes: ['gc'] });
  const sites = args.values.sites ? watchSites(backend, () => counting) : null;
  let timed = 0;
  let cpu = 0;
  let wall = 0;
  let c0 = null;
  let t0 = 0;
  let s0 = null;
  const begin = () => {
    counting = true;
    s0 = stats();
    c0 = process.cpuUsage();
    t0 = performance.now();
  };
  const end = (n) => {
    wall += performance.now() - t0;
    const c = process.cpuUsage(c0);
    cpu += (c.user + c.system) / 1000;
    timed += n;
  };

  if (w.kind === 'seq') {
    const model = L.sequential([
      ...(w.vocab ? [L.embedding({ numEmbeddings: w.vocab, embeddingDim: w.input })] : []),
      L.lstm({ units: w.hidden, numLayers: w.layers, returnSequences: w.perStep }),
      L.dense({ units: w.output }),
    ]);
    if (w.cell === 'gru') model.layers[model.layers.length - 2] = L.gru({ units: w.hidden, numLayers: w.layers, returnSequences: w.perStep });
    model.build({ inputSize: w.vocab ? undefined : w.input, seed: 1, backend });
    model.compile({ optimizer: { type: 'adam', lr: 1e-3 }, loss: w.loss });
    const d = seqData(w);
    const rep = (a) => {
      const out = new a.constructor(a.length * steps);
      for (let s = 0; s < steps; s++) out.set(a, s * a.length);
      return out;
    };
    const dtype = w.vocab ? 'int32' : 'float32';
    const x = core.tensor(rep(d.x), [w.batch * steps, ...d.xShape.slice(1)], { dtype, backend });
    const y = core.tensor(rep(d.y), [w.batch * steps, ...d.yShape.slice(1)], { dtype, backend });
    await model.fit(x, y, {
      epochs,
      batchSize: w.batch,
      shuffle: false,
      checkNumerics: false,
      callbacks: [{ onEpochBegin: (e) => void (e >= 1 && begin()), onEpochEnd: (e) => void (e >= 1 && end(steps)) }],
    });
  } else {
    const { cmudictPairs, workloadSeq2Seq } = await import('./lib/seq2seq.mjs');
    const pairs = cmudictPairs(fileURLToPath(new URL('../../data/cmudict/train.tsv.gz', import.meta.url)));
    const model = workloadSeq2Seq(w, pairs, backend);
    const batch = model.encodePairs(pairs.slice(0, w.batch));
    const trainer = new L.Trainer(model, { optimizer: L.getOptimizer({ type: 'adam', lr: 1e-3 }), batchSize: w.batch, checkNumerics: 'off' });
    const ctx = { rng: new core.Rng(1), where: 'gc-steps', metric() {} };
    for (let e = 0; e < epochs; e++) {
      if (e >= 1) begin();
      for (let s = 0; s < steps; s++) {
        trainer.step(batch, ctx);
        await new Promise((r) => setImmediate(r));
      }
      if (e >= 1) end(steps);
    }
  }
  if (sites) {
    process.stderr.write(`workload ${id}: new typed arrays ≥ 1 KB per timed step, by call site\n`);
    for (const [where, n] of [...sites].sort((a, b) => b[1] - a[1])) process.stderr.write(`  ${(n / timed).toFixed(2)}  ${where}\n`);
  }
  await new Promise((r) => setTimeout(r, 10)); // the observer's last entries
  obs.disconnect();
  const s1 = stats();
  const fresh = s0 && s1 ? { count: (s1.fresh - s0.fresh) / timed, mb: (s1.freshBytes - s0.freshBytes) / timed / 1e6 } : null;
  console.log(
    JSON.stringify({
      workload: id,
      steps: timed,
      cpuMs: cpu / timed,
      wallMs: wall / timed,
      major100: (gc.major * 100) / timed,
      minor100: (gc.minor * 100) / timed,
      gcMs: gc.ms / timed,
      freshMB: fresh?.mb ?? null,
      freshCount: fresh?.count ?? null,
    }),
  );
}

/**
 * Wraps the native addon's functions and the backend's memory ops so that every typed array they
 * return that was never seen before (a new one, not a recycled one) of 1 KB or more is counted
 * under its call site while `on()`. Returns the counts (a diagnostic: it slows the run down).
 */
function watchSites(backend, on) {
  const seen = new WeakSet();
  const counts = new Map();
  const site = () =>
    new Error().stack
      .split('\n')
      .slice(4, 9)
      .map((l) => l.trim().replace(/^at /, '').replace(/\(?(file:\/\/)?\/[^ ]*\/(packages|tools)\//, '$2/').replace(/\)$/, ''))
      .join(' < ');
  const note = (what, v, depth = 0) => {
    if (ArrayBuffer.isView(v)) {
      if (seen.has(v)) return;
      seen.add(v);
      if (on() && v.byteLength >= 1024) {
        const k = `${what} ${v.byteLength} B: ${site()}`;
        counts.set(k, (counts.get(k) ?? 0) + 1);
      }
    } else if (v && typeof v === 'object' && depth < 2) for (const x of Object.values(v)) note(what, x, depth + 1);
  };
  const addon = backend.addon;
  for (const k of Object.keys(addon ?? {})) {
    const f = addon[k];
    if (typeof f !== 'function' || k === 'recycle') continue;
    addon[k] = function (...a) {
      const r = f.apply(this, a);
      note(k, r);
      return r;
    };
  }
  for (const k of ['fill', 'write', 'read', 'cast', 'view']) {
    const f = backend[k]?.bind(backend);
    if (!f) continue;
    backend[k] = (...a) => {
      const r = f(...a);
      if (k === 'view') seen.add(r);
      else note(k, r);
      return r;
    };
  }
  return counts;
}
