#!/usr/bin/env node
// Quick timings of the native addon (not a test): an LSTM train step (forward + backward) and
// sgemm throughput. Run with e.g. `RNN_NUM_THREADS=1 node scripts/bench.mjs`.
//   --batch 64 --steps 50 --input 8 --hidden 128 --mode lstm --dtype float32 --reps 20
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const opt = { batch: 64, steps: 50, input: 8, hidden: 128, mode: 'lstm', dtype: 'float32', reps: 20 };
for (let i = 2; i < process.argv.length; i += 2) {
  const k = process.argv[i].replace(/^--/, '');
  if (!(k in opt)) throw new Error(`unknown option --${k}`);
  opt[k] = typeof opt[k] === 'number' ? Number(process.argv[i + 1]) : process.argv[i + 1];
}
const addonPath = process.env.RNN_NATIVE_ADDON || fileURLToPath(new URL('../build/Release/rnn_native.node', import.meta.url));
const addon = createRequire(import.meta.url)(addonPath);
const info = addon.info();
const Arr = opt.dtype === 'float64' ? Float64Array : Float32Array;
const rand = (n, scale = 0.1) => Arr.from({ length: n }, () => (Math.random() * 2 - 1) * scale);
const G = { rnn_tanh: 1, rnn_relu: 1, lstm: 4, gru: 3 }[opt.mode];
const { batch: B, steps: T, input: I, hidden: H } = opt;

// Median wall time, and CPU time per call (all threads): on a busy machine the CPU time of a
// single-threaded run is the steadier number.
function time(fn, reps) {
  for (let i = 0; i < 3; i++) fn();
  const t = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < reps; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    t.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  const c = process.cpuUsage(c0);
  t.sort((a, b) => a - b);
  return { median: t[t.length >> 1], min: t[0], cpu: (c.user + c.system) / 1000 / reps };
}
const ms = (t) => `${t.median.toFixed(2)} ms (min ${t.min.toFixed(2)}, cpu ${t.cpu.toFixed(2)})`;

const args = {
  mode: addon.codes.mode[opt.mode], batch: B, steps: T, input: I, hidden: H,
  x: rand(B * T * I, 1), h0: new Arr(B * H), c0: opt.mode === 'lstm' ? new Arr(B * H) : null,
  weightIh: rand(G * H * I), weightHh: rand(G * H * H), biasIh: rand(G * H), biasHh: rand(G * H),
  lengths: null, reverse: false,
};
const dy = rand(B * T * H, 1);
const fwd = time(() => addon.sequenceForward({ ...args, training: true }), opt.reps);
const fw = addon.sequenceForward({ ...args, training: true });
const bwd = time(() => addon.sequenceBackward({ ...args, reserve: fw.reserve, dy, dhN: null, dcN: null }), opt.reps);
const step = time(() => {
  const f = addon.sequenceForward({ ...args, training: true });
  addon.sequenceBackward({ ...args, reserve: f.reserve, dy, dhN: null, dcN: null });
}, opt.reps);
const inf = time(() => addon.sequenceForward({ ...args, training: false }), opt.reps);
// forward: 2*B*T*(I+H)*G*H; backward: dh (2BTGH*H) + dW_hh + dW_ih + dx
const flopF = 2 * B * T * (I + H) * G * H;
const flopB = 2 * B * T * G * H * (2 * H + 2 * I);
console.log(`${info.blas}, ${info.threads} thread(s)`);
console.log(`${opt.mode} ${opt.dtype} B=${B} T=${T} I=${I} H=${H}`);
console.log(`  forward (training)  ${ms(fwd)}  ${(flopF / fwd.min / 1e6).toFixed(1)} GFLOP/s at min`);
console.log(`  forward (inference) ${ms(inf)}`);
console.log(`  backward            ${ms(bwd)}  ${(flopB / bwd.min / 1e6).toFixed(1)} GFLOP/s at min`);
console.log(`  train step          ${ms(step)}`);

for (const n of [128, 512]) {
  for (const [name, A] of [['sgemm', Float32Array], ['dgemm', Float64Array]]) {
    const a = A.from({ length: n * n }, () => Math.random());
    const b = A.from({ length: n * n }, () => Math.random());
    const t = time(() => addon.matmul(a, [n, n], b, [n, n], false, false), n >= 512 ? 20 : 200);
    console.log(`${name} ${n}x${n}: ${ms(t)}, ${((2 * n ** 3) / t.min / 1e6).toFixed(1)} GFLOP/s at min`);
  }
}
