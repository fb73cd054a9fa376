// The measuring loop every JS worker shares (the Python worker has the same one): warm-up steps,
// then timed steps until `steps` are done, or past `minSteps` once `maxSeconds` is spent, or past
// 3 steps once `capSeconds` is spent (a system 100× slower than the rest is reported with the few
// steps it did: its spread cannot change the comparison).
// Wall time and process CPU time (all threads) per step: on a busy machine the CPU time of a
// single-threaded run is the steadier number.
import { performance } from 'node:perf_hooks';
import { toolArgs } from '../../lib/args.mjs';

export async function measure(step, { warmup, warmupSeconds = 0, steps, minSteps = Math.min(3, steps), maxSeconds = Infinity, capSeconds = Infinity }) {
  // warm-up: at least `warmup` steps and `warmupSeconds` (caches, allocators and JITs settle), but
  // past the first step never more than a quarter of the time budget
  const w0 = performance.now();
  for (let i = 0; i < warmup || (performance.now() - w0) / 1000 < warmupSeconds; i++) {
    if (i >= 1 && (performance.now() - w0) / 1000 > maxSeconds / 4) break;
    await step();
  }
  const wall = [];
  const cpu = [];
  const t0 = performance.now();
  while (wall.length < steps) {
    const spent = (performance.now() - t0) / 1000;
    if (wall.length >= minSteps && spent > maxSeconds) break;
    if (wall.length >= Math.min(3, steps) && spent > capSeconds) break;
    const c0 = process.cpuUsage();
    const s0 = performance.now();
    await step();
    wall.push(performance.now() - s0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wall, cpu };
}

/** Parse the worker's one argument (a JSON spec); workers are started by tools/bench/run.mjs. */
export function workerSpec() {
  const args = toolArgs("node tools/bench/workers/<system>.mjs '<json spec>'   (started by tools/bench/run.mjs)", {}, { positionals: true });
  if (args.positionals.length !== 1) args.fail(`expected one argument, the JSON spec; found ${args.positionals.length}`);
  return JSON.parse(args.positionals[0]);
}

export const RESULT_MARK = 'BENCH_RESULT ';

export function emit(result) {
  const ru = process.resourceUsage();
  process.stdout.write(`${RESULT_MARK}${JSON.stringify({ ...result, maxRssKb: ru.maxRSS })}\n`);
}

/** A seeded uniform generator (mulberry32), so every run sees the same data. */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Random inputs and targets of a sequence workload, as flat typed arrays. */
export function seqData(w, seed = 1) {
  const r = rng(seed);
  const { batch: B, steps: T } = w;
  if (w.vocab) {
    const x = Int32Array.from({ length: B * T }, () => Math.floor(r() * w.vocab));
    const y = Int32Array.from({ length: B * T }, () => Math.floor(r() * w.vocab));
    return { x, y, xShape: [B, T], yShape: [B, T] };
  }
  const x = Float32Array.from({ length: B * T * w.input }, () => r() * 2 - 1);
  const y = Float32Array.from({ length: B * w.output }, () => r() * 2 - 1);
  return { x, y, xShape: [B, T, w.input], yShape: [B, w.output] };
}
