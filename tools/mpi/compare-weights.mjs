#!/usr/bin/env node
// Compares two safetensors model files tensor by tensor: the relative error ‖a − b‖₂ / ‖b‖₂ of
// each, and the largest. Exit 1 when a tensor is missing or the largest error is above --tol
// (default 1e-5), so a test or script can use it as the check "these weights are the same".
//
//   node tools/mpi/compare-weights.mjs A.safetensors B.safetensors [--tol 1e-5] [--json]
import { readFileSync } from 'node:fs';

function read(path) {
  const buf = readFileSync(path);
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString('utf8'));
  const out = new Map();
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [a, b] = t.data_offsets;
    const bytes = buf.subarray(8 + n + a, 8 + n + b);
    const copy = new Uint8Array(bytes);
    out.set(name, t.dtype === 'F64' ? new Float64Array(copy.buffer) : t.dtype === 'F32' ? new Float32Array(copy.buffer) : null);
  }
  return out;
}

const args = process.argv.slice(2);
const tolAt = args.indexOf('--tol');
const tol = tolAt >= 0 ? Number(args[tolAt + 1]) : 1e-5;
const [pa, pb] = args.filter((a, i) => !a.startsWith('--') && (tolAt < 0 || i !== tolAt + 1));
if (!pa || !pb) {
  console.error('usage: compare-weights.mjs A.safetensors B.safetensors [--tol 1e-5] [--json]');
  process.exit(2);
}
const A = read(pa);
const B = read(pb);
let worst = 0;
let worstName = '';
for (const [name, b] of B) {
  const a = A.get(name);
  if (!a || !b || a.length !== b.length) {
    console.error(`compare-weights: ${name} is missing or differs in size in ${pa}`);
    process.exit(1);
  }
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    d += (a[i] - b[i]) ** 2;
    s += b[i] ** 2;
  }
  const rel = Math.sqrt(d) / Math.max(Math.sqrt(s), 1e-30);
  if (rel > worst || worstName === '') [worst, worstName] = [rel, name];
}
if (args.includes('--json')) console.log(JSON.stringify({ maxRelError: worst, tensor: worstName, tensors: B.size }));
else console.log(`max relative error ${worst.toExponential(2)} (${worstName}, ${B.size} tensors)`);
process.exit(worst <= tol ? 0 : 1);
