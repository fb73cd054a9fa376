import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { RnnError } from '@rnn/core';
import { Conv1d, type Sequential } from '@rnn/layers';
import { inputArray } from '../model-io.js';
import { parseBody } from './body.js';
import { fastBody } from './fast-body.js';
import { outputsJson } from './reply.js';
import { Batcher, QueueFullError, type Answer } from './batcher.js';
import type { Engine } from './engine.js';
import { ServeMetrics } from './metrics.js';

export interface ServeOptions {
  host: string;
  port: number;
  maxBatch: number;
  maxDelayMs: number;
  maxQueue: number;
  /** Largest request body, bytes (413 above). */
  maxBody: number;
  /** Time a client has to send its whole request (408 after). */
  requestTimeoutMs: number;
  /** Time a /predict request may take once received, queue and forward pass together (503 after). */
  timeoutMs: number;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** A JSON text already written (the /predict answer), told apart from a value to stringify. */
class JsonText {
  constructor(readonly text: string) {}
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = typeof body === 'string' ? body : body instanceof JsonText ? body.text : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain; version=0.0.4; charset=utf-8' : 'application/json',
    'content-length': String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/** The request body; a 413 as soon as it is known to be over `limit` bytes. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) {
    return Promise.reject(new HttpError(413, `request body is ${declared} bytes, over the limit of ${limit} (--max-body)`));
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        // keep reading, discarding: the client is still uploading, and it must be able to read the 413
        req.removeAllListeners('data');
        req.resume();
        reject(new HttpError(413, `request body is over the limit of ${limit} bytes (--max-body)`));
      } else chunks.push(c);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.on('error', reject);
    req.on('aborted', () => reject(new HttpError(400, 'the client closed the connection before sending the whole body')));
  });
}

/**
 * The model's input from a `{"inputs": X}` body, checked exactly as `rnn predict --input` checks
 * its file (so the same mistakes get the same messages). The usual body takes the byte-level fast
 * path; any other, and every bad one, the JSON.parse path that words the errors.
 */
function parseInputs(model: Sequential, body: Buffer): { data: Float32Array | Int32Array; rows: number; time: number; features: number; flat: boolean } {
  const a = fastBody(body) ?? parseBody(body.toString('utf8'));
  const x = inputArray(model, { ...a, source: 'inputs' });
  const ids = x.data instanceof Int32Array;
  const rank = x.shape.length;
  const flat = rank === 2 && !ids;
  return {
    data: x.data,
    rows: x.shape[0]!,
    time: flat ? 1 : x.shape[1]!,
    features: ids ? 0 : x.shape[rank - 1]!,
    flat,
  };
}

/** A running `rnn serve`: its address, and a graceful stop that finishes requests in flight. */
export interface Serving {
  url: string;
  server: Server;
  metrics: ServeMetrics;
  stop(graceMs?: number): Promise<void>;
}

export async function startServer(model: Sequential, engine: Engine, o: ServeOptions): Promise<Serving> {
  const metrics = new ServeMetrics();
  const batcher = new Batcher({
    maxBatch: o.maxBatch,
    maxDelayMs: o.maxDelayMs,
    maxQueue: o.maxQueue,
    // conv1d may change the length, and reads padding as data: merge only equal lengths then
    mixLengths: !model.layers.some((l) => l instanceof Conv1d),
    run: (d, s, l) => engine.run(d, s, l),
    metrics,
  });
  let draining = false;

  // one label object per (path, status), so the counter finds its row without re-serialising labels
  const labelSets = new Map<string, Record<string, string>>();
  const answer = (res: ServerResponse, path: string, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const key = `${status} ${path}`;
    let l = labelSets.get(key);
    if (!l) labelSets.set(key, (l = { path, code: String(status) }));
    metrics.requests.inc(l);
    send(res, status, body, draining ? { ...headers, connection: 'close' } : headers);
  };

  async function predict(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = performance.now();
    metrics.inFlight.value++;
    let timer: NodeJS.Timeout | undefined;
    try {
      const body = await readBody(req, o.maxBody);
      const x = parseInputs(model, body);
      // one promise settled by whichever comes first, the answer or the timeout (no Promise.race:
      // this runs for every request)
      const y = await new Promise<Answer>((resolve, reject) => {
        timer = setTimeout(() => reject(new HttpError(503, `the prediction took longer than ${o.timeoutMs} ms (--timeout-ms); retry later`)), o.timeoutMs);
        batcher.submit(x).then(resolve, reject);
      });
      const shape = x.flat ? [y.shape[0]!, y.shape[y.shape.length - 1]!] : y.shape;
      answer(res, '/predict', 200, new JsonText(outputsJson(y.data, shape)));
    } catch (err) {
      const e = err as Error;
      if (err instanceof HttpError) {
        answer(res, '/predict', err.status, { error: e.message }, err.status === 503 ? { 'retry-after': '1' } : {});
        // a "lingering close" (as nginx does): the rest of an oversized upload is read and dropped for
        // up to 2 s after the answer, then the connection goes. Not `connection: close`: Node would
        // destroy the socket as soon as the answer is written, the upload still arriving would draw a
        // reset, and the reset makes the client's kernel drop the 413 it had not read yet.
        if (err.status === 413) {
          req.resume();
          res.once('finish', () => {
            const linger = setTimeout(() => req.destroy(), 2000).unref();
            req.once('end', () => clearTimeout(linger));
          });
        }
      } else if (err instanceof QueueFullError) answer(res, '/predict', 503, { error: e.message }, { 'retry-after': '1' });
      else if (err instanceof RnnError && err.code !== 'E_INFERENCE') answer(res, '/predict', 400, { error: e.message });
      else {
        process.stderr.write(`rnn: serve: internal error: ${e.message}\n`);
        answer(res, '/predict', 500, { error: `internal error: ${e.message}` });
      }
    } finally {
      clearTimeout(timer);
      metrics.inFlight.value--;
      metrics.latency.observe((performance.now() - t0) / 1000);
    }
  }

  const server = createServer(
    {
      requestTimeout: o.requestTimeoutMs,
      headersTimeout: Math.min(o.requestTimeoutMs, 60_000),
      // how often Node checks the two timeouts above (its default, 30 s, would let a slow client linger)
      connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(o.requestTimeoutMs / 4))),
    },
    (req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      if (path === '/predict') {
        if (req.method !== 'POST') return answer(res, path, 405, { error: 'use POST /predict with a JSON body {"inputs": X}' }, { allow: 'POST' });
        if (draining) return answer(res, path, 503, { error: 'the server is stopping' });
        void predict(req, res);
        return;
      }
      if (path === '/health' || path === '/metrics') {
        if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, path, 405, { error: `use GET ${path}` }, { allow: 'GET' });
        if (path === '/metrics') return answer(res, path, 200, metrics.text());
        return draining ? answer(res, path, 503, { status: 'stopping' }) : answer(res, path, 200, { status: 'ok' });
      }
      answer(res, path, 404, { error: `no such path ${path}; the endpoints are POST /predict, GET /health, GET /metrics` });
    },
  );
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as { address: string; port: number };
  const host = addr.address.includes(':') ? `[${addr.address}]` : addr.address;

  let stopping: Promise<void> | null = null;
  return {
    url: `http://${host}:${addr.port}`,
    server,
    metrics,
    stop(graceMs = 30_000) {
      stopping ??= (async () => {
        draining = true;
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        // every request already received gets its answer; then idle keep-alive sockets go
        const grace = new Promise<void>((r) => setTimeout(r, graceMs).unref());
        await Promise.race([(async () => {
          while (metrics.inFlight.value > 0 || batcher.depth > 0) {
            await batcher.drained();
            await new Promise((r) => setTimeout(r, 10));
          }
        })(), grace]);
        server.closeIdleConnections();
        await Promise.race([closed, grace]);
        server.closeAllConnections();
        await engine.stop();
      })();
      return stopping;
    },
  };
}
