#!/usr/bin/env node
// The cost model of docs/distributed.md, as a table: predicted step time and scaling efficiency
// of data-parallel training for workloads A and B at 2–256 ranks, from measured numbers (pass your
// own: α and β from tools/mpi/allreduce-bench.mjs, one-rank step times from train-worker.mjs).
//
//   node tools/mpi/cost-model.mjs --alpha 5.1e-4 --beta 1.62e-9 --step-a 0.097 --step-b 0.81
//
// Weak scaling (each rank keeps the workload's batch; the global batch grows with p). A step is
// the one-rank compute time plus the all-reduce time that backward does not hide:
//   all-reduce of n bytes on p ranks  T(n, p) = α·log2 p + 2(p−1)/p · n · β
//   two 8-byte all-reduces a step agree on stopping and on the loss
//   buckets start when their layers' gradients are final (last layer first); a bucket's
//   all-reduce hides behind the backward of the layers before it, the last layer's does not.
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return Number(i >= 0 ? process.argv[i + 1] : dflt);
};
const alpha = arg('alpha', 5.1e-4);
const beta = arg('beta', 1.62e-9);
const F32 = 4;
// per workload: one-rank step time, and the buckets in launch order as [bytes, seconds of backward
// still to run after the bucket's gradients are final] (backward ≈ 2/3 of a step; an LSTM layer's
// share of it ∝ 4H·(D + H))
const stepA = arg('step-a', 0.097);
const stepB = arg('step-b', 0.81);
const bwdB = (2 / 3) * stepB;
const l0B = 1024 * 320;
const l1B = 1024 * 512;
const WL = {
  A: { step: stepA, params: 70785, buckets: [[129 * F32, (2 / 3) * stepA], [70656 * F32, 0]] },
  B: {
    step: stepB,
    params: 876929,
    buckets: [
      [(16705 + 526336) * F32, (bwdB * l0B) / (l0B + l1B)], // fc + LSTM layer 2: hidden behind layer 1's backward
      [(329728 + 4160) * F32, 0], // LSTM layer 1 + embedding: after backward
    ],
  },
};
const T = (n, p) => alpha * Math.log2(p) + ((2 * (p - 1)) / p) * n * beta;
/** Exposed communication: buckets run one after another on the link, each from when it is ready. */
function exposed(buckets, p, step) {
  const bwdEnd = step; // time 0 = start of the step; backward ends with the step's compute
  let linkFree = 0;
  for (const [bytes, hiddenBehind] of buckets) {
    const ready = bwdEnd - hiddenBehind;
    linkFree = Math.max(linkFree, ready) + T(bytes, p);
  }
  // plus two one-number all-reduces a step (the stop flag before it, the loss and time flag after)
  return Math.max(0, linkFree - bwdEnd) + 2 * T(8, p);
}
const rows = [];
for (const p of [2, 4, 8, 16, 32, 64, 128, 256]) {
  const r = { p };
  for (const [id, w] of Object.entries(WL)) {
    const comm = exposed(w.buckets, p, w.step);
    const one = w.buckets.reduce((s, [b]) => s + b, 0);
    r[id] = { step: w.step + comm, eff: w.step / (w.step + comm), allreduce: T(one, p) };
  }
  rows.push(r);
}
console.log(`α = ${(alpha * 1e6).toFixed(0)} µs, β = ${(beta * 1e9).toFixed(2)} ns/B (${(1e-9 / beta).toFixed(2)} GB/s); one-rank steps A ${(stepA * 1e3).toFixed(0)} ms, B ${(stepB * 1e3).toFixed(0)} ms`);
console.log('');
console.log('| ranks | A: all-reduce (all grads) | A: step | A: efficiency | B: all-reduce (all grads) | B: step | B: efficiency |');
console.log('|---:|---:|---:|---:|---:|---:|---:|');
const ms = (s) => `${(s * 1e3).toFixed(1)} ms`;
for (const r of rows) console.log(`| ${r.p} | ${ms(r.A.allreduce)} | ${ms(r.A.step)} | ${(r.A.eff * 100).toFixed(1)} % | ${ms(r.B.allreduce)} | ${ms(r.B.step)} | ${(r.B.eff * 100).toFixed(1)} % |`);
