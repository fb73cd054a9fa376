#!/usr/bin/env node
/**
 * Load test of tools/load/server.mjs: N predict requests with C in flight, checking every answer,
 * sampling the server's RSS (after a GC) as it goes, and a few hostile requests that must be
 * refused without taking the server down.
 *
 *   node tools/load/client.mjs --model M.safetensors [--requests 100000] [--concurrency 16]
 *
 * Without --model it writes a small LSTM model to a temporary directory first. Also used by
 * packages/cli/test/reliability-load.test.ts with 1,000 requests. Uses the built packages.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER = fileURLToPath(new URL('./server.mjs', import.meta.url));

/** Starts the server; resolves with its base URL and a stop() function. */
export async function startServer(modelPath, { timeoutMs = 60_000 } = {}) {
  const child = spawn(process.execPath, ['--expose-gc', SERVER, '--model', modelPath], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RNN_BACKEND: 'js' },
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms: ${stderr}`)), timeoutMs);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = /listening (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening: ${stderr}`));
    });
  });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const done = new Promise((r) => child.on('exit', r));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 5000);
    await done;
    clearTimeout(t);
  };
  return { url, stop, stderr: () => stderr, child };
}

/** A deterministic request body: [batch, time, features] of small numbers. */
export function body(i, features) {
  const b = 1 + (i % 4);
  const t = 5 + ((i * 7) % 16);
  const rows = [];
  for (let r = 0; r < b; r++) {
    const steps = [];
    for (let s = 0; s < t; s++) steps.push(Array.from({ length: features }, (_, f) => Math.sin(i + r * 3 + s * 0.1 + f)));
    rows.push(steps);
  }
  return { text: JSON.stringify(rows), shape: [b, t] };
}

async function stats(url) {
  const r = await fetch(`${url}/stats`);
  return r.json();
}

/** Least-squares slope of y over x. */
function slope(points) {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const den = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return den === 0 ? 0 : points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / den;
}

/**
 * Fires `requests` predict requests, `concurrency` at a time, at a running server; throws on the
 * first wrong answer. Returns timings and RSS figures (slope over the second half, bytes per
 * 1,000 requests).
 */
export async function fireLoad({ url, requests, concurrency, features, outputWidth, samples = 20, deadlineMs = Infinity }) {
  const t0 = performance.now();
  const rss = [];
  const heap = [];
  const sample = async (n) => {
    const st = await stats(url);
    rss.push([n, st.rss]);
    heap.push([n, st.heapUsed]);
  };
  const every = Math.max(1, Math.floor(requests / samples));
  let next = 0;
  let done = 0;
  const latencies = [];
  await sample(0);
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= requests) return;
      if (performance.now() - t0 > deadlineMs) throw new Error(`load: deadline of ${deadlineMs} ms passed after ${done} requests`);
      const { text, shape } = body(i, features);
      const s = performance.now();
      const r = await fetch(`${url}/predict`, { method: 'POST', body: text, headers: { 'content-type': 'application/json' } });
      const json = await r.json();
      latencies.push(performance.now() - s);
      if (r.status !== 200) throw new Error(`request ${i}: status ${r.status}: ${JSON.stringify(json)}`);
      const want = outputWidth === undefined ? null : [...shape, outputWidth];
      if (want && JSON.stringify(json.shape) !== JSON.stringify(want) && JSON.stringify(json.shape) !== JSON.stringify([shape[0], outputWidth])) {
        throw new Error(`request ${i}: output shape ${JSON.stringify(json.shape)}, expected ${JSON.stringify(want)}`);
      }
      if (!JSON.stringify(json.output).match(/^[[\]\d.,eE+-]+$/)) throw new Error(`request ${i}: output is not all numbers`);
      done++;
      if (done % every === 0) await sample(done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  const half = (points) => points.slice(Math.floor(points.length / 2));
  latencies.sort((a, b) => a - b);
  return {
    requests: done,
    seconds,
    perSecond: done / seconds,
    p50Ms: latencies[Math.floor(latencies.length / 2)],
    p99Ms: latencies[Math.floor(latencies.length * 0.99)],
    rssStartMB: rss[0][1] / 2 ** 20,
    rssEndMB: rss.at(-1)[1] / 2 ** 20,
    rssMaxMB: Math.max(...rss.map(([, r]) => r)) / 2 ** 20,
    rssSlopeKBPer1000: (slope(half(rss)) * 1000) / 1024,
    heapStartMB: heap[0][1] / 2 ** 20,
    heapEndMB: heap.at(-1)[1] / 2 ** 20,
    heapSlopeKBPer1000: (slope(half(heap)) * 1000) / 1024,
  };
}

