#!/usr/bin/env node
/**
 * A minimal onnxruntime-node HTTP server with `rnn serve`'s API, for comparison in
 * tools/load/serve-bench.mjs: one InferenceSession, each request run as it comes (no batching,
 * no limits beyond a body cap). `POST /predict` {"inputs": X} → {"outputs": Y}; `GET /health`.
 *
 *   node tools/load/ort-server.mjs --onnx M.onnx [--port 0]
 *
 * Prints `listening http://127.0.0.1:PORT` when ready. onnxruntime-node is a devDependency of
 * @rnn/cli (install with ONNXRUNTIME_NODE_INSTALL=skip).
 */
import { createRequire } from 'node:module';
import { createServer } from 'node:http';
import { toolArgs } from '../lib/args.mjs';

const args = toolArgs('node tools/load/ort-server.mjs --onnx M.onnx [--port 0]', { onnx: { type: 'string' }, port: { type: 'string', default: '0' } });
if (!args.values.onnx) args.fail('--onnx M.onnx is required');
const ort = createRequire(new URL('../../packages/cli/package.json', import.meta.url))('onnxruntime-node');
const session = await ort.InferenceSession.create(args.values.onnx);
const MAX_BODY = 1 << 20;

function send(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function nest(data, dims) {
  if (dims.length === 1) return Array.from(data);
  const step = data.length / dims[0];
  return Array.from({ length: dims[0] }, (_, i) => nest(data.subarray(i * step, (i + 1) * step), dims.slice(1)));
}

const server = createServer((req, res) => {
  if (req.url === '/health') return send(res, 200, { status: 'ok' });
  if (req.url !== '/predict' || req.method !== 'POST') return send(res, 404, { error: 'POST /predict' });
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size > MAX_BODY) req.destroy();
    else chunks.push(c);
  });
  req.on('end', async () => {
    try {
      const x = JSON.parse(Buffer.concat(chunks).toString('utf8')).inputs;
      const dims = [x.length, x[0].length, x[0][0].length];
      const flat = Float32Array.from(x.flat(2));
      if (flat.length !== dims[0] * dims[1] * dims[2] || flat.some((v) => !Number.isFinite(v))) return send(res, 400, { error: 'inputs: expected a rectangular [batch, time, features] array of numbers' });
      const out = await session.run({ x: new ort.Tensor('float32', flat, dims) });
      send(res, 200, { outputs: nest(out.y.data, out.y.dims) });
    } catch (e) {
      send(res, 400, { error: String(e.message) });
    }
  });
});
server.listen(args.number('port'), '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
