#!/usr/bin/env node
// One data-parallel training run of a benchmark workload (tools/bench/lib/workloads.mjs: A or B)
// through the real Trainer (`model.fit`), under mpirun or alone. Rank 0 prints one JSON line:
// ranks, global batch, steps timed and steps per second (the epochs after the first, which warms up),
// and rank 0's CPU milliseconds per step over those epochs (all its threads: with 1 thread per rank,
// wall minus CPU per step is the time it waited). `--batch N` overrides the workload's global batch
// (one rank at batch 16 is what each of 2 ranks computes at batch 32: the ideal for scaling).
//
//   mpirun -np 2 node tools/mpi/train-worker.mjs --workload B --steps 8 --epochs 3 [--bucket-mb 1] [--batch N]
import * as core from '@rnn/core';
import * as L from '@rnn/layers';
import { WORKLOADS } from '../bench/lib/workloads.mjs';
import { seqData } from '../bench/lib/timing.mjs';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const w = { ...WORKLOADS[arg('workload', 'B')] };
if (arg('batch') !== undefined) {
  w.batch = Number(arg('batch'));
  if (!Number.isInteger(w.batch) || w.batch < 1) {
    console.error(`train-worker: --batch must be an integer >= 1, found '${arg('batch')}'`);
    process.exit(2);
  }
}
const steps = Number(arg('steps', '8'));
const epochs = Number(arg('epochs', '3'));
const bucketMB = Number(arg('bucket-mb', '1'));
await core.ready();
const backend = core.getBackend();

const model = L.sequential([
  ...(w.vocab ? [L.embedding({ numEmbeddings: w.vocab, embeddingDim: w.input })] : []),
  L.lstm({ units: w.hidden, numLayers: w.layers, returnSequences: w.perStep }),
  L.dense({ units: w.output }),
]);
model.build({ inputSize: w.vocab ? undefined : w.input, seed: 1, backend });
model.compile({ optimizer: { type: 'adam', lr: 1e-3 }, loss: w.loss });

// `steps` global batches of the workload's batch size, each a copy of the bench's batch
const d = seqData(w);
const rows = w.batch * steps;
const rep = (a) => {
  const out = new a.constructor(a.length * steps);
  for (let s = 0; s < steps; s++) out.set(a, s * a.length);
  return out;
};
const dtype = w.vocab ? 'int32' : 'float32';
const x = core.tensor(rep(d.x), [rows, ...d.xShape.slice(1)], { dtype, backend });
const y = core.tensor(rep(d.y), [rows, ...d.yShape.slice(1)], { dtype, backend });
const times = [];
const cpus = [];
let cpu0 = process.cpuUsage();
const h = await model.fit(x, y, {
  epochs,
  batchSize: w.batch,
  shuffle: false,
  distributed: process.env.OMPI_COMM_WORLD_SIZE ? { bucketMB } : false,
  checkNumerics: false,
  callbacks: [
    { onEpochBegin: () => void (cpu0 = process.cpuUsage()) },
    { onEpochEnd: (_e, logs) => { const c = process.cpuUsage(cpu0); cpus.push((c.user + c.system) / 1000); times.push(logs.seconds); } },
  ],
});
const comm = core.activeCommunicator();
if (!comm || comm.rank === 0) {
  const timed = times.slice(1);
  const secs = timed.reduce((a, b) => a + b, 0);
  const cpuMs = cpus.slice(1).reduce((a, b) => a + b, 0);
  console.log(JSON.stringify({ workload: w.id, ranks: comm?.size ?? 1, batch: w.batch, steps: steps * timed.length, stepsPerSecond: (steps * timed.length) / secs, samplesPerSecond: (w.batch * steps * timed.length) / secs, cpuMsPerStep: cpuMs / (steps * timed.length), wallMsPerStep: (1000 * secs) / (steps * timed.length), loss: h.epochs.at(-1).loss, bucketMB, engine: comm?.name ?? 'none' }));
}
comm?.finalize();