/** Hostile requests; each must get its status, and the server must still answer afterwards. */
export async function hostile(url) {
  const cases = [
    ['invalid JSON', '[[[1, 2', 400],
    ['100,000-deep nesting', '['.repeat(100_000), 400],
    ['NaN as a string', '[[["NaN", 1]]]', 400],
    ['a number that overflows', '[[[1e400, 1]]]', 400],
    ['the wrong shape', '[[1, 2, 3]]', 400],
    ['an empty batch', '[]', 400],
    ['a body over the limit', '[' + '0,'.repeat(600_000) + '0]', 413],
  ];
  const out = [];
  for (const [what, text, status] of cases) {
    let got;
    try {
      const r = await fetch(`${url}/predict`, { method: 'POST', body: text });
      got = r.status;
      await r.arrayBuffer();
    } catch (e) {
      got = status === 413 ? 413 : `error ${e.message}`; // the server may close the socket mid-upload
    }
    out.push({ what, status: got, expected: status });
  }
  const wrongMethod = await fetch(`${url}/predict`);
  out.push({ what: 'GET /predict', status: wrongMethod.status, expected: 405 });
  const health = await fetch(`${url}/health`);
  out.push({ what: 'still alive', status: health.status, expected: 200 });
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { toolArgs } = await import('../lib/args.mjs');
  const args = toolArgs('node tools/load/client.mjs [--model M.safetensors] [--requests 100000] [--concurrency 16]', {
    model: { type: 'string' },
    requests: { type: 'string', default: '100000' },
    concurrency: { type: 'string', default: '16' },
  });
  let model = args.values.model;
  let dir = null;
  const features = 4;
  if (!model) {
    const { dense, lstm, sequential } = await import('@rnn/layers');
    dir = mkdtempSync(join(tmpdir(), 'rnn-load-'));
    model = join(dir, 'model.safetensors');
    const m = sequential([lstm({ units: 32, returnSequences: false }), dense({ units: 3 })]).build({ inputSize: features, seed: 1 });
    writeFileSync(model, m.toBytes());
  }
  const server = await startServer(model);
  try {
    console.log(JSON.stringify(await hostile(server.url)));
    await fireLoad({ url: server.url, requests: 500, concurrency: 16, features }); // warm-up: JIT, heap sizing
    const r = await fireLoad({ url: server.url, requests: args.number('requests'), concurrency: args.number('concurrency'), features });
    console.log(JSON.stringify(r));
    console.log(
      `load: ${r.requests} requests in ${r.seconds.toFixed(1)} s (${r.perSecond.toFixed(0)}/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms); ` +
        `server RSS ${r.rssStartMB.toFixed(1)} → ${r.rssEndMB.toFixed(1)} MB (max ${r.rssMaxMB.toFixed(1)}), slope over the second half ${r.rssSlopeKBPer1000.toFixed(1)} KB per 1,000 requests; ` +
        `JS heap after GC ${r.heapStartMB.toFixed(1)} → ${r.heapEndMB.toFixed(1)} MB, slope ${r.heapSlopeKBPer1000.toFixed(1)} KB per 1,000 requests`,
    );
  } finally {
    await server.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}
