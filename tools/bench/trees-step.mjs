#!/usr/bin/env node
// Quick timing of workload D (binary Tree-LSTM on SST, issue 22) on the native backend: one train
// step = the first 256 SST train trees in mini-batches of 25 (forward, backward, Adam), as
// tools/bench/workers/rnn.mjs runs it. The one-native-call path is the default; --composed runs the
// level-by-level path from JavaScript (the reference). For PyTorch side by side use
// `npm run bench -- --workloads D --systems rnn-native,pytorch --threads 1,2`.
//
//   node tools/bench/trees-step.mjs [--threads 1,2] [--rounds R] [--steps N] [--warmup W] [--composed] [--forward] [--serial] [--jit]
//
// --warmup W: untimed steps first (default 1). V8 keeps compiling functions of the step with
// TurboFan for dozens of steps, on its own threads: at 1 thread that runs on the idle core, at 2 it
// takes a core from our pool, so a short warm-up charges the 2-thread figure with it (--serial
// prints that CPU as "V8 and other threads").
//
// --jit: the children run with --trace-opt --trace-deopt; per run it prints how many TurboFan
// compilations finished and how many deoptimisations happened in the timed steps (the background
// compiles are what --serial counts under "V8 and other threads"; a deoptimised function is
// compiled again). Their timings include the tracing: read them for the counts only.
//
// --serial (RNN_POOL_STATS=1 in the children): also the main thread's CPU ms per step OUTSIDE the
// pool's split regions (the serial part: JavaScript, GC, kernels that ran unsplit) and inside them.
// At 2 threads the serial part s and the parallel part p of a step give its quiet-machine speed-up
// (s + p1) / (s + p1 / 2), p1 the parallel part at 1 thread; it is measured in CPU time, so it holds
// on a loaded machine too (a region's inside includes the caller's wait for the worker).
//
// Each thread count runs in its own process (RNN_NUM_THREADS), rounds interleaved; per run it
// prints wall, process CPU and MAIN-THREAD CPU ms per step (Linux: /proc/self/task/PID/stat). On a
// loaded machine wall time is noise; the main thread's CPU is then the better guide to what a quiet
// machine's wall time would be at 2 threads (the main thread runs the JavaScript, its share of each
// split level and waits for the worker), so the summary gives both ratios.
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const { values: f } = parseArgs({
  options: {
    steps: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '1' },
    threads: { type: 'string', default: '1,2' },
    rounds: { type: 'string', default: '1' },
    composed: { type: 'boolean' },
    forward: { type: 'boolean' },
    child: { type: 'boolean' },
    serial: { type: 'boolean' },
    jit: { type: 'boolean' },
  },
});

// CPU ms so far of this process's threads: the main thread, our pool's workers (named rnn-pool by
// the addon) and the rest (V8's compiler and GC helpers, libuv), from /proc/self/task (Linux)
for (const k of ['steps', 'warmup', 'rounds']) {
  if (!/^\d+$/.test(f[k]) || (k !== 'warmup' && Number(f[k]) < 1)) {
    console.error(`trees-step: --${k} must be an integer >= ${k === 'warmup' ? 0 : 1}, got '${f[k]}'`);
    process.exit(2);
  }
}

function threadsMs() {
  const out = { main: 0, pool: 0, other: 0 };
  try {
    for (const t of readdirSync('/proc/self/task')) {
      const st = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
      const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'));
      const fields = st.slice(st.lastIndexOf(')') + 2).split(' ');
      const ms = (Number(fields[11]) + Number(fields[12])) * 10;
      out[Number(t) === process.pid ? 'main' : name === 'rnn-pool' ? 'pool' : 'other'] += ms;
    }
  } catch {
    return null;
  }
  return out;
}

function mainThreadMs() {
  try {
    const fields = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in 10 ms ticks
  } catch {
    return NaN;
  }
}

