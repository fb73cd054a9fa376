/**
 * `rnn serve` as users run it (the built CLI in a child process): the contract's endpoints,
 * micro-batching that returns each request exactly its own rows, the limits that keep a bad or
 * slow client from hurting the others, and a graceful SIGTERM.
 */
import { writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng, tensor } from '@rnn/core';
import { dense, embedding, gru, lstm, sequential, type Sequential } from '@rnn/layers';
import { run, tmp } from './helpers.js';
import { relError } from './onnx-helpers.js';
import { post, rawPost, serve, type Served } from './serve-helpers.js';

const dir = tmp();
function save(name: string, m: Sequential): string {
  const p = join(dir, name);
  writeFileSync(p, m.toBytes());
  return p;
}
const lstmLast = sequential([lstm({ units: 8, bidirectional: true }), dense({ units: 3 })]).build({ inputSize: 4, seed: 1 });
const gruSeq = sequential([gru({ units: 6, numLayers: 2, returnSequences: true }), dense({ units: 2 })]).build({ inputSize: 3, seed: 2 });
const charModel = sequential([embedding({ numEmbeddings: 20, embeddingDim: 5 }), lstm({ units: 7, returnSequences: true }), dense({ units: 20 })]).build({ seed: 3 });

function rows(rng: Rng, b: number, t: number, f: number): number[][][] {
  return Array.from({ length: b }, () => Array.from({ length: t }, () => Array.from({ length: f }, () => rng.next() * 2 - 1)));
}

/** What `rnn predict` computes for X alone. */
function expected(model: Sequential, x: number[][][] | number[][], ids = false): Float32Array {
  return model.predict(tensor(x as number[][][], undefined, ids ? { dtype: 'int32' } : {})).data() as Float32Array;
}

