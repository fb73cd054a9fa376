#!/usr/bin/env node
/**
 * Serving throughput and latency, side by side in one run: `rnn serve` with micro-batching,
 * `rnn serve --max-batch 1` (no batching), and a minimal onnxruntime-node server (ort-server.mjs)
 * running the same model exported with `rnn export --onnx`. The model is workload A's (LSTM,
 * input 8, hidden 128, T 50, then dense(1)); each request is one sequence [1, 50, 8]. For each
 * system and each concurrency (closed loop: C clients, each sending its next request when the last
 * is answered) it reports p50/p99 latency, requests/s and failures, then the ratios the issue
 * targets, and the server's CPU time per request (from /proc: what batching saves even where the
 * CPU is shared and wall-clock figures are not). Every answer is checked (status 200, shape
 * [1, 1], equal across systems).
 *
 *   node tools/load/serve-bench.mjs [--requests 2000] [--concurrency 1,8,64] [--systems batched,unbatched,ort] [--out DIR]
 *   node tools/load/serve-bench.mjs --requests 100000 --concurrency 64 --systems batched   # the zero-failure run
 *   taskset -c 2-3 node tools/load/serve-bench.mjs --server-cpus 0-1                       # client and server apart
 *
 * Loopback only. Uses the built packages (npm run build). The client runs in this process and
 * shares the CPU with the server: say so with any figure.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolArgs } from '../lib/args.mjs';
import { closedLoop, requestBytes } from './raw-client.mjs';

const args = toolArgs('node tools/load/serve-bench.mjs [--requests 2000] [--concurrency 1,8,64] [--systems batched,unbatched,ort] [--warmup 2000] [--server-cpus 0-1] [--out DIR]', {
  'server-cpus': { type: 'string' },
  requests: { type: 'string', default: '2000' },
  concurrency: { type: 'string', default: '1,8,64' },
  systems: { type: 'string', default: 'batched,unbatched,ort' },
  warmup: { type: 'string', default: '2000' },
  out: { type: 'string' },
});
const REQUESTS = args.number('requests');
const WARMUP = args.number('warmup');
const LEVELS = args.values.concurrency.split(',').map(Number);
if (LEVELS.some((c) => !Number.isInteger(c) || c < 1)) args.fail(`--concurrency must list positive integers, found ${args.values.concurrency}`);
const SYSTEMS = args.values.systems.split(',');
for (const s of SYSTEMS) if (!['batched', 'unbatched', 'ort'].includes(s)) args.fail(`--systems: unknown system '${s}' (batched, unbatched, ort)`);

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RNN = join(ROOT, 'packages/cli/bin/rnn.js');
const dir = mkdtempSync(join(tmpdir(), 'rnn-serve-bench-'));
const model = join(dir, 'workload-a.safetensors');
const onnx = join(dir, 'workload-a.onnx');
const { dense, lstm, sequential } = await import('@rnn/layers');
writeFileSync(model, sequential([lstm({ units: 128 }), dense({ units: 1 })]).build({ inputSize: 8, seed: 1 }).toBytes());
execFileSync(process.execPath, [RNN, 'export', '--model', model, '--onnx', onnx], { stdio: 'inherit' });

const T = 50;
const F = 8;
/** Request i's body: one sequence, deterministic. */
const bodies = Array.from({ length: 64 }, (_, i) =>
  JSON.stringify({ inputs: [Array.from({ length: T }, (_, t) => Array.from({ length: F }, (_, f) => Math.sin(i * 0.37 + t * 0.1 + f))) ] }),
);

const COMMANDS = {
  batched: [RNN, 'serve', '--model', model, '--port', '0', '--max-batch', '64', '--max-queue', '4096'],
  unbatched: [RNN, 'serve', '--model', model, '--port', '0', '--max-batch', '1', '--max-delay-ms', '0', '--max-queue', '4096'],
  ort: [join(ROOT, 'tools/load/ort-server.mjs'), '--onnx', onnx, '--port', '0'],
};

async function start(system) {
  // --server-cpus: the servers on their own cores (taskset), apart from this client
  const cpusFlag = args.values['server-cpus'];
  const child = cpusFlag
    ? spawn('taskset', ['-c', cpusFlag, process.execPath, ...COMMANDS[system]], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, COMMANDS[system], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`${system} exited (${code}) before listening: ${err}`)));
  });
  return {
    url,
    /** The server process's CPU seconds so far (Linux /proc; null elsewhere). */
    cpuSeconds() {
      try {
        const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
        return (Number(f[11]) + Number(f[12])) / 100; // utime + stime, in clock ticks of 1/100 s
      } catch {
        return null;
      }
    },
    async stop() {
      const done = new Promise((r) => child.on('exit', r));
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(t);
    },
  };
}

/** Closed loop: `concurrency` clients (one keep-alive socket each, raw-client.mjs) until `requests` answers, every one checked. */
async function load(url, requests, concurrency, reference) {
  const payloads = bodies.map((b) => requestBytes(url, '/predict', b));
  let lastReport = performance.now();
  const r = await closedLoop({
    url,
    payloads,
    requests,
    concurrency,
    check(i, status, text) {
      const json = JSON.parse(text);
      const y = json.outputs?.[0]?.[0];
      if (status !== 200 || json.outputs.length !== 1 || json.outputs[0].length !== 1 || typeof y !== 'number') throw new Error(`status ${status}: ${text.slice(0, 200)}`);
      if (reference && Math.abs(y - reference[i % 64]) > 1e-4 * Math.max(1, Math.abs(reference[i % 64]))) throw new Error(`${y}, another system gave ${reference[i % 64]}`);
    },
    onProgress(n) {
      if (n % 1000 === 0 && performance.now() - lastReport > 5000) {
        lastReport = performance.now();
        process.stderr.write(`  ${n}/${requests} requests\n`);
      }
    },
  });
  const latencies = r.latencies.sort((a, b) => a - b);
  const q = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))];
  return { requests, concurrency, seconds: r.seconds, perSecond: requests / r.seconds, p50Ms: q(0.5), p99Ms: q(0.99), failures: r.failures, firstFailure: r.firstFailure };
}

