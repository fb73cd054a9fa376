// The roofline: OpenBLAS sgemm GFLOP/s on exactly the GEMM shapes of each workload, measured from
// C (roofline/sgemm.c, linked with the same system libopenblas our addon uses). A workload's
// "GEMM-bound time" is the time its GEMMs alone would take at those rates; measured time divided
// into it is the fraction of the roofline reached.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gemms } from './workloads.mjs';

const SRC = fileURLToPath(new URL('../roofline/sgemm.c', import.meta.url));
export const PEAK_SHAPE = [1024, 1024, 1024, 'NN'];
const key = (M, N, K, t) => `${M},${N},${K},${t}`;

/** Compile the probe; null with the reason when there is no gcc or OpenBLAS. */
export function buildProbe(outDir) {
  const exe = join(outDir, 'sgemm');
  try {
    execFileSync('gcc', ['-O2', '-o', exe, SRC, '-lopenblas'], { stdio: ['ignore', 'pipe', 'pipe'] });
    return { exe };
  } catch (e) {
    return { exe: null, why: `gcc -lopenblas failed: ${String(e.stderr || e.message).trim().split('\n')[0]}` };
  }
}

/**
 * The per-core floating-point peak (FMA chains in registers): AVX-512 where the CPU has it (what our
 * own kernels use), else AVX2. { gflops, lanes } or { why }.
 */
export function measurePeak(outDir) {
  const exe = join(outDir, 'fma_peak');
  const src = fileURLToPath(new URL('../roofline/fma_peak.c', import.meta.url));
  let avx512 = false;
  try {
    avx512 = /\bavx512f\b/.test(execFileSync('grep', ['-m1', '^flags', '/proc/cpuinfo'], { encoding: 'utf8' }));
  } catch {}
  try {
    execFileSync('gcc', ['-O2', ...(avx512 ? ['-mavx512f'] : ['-mavx2', '-mfma']), '-o', exe, src], { stdio: ['ignore', 'pipe', 'pipe'] });
    const [gflops, lanes] = execFileSync(exe, [], { encoding: 'utf8' }).trim().split(' ').map(Number);
    return { gflops, lanes, isa: avx512 ? 'AVX-512' : 'AVX2' };
  } catch (e) {
    return { why: String(e.stderr || e.message).trim().split('\n')[0] };
  }
}

/** sgemm GFLOP/s per shape (at the best of the timed samples, and at their median), at one thread count. */
export function measureShapes(exe, threads, shapes, budgetMs) {
  const args = [String(threads), String(budgetMs), ...shapes.map(([M, N, K, t]) => `${M},${N},${K},${t[0]},${t[1]}`)];
  const out = execFileSync(exe, args, { encoding: 'utf8', env: { ...process.env, OPENBLAS_NUM_THREADS: String(threads) } });
  const rates = {};
  for (const line of out.trim().split('\n')) {
    const [M, N, K, ta, tb, med, best, gfMed] = line.split(' ');
    // the roofline is what OpenBLAS can do: its best time (also the figure least hurt by other load)
    rates[key(M, N, K, ta + tb)] = { gflops: (2 * M * N * K) / Number(best) / 1e6, gflopsMedian: Number(gfMed), ms: Number(best) };
  }
  return rates;
}

export function uniqueShapes(ws) {
  const seen = new Map();
  for (const w of ws) for (const mode of ['forward', 'train']) for (const [, M, N, K, , t] of gemms(w, mode)) seen.set(key(M, N, K, t), [M, N, K, t]);
  seen.set(key(...PEAK_SHAPE), PEAK_SHAPE);
  return [...seen.values()];
}

/** GEMM-bound milliseconds of one step of `w` at the measured rates. */
export function boundMs(w, mode, rates) {
  return gemms(w, mode).reduce((s, [, M, N, K, n, t]) => s + (n * 2 * M * N * K) / (rates[key(M, N, K, t)].gflops * 1e6), 0);
}

export const rateOf = (rates, M, N, K, t) => rates[key(M, N, K, t)];