describe('rnn serve: the contract', () => {
  let s: Served;
  beforeAll(async () => {
    s = await serve(save('lstm.safetensors', lstmLast), ['--max-delay-ms', '5']);
  }, 60_000);
  afterAll(async () => {
    expect(await s.stop()).toBe(0);
  });

  it('prints listening URL on loopback; /health is 200 once the model is loaded', async () => {
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await fetch(`${s.url}/health`);
    expect([r.status, await r.json()]).toEqual([200, { status: 'ok' }]);
  });

  it('POST /predict {"inputs": X} answers {"outputs": Y}, Y as rnn predict gives', async () => {
    const x = rows(new Rng(1), 3, 9, 4);
    const r = await post(s.url, { inputs: x });
    expect(r.status).toBe(200);
    const y = r.json.outputs as number[][];
    expect([y.length, y[0]!.length]).toEqual([3, 3]);
    expect(relError(y.flat(), expected(lstmLast, x))).toBeLessThan(1e-5);
  });

  it('64 concurrent requests of mixed lengths and batch sizes share forward passes, and each gets exactly its own rows', async () => {
    const rng = new Rng(2);
    const xs = Array.from({ length: 64 }, (_, i) => rows(rng, 1 + (i % 3), 2 + ((i * 5) % 13), 4));
    const answers = await Promise.all(xs.map((x) => post(s.url, { inputs: x })));
    answers.forEach((r, i) => {
      expect(r.status).toBe(200);
      expect(relError((r.json.outputs as number[][]).flat(), expected(lstmLast, xs[i]!)), `request ${i}`).toBeLessThan(1e-5);
    });
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    // some forward pass merged more than one request
    const one = Number(/^rnn_batch_requests_bucket\{le="1"\} (\d+)$/m.exec(metrics)![1]);
    const all = Number(/^rnn_batch_requests_count (\d+)$/m.exec(metrics)![1]);
    expect(all).toBeGreaterThan(one);
    expect(all).toBeLessThan(64 + 2);
  });

  it('GET /metrics is Prometheus text: requests by code, a latency histogram, batch sizes', async () => {
    const r = await fetch(`${s.url}/metrics`);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const t = await r.text();
    expect(t).toMatch(/^# TYPE rnn_requests_total counter$/m);
    expect(t).toMatch(/^rnn_requests_total\{path="\/predict",code="200"\} \d+$/m);
    expect(t).toMatch(/^# TYPE rnn_request_duration_seconds histogram$/m);
    expect(t).toMatch(/^rnn_request_duration_seconds_bucket\{le="\+Inf"\} \d+$/m);
    expect(t).toMatch(/^# TYPE rnn_batch_rows histogram$/m);
    expect(t).toMatch(/^rnn_queue_depth 0$/m);
  });

  it('bad input is a 400 with {"error": message}, and the server keeps serving', async () => {
    const cases: [string, string, RegExp][] = [
      ['malformed JSON', '{"inputs": [[[1, 2', /^request body is not valid JSON: /],
      ['not an object', '[[[1, 2, 3, 4]]]', /expected a JSON object \{"inputs": X\}/],
      ['no inputs', '{"x": 1}', /unknown key 'x'/],
      ['wrong feature count', '{"inputs": [[[1, 2, 3]]]}', /^inputs: expected 4 features per step \(shape \[batch, time, 4\]\), found shape \[1, 1, 3\]$/],
      ['wrong rank', '{"inputs": [1, 2, 3, 4]}', /expected shape \[batch, time, 4\], found \[4\]/],
      ['ragged', '{"inputs": [[[1, 2, 3, 4]], [[1, 2, 3]]]}', /ragged/],
      ['NaN as a string', '{"inputs": [[["NaN", 1, 2, 3]]]}', /expected a number, found/],
      ['bare NaN', '{"inputs": [[[NaN, 1, 2, 3]]]}', /not valid JSON/],
      ['a number that overflows', '{"inputs": [[[1e400, 1, 2, 3]]]}', /^inputs: at \[0\]\[0\]\[0\]: the number is too large to represent/],
      ['an empty batch', '{"inputs": []}', /^inputs: the array is empty \(shape \[0\]\)$/],
      ['100,000-deep nesting', `{"inputs": ${'['.repeat(100_000)}`, /^request body: nests deeper than 6 levels at character 16; expected/],
    ];
    for (const [what, body, message] of cases) {
      const r = await post(s.url, body);
      expect(r.status, what).toBe(400);
      expect(r.json.error, what).toMatch(message);
      expect(r.json.error, what).not.toMatch(/\n|    at /);
    }
    const ok = await post(s.url, { inputs: rows(new Rng(3), 1, 2, 4) });
    expect(ok.status).toBe(200);
  });

  it('a 100 MB body is refused with 413, declared or streamed, and the server keeps serving', async () => {
    // 100 chunks of 1 MiB, written as fast as the socket takes them
    const chunk = Buffer.alloc(1 << 20, 0x31);
    const upload = (headers: Record<string, string | number>) =>
      rawPost(s.url, headers, (req) => {
        let sent = 0;
        const pump = () => {
          while (sent < 100 && req.write(chunk)) sent++;
          if (sent < 100) req.once('drain', pump);
          else req.end();
        };
        req.on('error', () => {});
        pump();
      });
    const declared = await upload({ 'content-length': 100 * 2 ** 20, 'content-type': 'application/json' });
    expect(declared.status).toBe(413);
    const chunked = await upload({ 'transfer-encoding': 'chunked' });
    expect(chunked.status).toBe(413);
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    expect((await post(s.url, { inputs: rows(new Rng(4), 2, 3, 4) })).status).toBe(200);
  });

  it('wrong method 405, unknown path 404', async () => {
    expect((await fetch(`${s.url}/predict`)).status).toBe(405);
    expect((await fetch(`${s.url}/nope`)).status).toBe(404);
  });
});

describe('rnn serve: limits and stopping', () => {
  it('a slow client gets 408 after --request-timeout-ms; the others are served meanwhile', async () => {
    const s = await serve(save('gru.safetensors', gruSeq), ['--request-timeout-ms', '600']);
    try {
      const sock = connect(Number(new URL(s.url).port), '127.0.0.1');
      let reply = '';
      sock.on('data', (d) => (reply += d));
      const closed = new Promise<void>((r) => sock.on('close', () => r()));
      sock.write('POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"inputs": [[');
      // one byte every 200 ms: never finishes within the limit
      const drip = setInterval(() => sock.writable && sock.write(' '), 200);
      const x = rows(new Rng(5), 2, 4, 3);
      const meanwhile = await post(s.url, { inputs: x });
      expect(meanwhile.status).toBe(200);
      expect(relError((meanwhile.json.outputs as number[][][]).flat(2), expected(gruSeq, x))).toBeLessThan(1e-5);
      await closed;
      clearInterval(drip);
      expect(reply).toMatch(/^HTTP\/1\.1 408/);
      expect((await fetch(`${s.url}/health`)).status).toBe(200);
    } finally {
      expect(await s.stop()).toBe(0);
    }
  }, 30_000);

  it('token-id models: ids in, per-step outputs out; an id outside the vocabulary is a 400', async () => {
    const s = await serve(save('char.safetensors', charModel));
    try {
      const ids = [[1, 5, 19, 0], [3, 3, 2, 7]];
      const r = await post(s.url, { inputs: ids });
      expect(r.status).toBe(200);
      expect(relError((r.json.outputs as number[][][]).flat(2), expected(charModel, ids, true))).toBeLessThan(1e-5);
      const bad = await post(s.url, { inputs: [[1, 20]] });
      expect([bad.status, bad.json.error]).toEqual([400, 'inputs: token id 20 at flat index 1 is outside 0..19 (the embedding\'s size)']);
    } finally {
      await s.stop();
    }
  });

  it('/health answers while a long forward pass runs (inference is off the event loop); SIGTERM finishes it, then exits 0', async () => {
    const big = sequential([lstm({ units: 64, numLayers: 2 }), dense({ units: 1 })]).build({ inputSize: 4, seed: 4 });
    const s = await serve(save('big.safetensors', big), ['--max-body', String(50 * 2 ** 20)], { RNN_BACKEND: 'js' });
    const x = rows(new Rng(6), 4, 3000, 4);
    const t0 = performance.now();
    const long = post(s.url, { inputs: x }).then((r) => ({ ...r, ms: performance.now() - t0 }));
    await new Promise((r) => setTimeout(r, 300));
    const h0 = performance.now();
    const health = await fetch(`${s.url}/health`);
    const healthAt = performance.now() - t0;
    expect(health.status).toBe(200);
    expect(performance.now() - h0).toBeLessThan(1500); // generous: the machine may be busy; the order below is the real check
    const code = s.stop(); // SIGTERM while the long request is in flight
    const r = await long;
    expect(r.status).toBe(200);
    expect(healthAt).toBeLessThan(r.ms); // /health came back before the long pass finished
    expect(relError((r.json.outputs as number[][]).flat(), expected(big, x))).toBeLessThan(1e-4);
    expect(await code).toBe(0);
    expect(s.stderr()).toMatch(/SIGTERM: finishing requests in flight, then stopping\nrnn: serve: stopped\n$/);
  }, 60_000);

  it('a full queue answers 503 and the server recovers', async () => {
    const big = sequential([lstm({ units: 32 }), dense({ units: 1 })]).build({ inputSize: 4, seed: 5 });
    const s = await serve(save('q.safetensors', big), ['--max-queue', '2', '--max-batch', '1', '--max-delay-ms', '0'], { RNN_BACKEND: 'js' });
    try {
      const x = rows(new Rng(7), 1, 400, 4);
      const answers = await Promise.all(Array.from({ length: 12 }, () => post(s.url, { inputs: x })));
      const codes = answers.map((a) => a.status);
      expect(codes).toContain(503);
      expect(codes).toContain(200);
      expect(codes.every((c) => c === 200 || c === 503)).toBe(true);
      expect(answers.find((a) => a.status === 503)!.json.error).toMatch(/^server busy: 2 requests are queued \(the bound set by --max-queue\); retry later$/);
      expect((await post(s.url, { inputs: x })).status).toBe(200);
    } finally {
      await s.stop();
    }
  }, 60_000);

  it('--max-delay-ms holds a lone request for company; --timeout-ms answers 503 when a request takes longer', async () => {
    const m = save('delay.safetensors', lstmLast);
    const s = await serve(m, ['--max-delay-ms', '400', '--max-batch', '8']);
    try {
      expect((await post(s.url, { inputs: rows(new Rng(8), 1, 3, 4) })).status).toBe(200); // warm-up
      const t0 = performance.now();
      expect((await post(s.url, { inputs: rows(new Rng(8), 1, 3, 4) })).status).toBe(200);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(390);
    } finally {
      await s.stop();
    }
    const big = sequential([lstm({ units: 64 }), dense({ units: 1 })]).build({ inputSize: 4, seed: 6 });
    const slow = await serve(save('slow.safetensors', big), ['--timeout-ms', '50', '--max-body', String(20 * 2 ** 20)], { RNN_BACKEND: 'js' });
    try {
      const r = await post(slow.url, { inputs: rows(new Rng(9), 4, 2000, 4) });
      expect([r.status, r.json.error]).toEqual([503, 'the prediction took longer than 50 ms (--timeout-ms); retry later']);
      expect((await fetch(`${slow.url}/health`)).status).toBe(200);
    } finally {
      expect(await slow.stop()).toBe(0);
    }
  }, 60_000);

  it('flag mistakes: a missing --model exits 2, a port out of range exits 1, a port in use exits 1', async () => {
    const r1 = await run(['serve']);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/--model/);
    const model = save('flags.safetensors', lstmLast);
    const r2 = await run(['serve', '--model', model, '--port', '70000']);
    expect([r2.code, r2.stderr]).toEqual([1, 'rnn: --port must be at most 65535, found 70000\n']);
    const r3 = await run(['serve', '--model', join(dir, 'missing.safetensors')]);
    expect([r3.code, r3.stderr]).toEqual([1, `rnn: --model ${join(dir, 'missing.safetensors')}: no such file\n`]);
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    const r4 = await run(['serve', '--model', model, '--port', String(port)]);
    taken.close();
    expect([r4.code, r4.stderr]).toEqual([1, `rnn: --port ${port}: the address 127.0.0.1:${port} is in use; pick another port (0: any free one)\n`]);
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): never an address of this machine
    const r5 = await run(['serve', '--model', model, '--host', '192.0.2.1', '--port', '0']);
    expect([r5.code, r5.stderr]).toEqual([1, 'rnn: --host 192.0.2.1: not an address of this machine\n']);
  });
});
