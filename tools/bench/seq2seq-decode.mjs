#!/usr/bin/env node
// Workloads E/F's decode (64 CMUdict words, untrained weights) with each step as one decodeStep
// kernel call (`fused`, the default on native) and through the composed ops (`fused: false`), in one
// process, interleaved: the hypotheses must be the same; scores and attention agree to float
// tolerance; the CPU time of each (process.cpuUsage: meaningful on a loaded machine). Usage:
//   RNN_NUM_THREADS=1 node tools/bench/seq2seq-decode.mjs [--workloads E,F] [--beams 1,5] [--reps 9]
import * as core from '@rnn/core';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { WORKLOADS } from './lib/workloads.mjs';
import { cmudictPairs, workloadSeq2Seq } from './lib/seq2seq.mjs';

const { values: a } = parseArgs({
  options: { workloads: { type: 'string', default: 'E,F' }, beams: { type: 'string', default: '1,5' }, reps: { type: 'string', default: '9' } },
  strict: true,
});
const fail = (msg) => {
  console.error(`seq2seq-decode: ${msg}`);
  process.exit(2);
};
const reps = Number(a.reps);
if (!Number.isInteger(reps) || reps < 1) fail(`--reps must be a positive integer, found '${a.reps}'`);
const beams = a.beams.split(',').map(Number);
if (beams.some((k) => !Number.isInteger(k) || k < 1)) fail(`--beams must be positive integers separated by commas, found '${a.beams}'`);
const ids = a.workloads.split(',');
for (const id of ids) if (!WORKLOADS[id] || WORKLOADS[id].kind !== 'seq2seq') fail(`--workloads: '${id}' is not a seq2seq workload (E or F)`);

await core.ready();
const backend = core.setBackend('native');
const pairs = cmudictPairs(new URL('../../data/cmudict/train.tsv.gz', import.meta.url));
const cpuMs = (f) => {
  const c = process.cpuUsage();
  f();
  const d = process.cpuUsage(c);
  return (d.user + d.system) / 1000;
};
console.log(`${cpus()[0]?.model ?? 'cpu ?'}, RNN_NUM_THREADS=${process.env.RNN_NUM_THREADS ?? '(unset)'}; CPU ms per decode, min and median of ${reps}`);
let bad = 0;
for (const id of ids) {
  const w = WORKLOADS[id];
  const model = workloadSeq2Seq(w, pairs, backend);
  const sources = pairs.slice(0, w.beamBatch).map((p) => model.sourceVocab.encode(p.source));
  for (const beam of beams) {
    const run = (fused) => model.decode(sources, { beam, maxLength: w.maxLength, batchSize: w.beamBatch, fused });
    const f = run(true);
    const c = run(false);
    let differ = 0;
    let dScore = 0;
    let dAttn = 0;
    f.forEach((h, i) => {
      const g = c[i];
      if (h.ids.join() !== g.ids.join() || h.ended !== g.ended) differ++;
      dScore = Math.max(dScore, Math.abs(h.score - g.score));
      h.attention?.forEach((row, t) => row.forEach((x, j) => (dAttn = Math.max(dAttn, Math.abs(x - (g.attention?.[t]?.[j] ?? NaN))))));
    });
    bad += differ;
    const tf = [];
    const tc = [];
    for (let r = 0; r < reps; r++) (tf.push(cpuMs(() => run(true))), tc.push(cpuMs(() => run(false))));
    const stat = (t) => (t.sort((x, y) => x - y), `${t[0].toFixed(1)} / ${t[t.length >> 1].toFixed(1)}`);
    console.log(
      `${id} ${beam === 1 ? 'greedy' : `beam K=${beam}`}: fused ${stat(tf)}, composed ${stat(tc)} → ${(tc[0] / tf[0]).toFixed(2)}× (min); ` +
        `hypotheses differing ${differ}/${f.length}, max |Δscore| ${dScore.toExponential(1)}, max |Δattention| ${dAttn.toExponential(1)}`,
    );
  }
}
if (bad) {
  console.error(`seq2seq-decode: ${bad} hypotheses differ between the fused and the composed decode`);
  process.exit(1);
}
