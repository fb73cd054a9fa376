#!/usr/bin/env node
// Side-by-side benchmark: our backends against PyTorch, TensorFlow.js, brain.js and
// onnxruntime-node on the same workloads (lib/workloads.mjs), the same thread counts, each
// system × workload × mode × threads in its own process (so peak RSS is its own).
//
//   npm run bench -- [--quick] [--rounds R] [--out DIR] [--workloads A,B,C,D,E,F] [--systems rnn-native,pytorch,...]
//                    [--threads 1,2] [--wait-quiet 2.5] [--write-md] [--from-json results.json]
//                    [--merge results.json]
//
// --quick: reduced shapes, 1 thread, 3 steps: checks the harness end to end in about a minute.
// --rounds R: run the whole matrix R times, interleaved, and pool the steps (drift-resistant).
// --write-md: replace the generated section of BENCHMARKS.md and tools/bench/results/*.
// Peers live in tools/bench/.peers (tools/bench/install-peers.sh), never in the project.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { QUICK, WORKLOADS, workload } from './lib/workloads.mjs';
import { SYSTEMS, UNAVAILABLE, workerPath } from './lib/systems.mjs';
import { summarize } from './lib/stats.mjs';
import { load1, machine } from './lib/machine.mjs';
import { boundMs, buildProbe, measurePeak, measureShapes, uniqueShapes } from './lib/roofline.mjs';
import { RESULT_MARK } from './lib/timing.mjs';
import { renderReport, updateBenchmarksMd } from './lib/report.mjs';
import { ratioChart } from './lib/chart.mjs';
import { toolArgs } from '../lib/args.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = resolve(HERE, '..', '..');

class UsageError extends Error {
  code = 'E_USAGE';
}

const USAGE = `npm run bench -- [--quick] [--rounds R] [--out DIR] [--workloads A,B,C,D,E,F] [--systems rnn-native,pytorch,...]
                    [--threads 1,2] [--wait-quiet 2.5] [--write-md] [--from-json results.json] [--merge results.json]
                    [--steps N] [--min-steps N] [--warmup N] [--warmup-seconds S] [--max-seconds S] [--cap-seconds S]
                    [--peers DIR] [--python PATH] [--sst FILE] [--cmudict FILE] [--wait-minutes M]`;
const VALUED = ['rounds', 'warmup-seconds', 'out', 'workloads', 'systems', 'threads', 'steps', 'min-steps', 'warmup', 'max-seconds', 'cap-seconds', 'peers', 'python', 'sst', 'wait-quiet', 'wait-minutes', 'from-json', 'merge', 'cmudict'];

