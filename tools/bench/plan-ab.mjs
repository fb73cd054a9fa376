#!/usr/bin/env node
// Kernel plans side by side (issue 22): workloads A/B (C: A with a GRU), train and forward, 1 thread, rnn-native, each
// variant in its own process (tools/bench/workers/rnn.mjs, the bench's own worker), interleaved
// round by round so a slow spell of a shared machine lands on every variant alike.
//
//   node tools/bench/plan-ab.mjs [--before ADDON.node] [--plans auto,zen4,gemm_mr=8] [--workloads A,B,C]
//                                [--modes train,forward] [--rounds 3] [--steps 20] [--warmup 5] [--threads 1]
//                                [--json FILE] [--peak GFLOPS]
//
// Variants: "before" (the addon at --before: e.g. a copy of the build before the plan existed, run
// with its fixed blocking) and one per --plans entry (this checkout's addon with RNN_CPU_PLAN set to
// it; "auto" = what the probe picks). Prints, per workload and mode, the median CPU ms and wall ms
// per step of each variant, the ratio to the first variant (CPU time: what a loaded machine still
// measures fairly), and "of FMA peak" = GEMM GFLOP ÷ CPU seconds ÷ the FMA peak of a core: measured
// here (tools/bench/roofline/fma_peak.c, wall-clock: low on a loaded machine) unless --peak gives the
// quiet figure (e.g. the bench's, BENCHMARKS.md "Issue 22: the CPUs we have measured on").
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolArgs } from '../lib/args.mjs';
import { load1, machine } from './lib/machine.mjs';
import { measurePeak } from './lib/roofline.mjs';
import { summarize } from './lib/stats.mjs';
import { RESULT_MARK } from './lib/timing.mjs';
import { flops, workload } from './lib/workloads.mjs';

const USAGE = `node tools/bench/plan-ab.mjs [--before ADDON.node] [--plans auto,zen4,gemm_mr=8] [--workloads A,B,C]
                             [--modes train,forward] [--rounds 3] [--steps 20] [--warmup 5] [--threads 1] [--json FILE] [--peak GFLOPS]`;
const args = toolArgs(USAGE, {
  before: { type: 'string' },
  plans: { type: 'string', default: 'auto' },
  workloads: { type: 'string', default: 'A,B' },
  modes: { type: 'string', default: 'train,forward' },
  rounds: { type: 'string', default: '3' },
  steps: { type: 'string', default: '20' },
  warmup: { type: 'string', default: '5' },
  threads: { type: 'string', default: '1' },
  json: { type: 'string' },
  peak: { type: 'string' },
});
const list = (s) => s.split(',').map((x) => x.trim()).filter(Boolean);
const posInt = (name) => {
  const v = args.number(name);
  if (!(Number.isInteger(v) && v >= 1)) args.fail(`--${name} must be a positive integer, found '${args.values[name]}'`);
  return v;
};
const rounds = posInt('rounds'), steps = posInt('steps'), warmup = posInt('warmup'), threads = posInt('threads');
const modes = list(args.values.modes);
for (const m of modes) if (m !== 'train' && m !== 'forward') args.fail(`--modes: expected train and/or forward, found '${m}'`);
const ws = list(args.values.workloads).map((id) => {
  if (!['A', 'B', 'C'].includes(id)) args.fail(`--workloads: expected some of A, B, C (the sequence workloads), found '${id}'`);
  return workload(id, false);
});
// --plans is split on ';' when an entry has commas of its own (e.g. "auto;zen4,gemm_mr=8")
const plans = args.values.plans.includes(';') ? args.values.plans.split(';').map((s) => s.trim()).filter(Boolean) : list(args.values.plans);
const variants = [];
if (args.values.before !== undefined) {
  if (!existsSync(args.values.before)) args.fail(`--before: no addon at ${args.values.before}`);
  variants.push({ label: 'before', env: { RNN_NATIVE_ADDON: args.values.before, RNN_CPU_PLAN: '' } });
}
for (const p of plans) variants.push({ label: `plan ${p}`, env: { RNN_CPU_PLAN: p === 'auto' ? '' : p } });
if (variants.length === 0) args.fail('nothing to run: give --before and/or --plans');

