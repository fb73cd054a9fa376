#!/usr/bin/env node
// All-reduce latency and bandwidth through rnn's communicator (rnn_mpi.node, Open MPI), for the
// cost model of docs/distributed.md: the median time of an in-place float32 sum at sizes from 4 B
// to 16 MB, and the least-squares fit t(n) = α + β·n (at 2 ranks the ring all-reduce costs
// α·log2 p + 2(p−1)/p·n·β = α + n·β, so the fit gives α and β directly), measured as the trainer
// sees them: a JS call, the communication thread's MPI_Iallreduce, the wait. Rank 0 prints one JSON line.
//
//   mpirun -np 2 node tools/mpi/allreduce-bench.mjs [--max-mb 16] [--reps 20] [--label shm]
import * as core from '@rnn/core';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const maxBytes = Number(arg('max-mb', '16')) * 1e6;
const reps = Number(arg('reps', '20'));
await core.loadInstalledBackends();
const comm = core.getCommunicator();
const rows = [];
for (let bytes = 4; bytes <= maxBytes; bytes *= 4) {
  const buf = new Float32Array(bytes / 4).fill(1);
  const times = [];
  for (let r = 0; r < reps + 2; r++) {
    comm.allreduce(Int32Array.of(0)); // line the ranks up
    const t0 = performance.now();
    comm.allreduceStart(buf).wait();
    times.push((performance.now() - t0) / 1000);
  }
  times.splice(0, 2);
  // the slowest rank's time is the operation's: take the max over ranks of each rank's median
  times.sort((a, b) => a - b);
  const med = Float64Array.of(times[Math.floor(times.length / 2)]);
  const all = new Float64Array(comm.size);
  all[comm.rank] = med[0];
  comm.allreduce(all);
  rows.push({ bytes, seconds: Math.max(...all) });
}
// least squares t = α + β·n over the sizes (weighted equally in relative terms: divide by t)
let [sw, sx, sy, sxx, sxy] = [0, 0, 0, 0, 0];
for (const { bytes: n, seconds: t } of rows) {
  const w = 1 / (t * t);
  sw += w;
  sx += w * n;
  sy += w * t;
  sxx += w * n * n;
  sxy += w * n * t;
}
const beta = (sw * sxy - sx * sy) / (sw * sxx - sx * sx);
const alpha = (sy - beta * sx) / sw;
if (comm.rank === 0) {
  console.log(JSON.stringify({ label: arg('label', ''), engine: comm.name, ranks: comm.size, alphaSeconds: alpha, betaSecondsPerByte: beta, gbPerSecond: 1e-9 / beta, rows }));
}
comm.finalize();