function parseArgs(argv) {
  const options = { quick: { type: 'boolean', default: false }, 'write-md': { type: 'boolean', default: false } };
  for (const name of VALUED) options[name] = { type: 'string' };
  const { values: flags } = toolArgs(USAGE, options, { argv });
  const q = flags.quick;
  const list = (v, def) => (v === undefined ? def : String(v).split(',').map((s) => s.trim()).filter(Boolean));
  const num = (k, def) => {
    const v = flags[k] === undefined ? def : Number(flags[k]);
    if (!(Number.isFinite(v) && v >= 0)) throw new UsageError(`--${k} must be a non-negative number, found '${flags[k]}'`);
    return v;
  };
  const o = {
    quick: q,
    writeMd: flags['write-md'],
    out: resolve(flags.out ?? join(HERE, '.results', q ? 'quick' : 'full')),
    workloads: list(flags.workloads, Object.keys(WORKLOADS)),
    systems: list(flags.systems, SYSTEMS.map((s) => s.id)),
    threads: list(flags.threads, q ? ['1'] : ['1', '2']).map(Number),
    steps: num('steps', q ? 2 : 20),
    minSteps: num('min-steps', q ? 1 : 10),
    warmup: num('warmup', q ? 1 : 10),
    warmupSeconds: num('warmup-seconds', q ? 0 : 2),
    rounds: num('rounds', 1),
    maxSeconds: num('max-seconds', q ? 1 : 30),
    capSeconds: num('cap-seconds', q ? 2 : 90),
    peers: resolve(flags.peers ?? process.env.RNN_BENCH_PEERS ?? join(HERE, '.peers')),
    python: flags.python ?? process.env.PYTHON ?? '/usr/bin/python3',
    cmudict: resolve(flags.cmudict ?? join(ROOT, 'data/cmudict/train.tsv.gz')),
    sst: flags.sst ?? [join(ROOT, 'data/sst/train.txt.gz'), '/work/shared/datasets/sst/train.txt.gz'].find(existsSync) ?? null,
    waitQuiet: flags['wait-quiet'] === undefined ? null : num('wait-quiet', 0),
    waitMinutes: num('wait-minutes', 40),
    fromJson: flags['from-json'] ?? null,
    merge: flags.merge ?? null,
  };
  for (const w of o.workloads) if (!WORKLOADS[w]) throw new UsageError(`--workloads: unknown workload '${w}'; expected some of ${Object.keys(WORKLOADS).join(',')}`);
  for (const s of o.systems) if (!SYSTEMS.some((x) => x.id === s)) throw new UsageError(`--systems: unknown system '${s}'; expected some of ${SYSTEMS.map((x) => x.id).join(',')}`);
  for (const t of o.threads) if (!(Number.isInteger(t) && t >= 1)) throw new UsageError(`--threads: expected positive integers, found '${t}'`);
  if (o.writeMd && o.quick) throw new UsageError('--write-md records full measurements only; drop --quick');
  if (!(Number.isInteger(o.rounds) && o.rounds >= 1)) throw new UsageError(`--rounds: expected a positive integer, found '${flags.rounds}'`);
  return o;
}

const log = (msg) => process.stderr.write(`${msg}\n`);

/** Run one worker; resolve with its parsed result or with the error and the tail of its stderr. */
function runWorker(cmd, args, env, timeoutS, logFile) {
  return new Promise((done) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutS * 1000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      writeFileSync(logFile, `$ ${cmd} ${args.map((a) => `'${a}'`).join(' ')}\n--- stdout\n${out}\n--- stderr\n${err}`);
      const line = out.split('\n').find((l) => l.startsWith(RESULT_MARK));
      if (code === 0 && line) return done({ ok: true, ...JSON.parse(line.slice(RESULT_MARK.length)) });
      const why = signal ? `killed by ${signal} after ${timeoutS} s` : `exit code ${code}`;
      const tail = err.trim().split('\n').filter((l) => /error|Error|Exception|refuse/.test(l)).slice(-1)[0] ?? err.trim().split('\n').slice(-1)[0] ?? '';
      done({ ok: false, error: `${why}: ${tail.slice(0, 300)}` });
    });
  });
}

async function waitQuiet(o) {
  if (o.waitQuiet === null) return;
  const until = Date.now() + o.waitMinutes * 60_000;
  while (load1() >= o.waitQuiet && Date.now() < until) {
    log(`load average ${load1().toFixed(2)} >= ${o.waitQuiet}: waiting (until ${new Date(until).toISOString()})`);
    await sleep(120_000);
  }
  log(`load average ${load1().toFixed(2)}: starting`);
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  mkdirSync(join(o.out, 'logs'), { recursive: true });
  let data;
  if (o.fromJson) {
    data = JSON.parse(readFileSync(o.fromJson, 'utf8'));
  } else {
    data = await measureAll(o);
    if (o.merge) data = merge(JSON.parse(readFileSync(o.merge, 'utf8')), data);
    writeFileSync(join(o.out, 'results.json'), JSON.stringify(data, null, 1));
  }
  const svg = ratioChart(data);
  const md = renderReport(data, { chartPath: o.writeMd ? 'tools/bench/results/ratios.svg' : 'ratios.svg' });
  writeFileSync(join(o.out, 'ratios.svg'), svg);
  writeFileSync(join(o.out, 'report.md'), md);
  log(`wrote ${join(o.out, 'report.md')}, ${join(o.out, 'ratios.svg')}${o.fromJson ? '' : `, ${join(o.out, 'results.json')}`}`);
  if (o.writeMd) {
    const dir = join(HERE, 'results');
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'ratios.svg'), svg);
    writeFileSync(join(dir, 'results.json'), JSON.stringify(data, null, 1));
    updateBenchmarksMd(join(ROOT, 'BENCHMARKS.md'), md);
    log('updated BENCHMARKS.md and tools/bench/results/');
  }
  const broken = data.runs.filter((r) => !r.ok && r.ours);
  if (broken.length) {
    log(`FAILED: ${broken.length} run(s) of our own backends failed:`);
    for (const r of broken) log(`  ${r.system} ${r.workload} ${r.mode} ${r.threads}t: ${r.error}`);
    process.exitCode = 1;
  }
}

