#!/usr/bin/env node
// What a beam-search decode and a training step of workload E cost in backend calls and in fresh
// result buffers (new ArrayBuffers, which drive V8's mark-compacts; buffers the native pool hands
// back again are not counted), plus the CPU time of each. Usage:
//   RNN_NUM_THREADS=1 node tools/bench/seq2seq-ops.mjs [--backend native|js] [--reps 10]
import * as core from '@rnn/core';
import * as L from '@rnn/layers';
import { parseArgs } from 'node:util';
import { WORKLOADS } from './lib/workloads.mjs';
import { cmudictPairs, workloadSeq2Seq } from './lib/seq2seq.mjs';

const { values: a } = parseArgs({ options: { backend: { type: 'string', default: 'native' }, reps: { type: 'string', default: '10' } }, strict: true });
const reps = Number(a.reps);
if (!Number.isInteger(reps) || reps < 1) {
  console.error(`seq2seq-ops: --reps must be a positive integer, found '${a.reps}'`);
  process.exit(2);
}
await core.ready();
const backend = core.setBackend(a.backend);
const w = WORKLOADS.E;
const pairs = cmudictPairs(new URL('../../data/cmudict/train.tsv.gz', import.meta.url));
const model = workloadSeq2Seq(w, pairs, backend);
const sources = pairs.slice(0, w.beamBatch).map((p) => model.sourceVocab.encode(p.source));
const batch = model.encodePairs(pairs.slice(0, w.batch));
const trainer = new L.Trainer(model, { optimizer: L.getOptimizer({ type: 'adam', lr: 1e-3 }), batchSize: w.batch, checkNumerics: 'off' });
const ctx = { rng: new core.Rng(1), where: 'ops', metric() {} };
const jobs = {
  beam: () => model.decode(sources, { beam: w.beam, maxLength: w.maxLength, batchSize: w.beamBatch }),
  train: () => trainer.step(batch, ctx),
};

// count every backend method call and the bytes of result arrays whose buffer was not seen before
// the backend's own helpers (argument checks, dispatch): not ops
const INTERNAL = new Set(['store', 'call', 'code', 'recycledReserve', 'info', 'traceRange', 'traceOf']);
const calls = new Map();
let fresh = 0;
let counting = false;
const seen = new WeakSet();
const note = (r) => {
  const arrays = ArrayBuffer.isView(r) ? [r] : r && typeof r === 'object' ? Object.values(r).filter((v) => ArrayBuffer.isView(v)) : [];
  for (const x of arrays) if (!seen.has(x.buffer)) (seen.add(x.buffer), (fresh += counting ? x.byteLength : 0));
};
for (let p = Object.getPrototypeOf(backend); p && p !== Object.prototype; p = Object.getPrototypeOf(p)) {
  for (const name of Object.getOwnPropertyNames(p)) {
    if (name === 'constructor' || typeof backend[name] !== 'function' || Object.hasOwn(backend, name) || INTERNAL.has(name)) continue;
    const f = backend[name].bind(backend);
    backend[name] = (...args) => {
      const r = f(...args);
      if (counting) calls.set(name, (calls.get(name) ?? 0) + 1);
      note(r);
      return r;
    };
  }
}
const cpuMs = (f) => {
  const c = process.cpuUsage();
  f();
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
};
console.log(`backend ${a.backend}, ${(await import('node:os')).cpus()[0]?.model ?? 'cpu ?'}, RNN_NUM_THREADS=${process.env.RNN_NUM_THREADS ?? '(unset)'}`);
for (const [name, f] of Object.entries(jobs)) {
  f();
  f(); // warm: the pool holds the first runs' buffers
  calls.clear();
  fresh = 0;
  counting = true;
  const out = f();
  counting = false;
  const total = [...calls].filter(([k]) => k !== 'dispose' && k !== 'disposeReserve').reduce((s, [, n]) => s + n, 0);
  const steps = name === 'beam' ? Math.max(...out.map((h) => h.ids.length + (h.ended ? 1 : 0))) : 1;
  const times = Array.from({ length: reps }, () => cpuMs(f)).sort((x, y) => x - y);
  console.log(
    `${name}: ${total} backend ops (${(total / steps).toFixed(1)} per ${name === 'beam' ? 'decoded step' : 'step'}), ${(fresh / 1e6).toFixed(1)} MB in new buffers; ` +
      `CPU ms median ${times[times.length >> 1].toFixed(1)}, min ${times[0].toFixed(1)} (${reps} reps)`,
  );
  console.log('  ' + [...calls].sort((x, y) => y[1] - x[1]).map(([k, n]) => `${k} ${n}`).join(', '));
}
