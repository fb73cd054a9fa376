// Load on the prediction server (tools/load/server.mjs, built packages): 1,000 predict requests,
// 16 in flight, from this process; every answer checked, the server's memory sampled after a GC.
// Hostile requests first: each gets a 4xx and the server keeps serving. The long run is
// `node tools/load/client.mjs --requests 100000`.
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dense, lstm, sequential } from '@rnn/layers';
import { fireLoad, hostile, startServer } from '../../../tools/load/client.mjs';
import { tmp } from './helpers.js';

const built = existsSync(new URL('../../layers/dist/index.js', import.meta.url));
const FEATURES = 4;

describe.skipIf(!built)('prediction server under load', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    const path = join(tmp(), 'model.safetensors');
    const m = sequential([lstm({ units: 32, returnSequences: false }), dense({ units: 3 })]).build({ inputSize: FEATURES, seed: 1 });
    writeFileSync(path, m.toBytes());
    server = await startServer(path);
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('refuses hostile requests with 4xx and keeps serving', async () => {
    for (const r of await hostile(server.url)) expect(r.status, r.what).toBe(r.expected);
  }, 30_000);

  it('answers 1,000 requests, 16 at a time, without errors or memory growth', async () => {
    await fireLoad({ url: server.url, requests: 100, concurrency: 16, features: FEATURES, deadlineMs: 30_000 }); // warm-up
    const r = await fireLoad({ url: server.url, requests: 1000, concurrency: 16, features: FEATURES, outputWidth: 3, deadlineMs: 45_000 });
    console.log(
      `load: ${r.requests} requests in ${r.seconds.toFixed(1)} s (${r.perSecond.toFixed(0)}/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms); ` +
        `server RSS ${r.rssStartMB.toFixed(1)} → ${r.rssEndMB.toFixed(1)} MB, slope ${r.rssSlopeKBPer1000.toFixed(0)} KB per 1,000 requests; ` +
        `JS heap after GC ${r.heapStartMB.toFixed(1)} → ${r.heapEndMB.toFixed(1)} MB`,
    );
    expect(r.requests).toBe(1000);
    expect(r.heapEndMB - r.heapStartMB).toBeLessThan(8); // live objects: a leak would grow this
    expect(r.rssMaxMB - r.rssStartMB).toBeLessThan(96); // allocator growth while warming up is allowed
    expect(server.stderr()).toBe('');
  }, 60_000);
});