/**
 * `--merge FILE`: this run's measurements replace the same (system, workload, mode, threads) in an
 * earlier results.json (e.g. the threaded systems re-measured once the machine got quiet); every
 * run keeps the load it was measured under.
 */
function merge(base, next) {
  if (base.quick !== next.quick) throw new UsageError('--merge: one result set is --quick and the other is not');
  const k = (r) => `${r.system}|${r.workload}|${r.mode}|${r.threads}`;
  const fresh = new Set(next.runs.map(k));
  const rates = { ...(base.roofline?.rates ?? {}), ...(next.roofline?.rates ?? {}) };
  const measured = new Set(Object.keys(next.roofline?.rates ?? {}).map(Number));
  const bound = [...(base.roofline?.bound ?? []).filter((b) => !measured.has(b.threads)), ...(next.roofline?.bound ?? [])];
  return {
    ...base,
    command: `${base.command} && ${next.command}`,
    finished: next.finished,
    loadEnd: next.loadEnd,
    settings: { ...base.settings, threads: [...new Set([...base.settings.threads, ...next.settings.threads])].sort() },
    status: { ...base.status, ...next.status },
    roofline: base.roofline?.rates || next.roofline?.rates ? { shapes: next.roofline?.shapes ?? base.roofline.shapes, rates, bound } : next.roofline,
    runs: [...base.runs.filter((r) => !fresh.has(k(r))), ...next.runs],
  };
}

/** One record per system × workload × mode × threads: the steps of every round pooled (median of all),
 * each round's own median kept in `roundMedians`; a run that failed in any round is reported failed. */
export function poolRounds(runs) {
  const key = (r) => `${r.system}|${r.workload}|${r.mode}|${r.threads}`;
  const groups = new Map();
  for (const r of runs) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  return [...groups.values()].map((rs) => {
    if (rs.length === 1) return rs[0];
    const failed = rs.find((r) => !r.ok);
    if (failed) return failed;
    const wall = rs.flatMap((r) => r.raw.wall);
    const cpu = rs.flatMap((r) => r.raw.cpu);
    return {
      ...rs[0],
      load1Start: rs[0].load1Start,
      load1End: rs.at(-1).load1End,
      seconds: rs.reduce((a, r) => a + r.seconds, 0),
      wall: summarize(wall),
      cpu: summarize(cpu),
      maxRssKb: Math.max(...rs.map((r) => r.maxRssKb)),
      rounds: rs.length,
      roundMedians: rs.map((r) => r.wall.median),
      raw: { wall, cpu },
    };
  });
}

