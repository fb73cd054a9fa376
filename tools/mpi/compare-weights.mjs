#!/usr/bin/env node
// Compares two safetensors model files tensor by tensor: the relative error ‖a − b‖₂ / ‖b‖₂ of
// each, and the largest. Exit 1 when a tensor is missing or the largest error is above --tol
// (default 1e-5), so a test or script can use it as the check "these weights are the same".
//
//   node tools/mpi/compare-weights.mjs A.safetensors B.safetensors [--tol 1e-5] [--json]
import { readFileSync } from 'node:fs';
import { parseSafetensors } from '@rnn/core';
import { toolArgs } from '../lib/args.mjs';

const args = toolArgs('node tools/mpi/compare-weights.mjs A.safetensors B.safetensors [--tol 1e-5] [--json]', {
  tol: { type: 'string', default: '1e-5' },
  json: { type: 'boolean', default: false },
}, { positionals: true });
const tol = args.number('tol');
const [pa, pb, extra] = args.positionals;
if (!pa || !pb || extra !== undefined) args.fail('give exactly two model files, A and B');

/** The float tensors of a model file by name (integer tensors as null: compared by presence only). */
function read(path) {
  const out = new Map();
  for (const [name, t] of parseSafetensors(new Uint8Array(readFileSync(path)), path).tensors) {
    out.set(name, t.data instanceof Float32Array || t.data instanceof Float64Array ? t.data : null);
  }
  return out;
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
if (args.values.json) console.log(JSON.stringify({ maxRelError: worst, tensor: worstName, tensors: B.size }));
else console.log(`max relative error ${worst.toExponential(2)} (${worstName}, ${B.size} tensors)`);
process.exit(worst <= tol ? 0 : 1);
