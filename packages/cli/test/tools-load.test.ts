// The load client of tools/load/serve-bench.mjs (tools/load/raw-client.mjs): every request is sent
// and answered once, answers split across reads or sharing one read are parsed, and a bad answer
// or a dropped connection counts as a failure rather than passing unseen.
import { createServer, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { closedLoop, requestBytes } from '../../../tools/load/raw-client.mjs';

let server: Server | null = null;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A server answering {"echo": n} for body {"n": n}, with `misbehave(n, res)` to break some answers. */
async function start(misbehave: (n: number, res: import('node:http').ServerResponse) => boolean = () => false): Promise<string> {
  server = createServer((req, res) => {
    let text = '';
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      const n = JSON.parse(text).n as number;
      if (misbehave(n, res)) return;
      const out = JSON.stringify({ echo: n, pad: 'x'.repeat(n * 50) }); // answers of many sizes
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) });
      res.end(out);
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server!.address() as { port: number }).port}`;
}

describe('tools/load/raw-client.mjs', () => {
  it('sends every request once on keep-alive sockets and hands each answer to check', async () => {
    const url = await start();
    const payloads = Array.from({ length: 7 }, (_, n) => requestBytes(url, '/predict', JSON.stringify({ n })));
    const seen: number[] = [];
    const r = await closedLoop({
      url,
      payloads,
      requests: 500,
      concurrency: 16,
      check(i, status, body) {
        expect(status).toBe(200);
        expect(JSON.parse(body).echo).toBe(i % 7);
        seen.push(i);
      },
    });
    expect(r.failures).toBe(0);
    expect(r.latencies).toHaveLength(500);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i));
  });

  it('counts a wrong status, a check that throws and a dropped connection as failures, and carries on', async () => {
    const url = await start((n, res) => {
      if (n === 1) {
        res.writeHead(503, { 'content-length': '2', connection: 'close' });
        res.end('{}');
        return true;
      }
      if (n === 2) {
        res.socket?.destroy();
        return true;
      }
      return false;
    });
    const payloads = Array.from({ length: 4 }, (_, n) => requestBytes(url, '/predict', JSON.stringify({ n })));
    const r = await closedLoop({
      url,
      payloads,
      requests: 40,
      concurrency: 4,
      check(i, status) {
        if (status !== 200) throw new Error(`status ${status}`);
        if (i % 4 === 3) throw new Error('wrong answer');
      },
    });
    expect(r.failures).toBe(30); // n = 1, 2, 3 of each 4
    expect(r.latencies).toHaveLength(40);
    expect(r.firstFailure).toMatch(/request \d+: (status 503|the server closed the connection before answering|wrong answer)/);
  });
});