async function measureAll(o) {
  const started = new Date();
  const ctx = { peers: o.peers, python: o.python };
  const status = {};
  for (const s of SYSTEMS.filter((x) => o.systems.includes(x.id))) status[s.id] = await s.probe(ctx);
  for (const s of SYSTEMS) if (status[s.id]?.ok && s.needs && !status[s.needs]?.ok) status[s.id] = { ok: false, why: `needs ${s.needs} (to export the model), which is unavailable` };
  for (const [id, st] of Object.entries(status)) log(`${id}: ${st.ok ? st.version : `unavailable (${st.why})`}`);
  const ws = o.workloads.map((id) => workload(id, o.quick));
  if (ws.some((w) => w.kind === 'tree') && !o.sst) log('workload D: no SST file (data/sst/train.txt.gz); skipped');
  if (ws.some((w) => w.kind === 'seq2seq') && !existsSync(o.cmudict)) throw new UsageError(`workloads E/F: no CMUdict pairs at ${o.cmudict} (--cmudict FILE)`);

  // ONNX models: exported by PyTorch once, before any timing
  const onnxDir = join(o.out, 'onnx');
  if (status['onnxruntime']?.ok) {
    mkdirSync(onnxDir, { recursive: true });
    const seq = ws.filter((w) => w.kind === 'seq');
    const r = await runWorker(o.python, [join(HERE, 'workers', 'torch_worker.py'), JSON.stringify({ export: onnxDir, workloads: seq })], process.env, 600, join(o.out, 'logs', 'onnx-export.log'));
    if (!seq.every((w) => existsSync(join(onnxDir, `${w.id}.onnx`)))) status['onnxruntime'] = { ok: false, why: `torch.onnx.export failed (${r.error ?? 'no model written'})` };
  }

  // E/F: one model file per workload, written by our worker, loaded by both sides (same weights, same vocabularies)
  const s2sModel = (w) => join(o.out, `${w.id}-seq2seq.safetensors`);
  for (const w of ws.filter((x) => x.kind === 'seq2seq')) {
    const spec = { w, backend: 'js', export: s2sModel(w), cmudictPath: o.cmudict };
    const r = await runWorker(process.execPath, [workerPath('rnn.mjs'), JSON.stringify(spec)], process.env, 300, join(o.out, 'logs', `${w.id}-export.log`));
    if (!existsSync(s2sModel(w))) throw new Error(`workload ${w.id}: writing the shared model file failed (${r.error ?? 'no file'})`);
  }

  await waitQuiet(o);
  const loadStart = load1();

  // roofline first: it is short, and wants the quietest machine
  let roofline = null;
  const probe = buildProbe(o.out);
  if (probe.exe) {
    roofline = { shapes: uniqueShapes(ws), rates: {}, peak: measurePeak(o.out) };
    const pk = roofline.peak;
    log(`FMA peak ${pk.gflops ? `${pk.gflops.toFixed(1)} GFLOP/s per core (${pk.isa})` : `not measured (${pk.why})`}; ${planLine(status['rnn-native'])}`);
    for (const t of o.threads) roofline.rates[t] = measureShapes(probe.exe, t, roofline.shapes, o.quick ? 20 : 300);
    for (const w of ws) {
      if (w.kind !== 'seq') continue;
      for (const mode of ['forward', 'train']) for (const t of o.threads) (roofline.bound ??= []).push({ workload: w.id, mode, threads: t, ms: boundMs(w, mode, roofline.rates[t]) });
    }
  } else {
    roofline = { why: probe.why };
  }

  // --rounds R: the whole matrix R times over, interleaved, so a slow spell of the machine (this is
  // a shared VM) lands on every system alike; each run's steps of all rounds are pooled below.
  const runs = [];
  for (let round = 1; round <= o.rounds; round++) {
  if (o.rounds > 1) log(`round ${round} of ${o.rounds}`);
  for (const w of ws) {
    if (w.kind === 'tree' && !o.sst) continue;
    for (const t of o.threads) {
      for (const s of SYSTEMS.filter((x) => o.systems.includes(x.id) && x.workloads.includes(w.id) && status[x.id]?.ok)) {
        if (!s.threaded && t !== o.threads[0]) continue; // single-threaded: measured once
        if (s.multiOnly && t === 1) continue;
        for (const mode of s.modes.filter((m) => (w.modes ?? ['train', 'forward']).includes(m))) {
          const spec = {
            w,
            mode,
            threads: t,
            warmup: o.warmup,
            warmupSeconds: o.warmupSeconds,
            steps: o.steps,
            minSteps: o.minSteps,
            maxSeconds: o.maxSeconds,
            capSeconds: o.capSeconds,
            peers: o.peers,
            sstPath: o.sst,
            cmudictPath: o.cmudict,
            seq2seqModel: w.kind === 'seq2seq' ? s2sModel(w) : null,
            model: join(onnxDir, `${w.id}.onnx`),
          };
          const { cmd, args } = s.start(spec, ctx);
          const threads = String(s.threaded ? t : 1);
          const env = { ...process.env, RNN_NUM_THREADS: threads, OMP_NUM_THREADS: threads, MKL_NUM_THREADS: threads, OPENBLAS_NUM_THREADS: threads, ...(s.env ?? {}) };
          const l0 = load1();
          const t0 = Date.now();
          const tag = `${s.id}-${w.id}-${mode}-${t}t`;
          log(`${tag} ...`);
          const r = await runWorker(cmd, args, env, o.capSeconds * 3 + 300, join(o.out, 'logs', `${tag}.log`));
          const rec = { system: s.id, label: s.label, ours: !!s.ours, threaded: s.threaded, workload: w.id, mode, threads: s.threaded ? t : 1, load1Start: l0, load1End: load1(), seconds: (Date.now() - t0) / 1000 };
          if (r.ok) {
            Object.assign(rec, { ok: true, wall: summarize(r.wall), cpu: summarize(r.cpu), maxRssKb: r.maxRssKb, threadsReported: r.threads, version: r.version, ...(r.plan ? { plan: r.plan } : {}), raw: { wall: r.wall, cpu: r.cpu } });
            log(`  ${rec.wall.median.toFixed(2)} ms median (n ${rec.wall.n}, cpu ${rec.cpu.median.toFixed(2)} ms), peak RSS ${(r.maxRssKb / 1024).toFixed(0)} MB`);
          } else {
            Object.assign(rec, { ok: false, error: r.error });
            log(`  FAILED: ${r.error}`);
          }
          runs.push(rec);
        }
      }
    }
  }
  }
  return {
    quick: o.quick,
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    started: started.toISOString(),
    finished: new Date().toISOString(),
    machine: machine(),
    // the CPU as the native addon probed it and the kernel plan it picked (null: rnn-native not run)
    cpuPlan: status['rnn-native']?.plan ? { cpu: status['rnn-native'].cpu ?? null, plan: status['rnn-native'].plan } : null,
    loadStart,
    loadEnd: load1(),
    settings: { steps: o.steps, minSteps: o.minSteps, warmup: o.warmup, warmupSeconds: o.warmupSeconds, maxSeconds: o.maxSeconds, capSeconds: o.capSeconds, threads: o.threads, rounds: o.rounds },
    workloads: ws,
    status,
    unavailable: UNAVAILABLE,
    roofline,
    runs: poolRounds(runs),
  };
}

/** One line on the native kernel plan for the log, beside the FMA peak. */
function planLine(st) {
  const p = st?.plan;
  if (!p) return 'kernel plan: – (rnn-native not run)';
  const tiles = p.variant === 'avx512-zmm' ? `, tiles ${p.gemmMR}/${p.lstmMR}/${p.gruMR}, depth block ${p.depthBlockKiB} KiB (steps) / ${p.gemmDepthBlockKiB ?? p.depthBlockKiB} KiB (gemm), ${p.chunkRows}-row chunks` : '';
  const c = st.cpu;
  return `kernel plan ${p.name} (${p.variant}${tiles})${c ? ` on ${c.modelName} (family ${c.family} model ${c.model}, FMA ${c.fmaUnits || '?'} x ${c.fmaWidthBits}-bit${c.zmmDoublePumped ? ', zmm double-pumped' : ''})` : ''}`;
}

main().catch((e) => {
  log(`bench: ${e.message}`);
  process.exitCode = e.code === 'E_USAGE' ? 2 : 1;
});