async function child() {
  const core = await import('@rnn/core');
  const L = await import('@rnn/layers');
  await core.ready();
  const backend = core.setBackend('native');
  const trees = L.readTrees(fileURLToPath(new URL('../../data/sst/train.txt.gz', import.meta.url))).slice(0, 256);
  const vocab = L.Vocab.build(trees, { lowercase: true });
  const net = new L.TreeNet({ cell: 'tree-lstm', hiddenSize: 150, embeddingDim: 150, vocab, numClasses: 5, seed: 1, backend });
  const fused = !f.composed;
  const enc = net.encode(trees);
  const opt = L.getOptimizer({ type: 'adam', lr: 1e-3 });
  const rng = new core.Rng(1);
  const batches = [];
  for (let i = 0; i < enc.length; i += 25) batches.push(enc.slice(i, i + 25));
  // --serial: the serial part of each phase of a step (main-thread CPU outside split regions)
  const addon = f.serial ? (await import('@rnn/backend-native')).loadAddon() : null;
  const phases = { zeroGrad: 0, forward: 0, loss: 0, backward: 0, optimizer: 0 };
  let mark = addon ? addon.poolStats() : null;
  const lap = (name) => {
    if (!addon) return;
    const now = addon.poolStats();
    phases[name] += now.threadCpuMs - mark.threadCpuMs - (now.cpuMs - mark.cpuMs);
    mark = now;
  };
  // ... and of those, the serial CPU inside each backend method (the rest is JavaScript and GC)
  const within = {};
  let depth = 0;
  if (addon) {
    const names = new Set();
    for (let o = Object.getPrototypeOf(backend); o && o !== Object.prototype; o = Object.getPrototypeOf(o)) {
      for (const k of Object.getOwnPropertyNames(o)) if (k !== 'constructor' && typeof backend[k] === 'function') names.add(k);
    }
    for (const name of names) {
      const fn = backend[name].bind(backend);
      backend[name] = (...a) => {
        if (depth > 0) return fn(...a); // a method called by another: counted in the outer one
        depth++;
        const t0 = addon.poolStats();
        try {
          return fn(...a);
        } finally {
          const t1 = addon.poolStats();
          within[name] = (within[name] ?? 0) + t1.threadCpuMs - t0.threadCpuMs - (t1.cpuMs - t0.cpuMs);
          depth--;
        }
      };
    }
  }
  const step = f.forward
    ? () => core.noGrad(() => batches.forEach((b) => net.forward(b, { fused }).logits.data()))
    : () => {
        for (const b of batches) {
          mark = addon?.poolStats() ?? null;
          // each batch in a tidy scope, as the Trainer runs a TreeNet's steps (tidySteps): the native
          // backend writes the next batch's results into the buffers this one released
          core.tidy(() => {
            net.params.zeroGrad();
            lap('zeroGrad');
            const out = net.forward(b, { training: true, rng, fused });
            lap('forward');
            const loss = net.lossOf(out);
            loss.item();
            lap('loss');
            core.backward(loss);
            lap('backward');
            opt.step(net.params);
            lap('optimizer');
          });
        }
      };
  // The parse of the whole SST file (8,544 trees, of which 256 are kept) leaves ~45 MB of garbage; a
  // full collection of it inside the timed steps would charge them a one-off ~100 ms of serial time.
  // Collected BEFORE the warm-up: a forced full collection after it threw away much of the code V8
  // had optimized during the warm-up (28 TurboFan compilations in the next 20 steps after a 40-step
  // warm-up, against 11 without it), so the timed steps paid for compiling it all again, on V8's
  // background threads, which at 2 threads compete with our pool for the 2 cores (issue 22).
  globalThis.gc?.();
  for (let i = 0; i < Number(f.warmup); i++) step();
  for (const k of Object.keys(phases)) phases[k] = 0;
  for (const k of Object.keys(within)) delete within[k];
  const n = Number(f.steps);
  // --serial: V8's collections during the timed steps (wall ms; on the main thread, so serial)
  let gcMs = 0;
  const gcs = f.serial ? new PerformanceObserver((list) => list.getEntries().forEach((e) => (gcMs += e.duration))) : null;
  gcs?.observe({ entryTypes: ['gc'] });
  const s0 = addon?.poolStats();
  const th0 = f.serial ? threadsMs() : null;
  const m0 = mainThreadMs();
  const c0 = process.cpuUsage();
  if (f.jit) console.log('=== timed steps');
  const t0 = performance.now();
  for (let i = 0; i < n; i++) step();
  if (f.jit) console.log('=== end of timed steps');
  const wallMs = (performance.now() - t0) / n;
  const c = process.cpuUsage(c0);
  const r = (v) => Math.round(v * 10) / 10;
  const out = { threads: backend.info().threads, wallMs: r(wallMs), cpuMs: r((c.user + c.system) / 1000 / n), mainMs: r((mainThreadMs() - m0) / n) };
  if (addon) {
    const s1 = addon.poolStats();
    if (!s1.enabled) throw new Error('trees-step --serial: this rnn_native.node does not count its regions (RNN_POOL_STATS); rebuild it');
    const th1 = threadsMs();
    if (th0 && th1) Object.assign(out, { poolThreadsMs: r((th1.pool - th0.pool) / n), otherThreadsMs: r((th1.other - th0.other) / n) });
    const inside = (s1.cpuMs - s0.cpuMs) / n;
    Object.assign(out, { serialMs: r((s1.threadCpuMs - s0.threadCpuMs) / n - inside), insideMs: r(inside), regions: Math.round((s1.regions - s0.regions) / n) });
    await new Promise((r) => setTimeout(r, 100)); // the observer's entries arrive on later turns
    gcs?.disconnect();
    out.gcMs = r(gcMs / n);
    if (!f.forward) out.phases = Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, r(v / n)]));
    out.within = Object.fromEntries(Object.entries(within).sort((x, y) => y[1] - x[1]).map(([k, v]) => [k, r(v / n)]));
  }
  console.log(JSON.stringify(out));
}