/** rnn serve's forward passes so far and the rows they held (from /metrics; null for a server without it). */
async function batchStats(url) {
  const r = await fetch(`${url}/metrics`);
  if (r.status !== 200) return null;
  const text = await r.text();
  const get = (name) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  const rows = get('rnn_batch_rows_sum');
  const count = get('rnn_batch_rows_count');
  return Number.isFinite(rows) && Number.isFinite(count) ? { rows, count } : null;
}

/** Each body's answer from one system, for checking the others against it. */
async function answers(url) {
  return Promise.all(bodies.map(async (b) => (await (await fetch(`${url}/predict`, { method: 'POST', body: b })).json()).outputs[0][0]));
}

const cpu = (() => {
  try {
    return /Model name:\s*(.+)/.exec(execFileSync('lscpu', { encoding: 'utf8' }))?.[1]?.trim() ?? cpus()[0].model;
  } catch {
    return cpus()[0].model;
  }
})();
const results = [];
let reference = null;
for (const system of SYSTEMS) {
  const server = await start(system);
  try {
    const mine = await answers(server.url);
    reference ??= mine;
    await load(server.url, WARMUP, 8, reference); // JIT, thread pools, session warm-up
    for (const c of LEVELS) {
      process.stderr.write(`${system}: ${REQUESTS} requests at ${c} concurrent clients\n`);
      const batches0 = await batchStats(server.url);
      const cpu0 = server.cpuSeconds();
      const own0 = process.cpuUsage();
      const r = { system, ...(await load(server.url, REQUESTS, c, reference)) };
      const cpu1 = server.cpuSeconds();
      const own = process.cpuUsage(own0);
      r.serverCpuMsPerRequest = cpu0 === null || cpu1 === null ? null : ((cpu1 - cpu0) * 1000) / REQUESTS;
      r.clientCpuMsPerRequest = (own.user + own.system) / 1000 / REQUESTS;
      const batches1 = await batchStats(server.url);
      r.meanBatchRows = batches0 && batches1 && batches1.count > batches0.count ? (batches1.rows - batches0.rows) / (batches1.count - batches0.count) : null;
      results.push(r);
      process.stderr.write(`  ${r.perSecond.toFixed(0)} req/s, p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ${r.failures} failed${r.firstFailure ? ` (first: ${r.firstFailure})` : ''}\n`);
    }
  } finally {
    await server.stop();
  }
}

const get = (s, c) => results.find((r) => r.system === s && r.concurrency === c);
const lines = [
  `CPU: ${cpu} (${cpus().length} logical cores; ${args.values['server-cpus'] ? `servers on cores ${args.values['server-cpus']}, the client apart` : 'the load client shares them'}); Node ${process.version}`,
  `model: workload A (lstm 128 on 8 features, T ${T}, dense 1); one sequence per request; ${REQUESTS} requests per row after ${WARMUP} warm-up`,
  '',
  '| system | clients | req/s | p50 ms | p99 ms | server CPU ms/request | client CPU ms/request | rows per forward pass | failed |',
  '|---|---|---|---|---|---|---|---|---|',
  ...results.map((r) => `| ${r.system} | ${r.concurrency} | ${r.perSecond.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.serverCpuMsPerRequest?.toFixed(3) ?? 'n/a'} | ${r.clientCpuMsPerRequest.toFixed(3)} | ${r.meanBatchRows?.toFixed(1) ?? 'n/a'} | ${r.failures} |`),
];
for (const c of LEVELS) {
  const b = get('batched', c);
  const u = get('unbatched', c);
  const o = get('ort', c);
  if (b && u) lines.push(`at ${c} clients: batched ÷ unbatched throughput = ${(b.perSecond / u.perSecond).toFixed(2)}× (target ≥ 3× at 64)`);
  // what a dedicated server core would give: wall-clock figures mean little on a shared machine
  if (b && u && b.serverCpuMsPerRequest && u.serverCpuMsPerRequest) lines.push(`at ${c} clients: server CPU per request, unbatched ÷ batched = ${(u.serverCpuMsPerRequest / b.serverCpuMsPerRequest).toFixed(2)}×`);
  if (b && o) lines.push(`at ${c} clients: onnxruntime ÷ batched throughput = ${(o.perSecond / b.perSecond).toFixed(2)}× (target ≤ 1.5× at 64)`);
}
const failed = results.reduce((n, r) => n + r.failures, 0);
lines.push(`failed requests in total: ${failed}`);
const report = lines.join('\n');
console.log(report);
if (args.values.out) {
  mkdirSync(args.values.out, { recursive: true });
  writeFileSync(join(args.values.out, 'serve-bench.json'), JSON.stringify({ cpu, node: process.version, results }, null, 2) + '\n');
  writeFileSync(join(args.values.out, 'serve-bench.md'), report + '\n');
}
process.exitCode = failed ? 1 : 0;
