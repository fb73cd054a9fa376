#!/usr/bin/env node
/**
 * A small prediction server for load and memory testing: loads a model file and answers
 * `POST /predict` with the model's output. Loopback only (127.0.0.1), a random port unless --port.
 *
 *   node [--expose-gc] tools/load/server.mjs --model M.safetensors [--port 0] [--max-body 1048576]
 *
 * Request body: a JSON array, batch-first ([batch, time, features], or [batch, time] token ids).
 * Response: {"shape": [...], "output": nested arrays}. Bad input is a 400 with {"error": message}
 * (the library's message), a body over --max-body a 413; the server keeps running either way.
 * `GET /stats` gives the process's memory (after a GC when run with --expose-gc); `GET /health`.
 * Prints `listening http://127.0.0.1:PORT` when ready. Uses the built packages (dist).
 */
import { createServer } from 'node:http';
import * as core from '@rnn/core';
import { Embedding, Sequential } from '@rnn/layers';
import { toolArgs } from '../lib/args.mjs';

const args = toolArgs('node [--expose-gc] tools/load/server.mjs --model M.safetensors [--port 0] [--max-body 1048576]', {
  model: { type: 'string' },
  port: { type: 'string', default: '0' },
  'max-body': { type: 'string', default: String(1 << 20) },
});
const modelPath = args.values.model;
if (!modelPath) args.fail('--model M.safetensors is required');
const maxBody = args.number('max-body');
await core.ready();
core.setBackend(process.env.RNN_BACKEND ?? 'js');
const model = await Sequential.load(modelPath);
const first = model.layers[0];
const stats = { requests: 0, ok: 0, badRequest: 0, tooLarge: 0, serverError: 0 };

/** The request body as text, or null when it is over the limit (the connection is then closed). */
function readBody(req, res) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > maxBody) {
        stats.tooLarge++;
        send(res, 413, { error: `request body over ${maxBody} bytes` }, true);
        req.destroy();
        resolve(null);
      } else chunks.push(c);
    });
    req.on('end', () => resolve(size > maxBody ? null : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function send(res, status, body, close = false) {
  if (res.headersSent) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...(close ? { connection: 'close' } : {}) });
  res.end(text);
}

function predict(text) {
  const { shape, data } = core.parseJsonArray(text, 'request body');
  let x;
  if (first instanceof Embedding) {
    if (shape.length !== 2) throw new core.ShapeError(`request body: expected token ids [batch, time], found shape [${shape}]`);
    for (const v of data) {
      if (!Number.isInteger(v) || v < 0 || v >= first.numEmbeddings) throw new core.ValueError(`request body: token id ${v} is outside 0..${first.numEmbeddings - 1}`);
    }
    x = core.tensor(Int32Array.from(data), shape, { dtype: 'int32' });
  } else {
    if (shape.length !== 3 || shape[2] !== model.inputSize || shape[0] === 0 || shape[1] === 0) {
      throw new core.ShapeError(`request body: expected shape [batch, time, ${model.inputSize}] with batch, time >= 1, found [${shape}]`);
    }
    x = core.tensor(Float32Array.from(data), shape);
  }
  // tidy: free every intermediate now rather than when the GC gets to it
  return core.tidy(() => {
    const y = model.predict(x);
    return { shape: y.shape, output: core.io.toNestedArray(y.data(), y.shape) };
  });
}

const server = createServer(async (req, res) => {
  stats.requests++;
  try {
    if (req.url === '/health' && req.method === 'GET') return send(res, 200, { ok: true });
    if (req.url === '/stats' && req.method === 'GET') {
      globalThis.gc?.();
      return send(res, 200, { ...stats, ...process.memoryUsage() });
    }
    if (req.url !== '/predict') return send(res, 404, { error: `no such path ${req.url}; use POST /predict` });
    if (req.method !== 'POST') return send(res, 405, { error: 'use POST /predict' });
    const text = await readBody(req, res);
    if (text === null) return;
    const out = predict(text);
    stats.ok++;
    send(res, 200, out);
  } catch (err) {
    if (err instanceof core.RnnError) {
      stats.badRequest++;
      send(res, 400, { error: err.message });
    } else {
      stats.serverError++;
      console.error(`server: internal error: ${err?.stack ?? err}`);
      send(res, 500, { error: 'internal error' });
    }
  }
});
server.requestTimeout = 10_000;
server.headersTimeout = 5_000;
server.listen(args.number('port'), '127.0.0.1', () => {
  console.log(`listening http://127.0.0.1:${server.address().port}`);
});
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