if (f.child) {
  await child();
} else {
  const threads = f.threads.split(',').map(Number);
  const rounds = Number(f.rounds);
  const mode = `${f.forward ? 'forward' : 'train'}, ${f.composed ? 'level by level (--composed)' : 'one native call per mini-batch'}`;
  console.log(`workload D ${mode}; ${f.warmup} warm-up step(s); ${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} CPUs`);
  const runs = new Map(threads.map((t) => [t, []]));
  const args = ['--expose-gc', ...(f.jit ? ['--trace-opt', '--trace-deopt'] : []), fileURLToPath(import.meta.url), '--child', '--steps', f.steps, '--warmup', f.warmup, ...(f.composed ? ['--composed'] : []), ...(f.forward ? ['--forward'] : []), ...(f.serial ? ['--serial'] : []), ...(f.jit ? ['--jit'] : [])];
  for (let k = 0; k < rounds; k++) {
    for (const t of threads) {
      const env = { ...process.env, RNN_NUM_THREADS: String(t), ...(f.serial ? { RNN_POOL_STATS: '1' } : {}) };
      const p = spawnSync(process.execPath, args, { env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
      if (p.status !== 0) throw new Error(`trees-step child (${t} threads) failed: ${p.stderr}`);
      const res = JSON.parse(p.stdout.trim().split('\n').at(-1));
      runs.get(t).push(res);
      const parts = res.serialMs === undefined ? '' : `; serial ${res.serialMs} ms, in split regions ${res.insideMs} ms (${res.regions} regions)`;
      console.log(`  ${t} thread(s): wall ${res.wallMs} ms, CPU ${res.cpuMs} ms, main-thread CPU ${res.mainMs} ms per step${parts}`);
      if (f.jit) {
        const lines = p.stdout.split('\n');
        const timed = lines.slice(lines.indexOf('=== timed steps'), lines.indexOf('=== end of timed steps'));
        const compiled = timed.filter((l) => l.startsWith('[completed compiling')).length;
        const deopts = timed.filter((l) => l.startsWith('[bailout (kind')).length;
        res.compilations = compiled;
        res.deopts = deopts;
        console.log(`    in the ${f.steps} timed steps: ${compiled} TurboFan compilations, ${deopts} deoptimisations`);
      }
      if (res.otherThreadsMs !== undefined) console.log(`    CPU ms per step of our pool's workers ${res.poolThreadsMs}, of V8 and other threads ${res.otherThreadsMs} (10 ms ticks)`);
      if (res.phases) console.log(`    serial ms per step by phase: ${Object.entries(res.phases).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      if (res.within) {
        const inside = Object.values(res.within).reduce((a, b) => a + b, 0);
        const top = Object.entries(res.within).slice(0, 6).map(([k, v]) => `${k} ${v}`).join(', ');
        console.log(`    of which inside backend calls ${Math.round(inside * 10) / 10} (${top}, ...); JavaScript and GC ${Math.round((res.serialMs - inside) * 10) / 10} (GC pauses ${res.gcMs} ms wall)`);
      }
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  const med = (t, k) => median(runs.get(t).map((r) => r[k]));
  for (const t of threads) {
    const parts = f.serial ? `, serial ${med(t, 'serialMs')} ms, in split regions ${med(t, 'insideMs')} ms` : '';
    console.log(`${t} thread(s), medians: wall ${med(t, 'wallMs')} ms, CPU ${med(t, 'cpuMs')} ms, main-thread CPU ${med(t, 'mainMs')} ms${parts}`);
  }
  if (f.serial && threads.includes(1)) {
    // Amdahl from CPU times: p1 = the 1-thread step less the serial part, which threads do not change
    for (const t of threads.filter((x) => x !== 1)) {
      const s = med(t, 'serialMs');
      const p1 = med(1, 'mainMs') - s;
      console.log(`${t} threads vs 1, from the serial part: ${s} of ${med(1, 'mainMs')} ms serial → at most ${((s + p1) / (s + p1 / t)).toFixed(2)}× on a quiet machine`);
    }
  }
  if (threads.includes(1)) {
    for (const t of threads.filter((x) => x !== 1)) {
      const wall = med(1, 'wallMs') / med(t, 'wallMs');
      const main = med(1, 'mainMs') / med(t, 'mainMs');
      console.log(`${t} threads vs 1: wall ${wall.toFixed(2)}×, main-thread CPU ${main.toFixed(2)}× (the estimate for a quiet machine)`);
    }
  }
}