let givenPeak = null;
if (args.values.peak !== undefined) {
  const g = args.number('peak');
  if (!(g > 0)) args.fail(`--peak must be a positive number of GFLOP/s, found '${args.values.peak}'`);
  givenPeak = { gflops: g, isa: 'given by --peak' };
}

const worker = fileURLToPath(new URL('./workers/rnn.mjs', import.meta.url));
const log = (s) => process.stderr.write(`${s}\n`);

function run(v, w, mode) {
  const spec = { w, mode, threads, warmup, warmupSeconds: 1, steps, minSteps: Math.min(steps, 5), maxSeconds: 60, capSeconds: 120, backend: 'native' };
  const env = { ...process.env, ...v.env, RNN_NUM_THREADS: String(threads), OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1' };
  const r = spawnSync(process.execPath, [worker, JSON.stringify(spec)], { env, encoding: 'utf8', timeout: 600_000 });
  const line = r.stdout?.split('\n').find((l) => l.startsWith(RESULT_MARK));
  if (r.status !== 0 || !line) throw new Error(`${v.label} ${w.id} ${mode}: worker failed (${r.status}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
  for (const l of (r.stderr || '').split('\n')) if (l.startsWith('rnn: ')) log(`  ${v.label}: ${l}`);
  return JSON.parse(line.slice(RESULT_MARK.length));
}

const m = machine();
log(`CPU: ${m.cpu}; ${threads} thread(s); ${rounds} round(s) of ${steps} steps; variants: ${variants.map((v) => v.label).join(', ')}`);
const peak = givenPeak ?? measurePeak(mkdtempSync(join(tmpdir(), 'plan-ab-')));
log(peak.gflops ? `FMA peak ${peak.gflops.toFixed(1)} GFLOP/s per core (${peak.isa}); 1-minute load average ${load1().toFixed(1)}` : `FMA peak not measured (${peak.why})`);

// samples[variant][workload-mode] = { wall: [], cpu: [], plan }
const samples = variants.map(() => ({}));
for (let round = 1; round <= rounds; round++) {
  for (const w of ws)
    for (const mode of modes)
      for (const [i, v] of variants.entries()) {
        const r = run(v, w, mode);
        const k = `${w.id} ${mode}`;
        const s = (samples[i][k] ??= { wall: [], cpu: [], plan: r.plan?.name ?? '(addon without plans)' });
        s.wall.push(...r.wall);
        s.cpu.push(...r.cpu);
        log(`round ${round} ${k} ${v.label}: cpu ${summarize(r.cpu).median.toFixed(2)} ms, wall ${summarize(r.wall).median.toFixed(2)} ms`);
      }
}

const rows = [];
const out = ['| workload | variant (plan ran) | CPU ms/step | wall ms/step | CPU ÷ first | of FMA peak (by CPU time) |', '|---|---|---|---|---|---|'];
for (const w of ws)
  for (const mode of modes) {
    const k = `${w.id} ${mode}`;
    const base = summarize(samples[0][k].cpu).median;
    for (const [i, v] of variants.entries()) {
      const s = samples[i][k];
      const cpu = summarize(s.cpu).median, wall = summarize(s.wall).median;
      const gf = flops(w, mode) / 1e9 / (cpu / 1000);
      const ofPeak = peak.gflops ? (100 * gf) / (peak.gflops * threads) : null;
      rows.push({ workload: w.id, mode, variant: v.label, plan: s.plan, cpuMs: cpu, wallMs: wall, ratio: cpu / base, ofPeak });
      out.push(`| ${k} | ${v.label} (${s.plan}) | ${cpu.toFixed(2)} | ${wall.toFixed(2)} | ${(cpu / base).toFixed(3)} | ${ofPeak === null ? '–' : `${ofPeak.toFixed(0)} %`} |`);
    }
  }
process.stdout.write(`${out.join('\n')}\n`);
if (args.values.json) {
  const { writeFileSync, renameSync } = await import('node:fs');
  const tmp = `${args.values.json}.tmp`;
  writeFileSync(tmp, JSON.stringify({ machine: m, peak, threads, rounds, steps, variants: variants.map((v) => v.label), rows }, null, 1));
  renameSync(tmp, args.values.json);
}
