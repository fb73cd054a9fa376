#!/usr/bin/env node
// Memory check: N training steps of a small LSTM model on one backend, sampling RSS; prints the
// RSS at checkpoints and the least-squares slope over the second half (bytes per 1,000 steps).
//   node --expose-gc tools/memory/rss.mjs [--steps 10000] [--backend js|native]
import * as core from '@rnn/core';
import { dense, lstm, sequential } from '@rnn/layers';
import { toolArgs } from '../lib/args.mjs';

const args = toolArgs('node --expose-gc tools/memory/rss.mjs [--steps 10000] [--backend js|native]', {
  steps: { type: 'string', default: '10000' },
  backend: { type: 'string', default: process.env.RNN_BACKEND ?? 'js' },
});
const steps = args.number('steps');
await core.ready();
const backend = core.setBackend(args.values.backend);
const rng = new core.Rng(3);
const [B, T, F] = [16, 20, 4];
const x = core.randUniform([B, T, F], -1, 1, { rng });
const y = core.randUniform([B, 1], -1, 1, { rng });
const model = sequential([lstm({ units: 32 }), dense({ units: 1 })]).build({ inputSize: F });
model.compile({ optimizer: 'adam', loss: 'mse' });
const { trainStep } = await import('@rnn/layers');
const samples = [];
const t0 = performance.now();
for (let s = 1; s <= steps; s++) {
  trainStep(model, model.training, x, y, { rng, lengths: null, where: `step ${s}`, check: true });
  if (s % Math.max(1, Math.floor(steps / 50)) === 0) {
    globalThis.gc?.();
    samples.push([s, process.memoryUsage().rss]);
  }
}
const half = samples.slice(Math.floor(samples.length / 2));
const mx = half.reduce((a, [s]) => a + s, 0) / half.length;
const my = half.reduce((a, [, r]) => a + r, 0) / half.length;
const slope = half.reduce((a, [s, r]) => a + (s - mx) * (r - my), 0) / half.reduce((a, [s]) => a + (s - mx) ** 2, 0);
const mb = (b) => (b / 2 ** 20).toFixed(1);
console.log(`backend ${backend.name}: ${steps} train steps in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
console.log(`rss at steps ${samples.map(([s, r]) => `${s}:${mb(r)}MB`).filter((_, i) => i % 10 === 9 || i === 0).join(' ')}`);
console.log(`rss slope over the second half: ${(slope * 1000 / 1024).toFixed(1)} KB per 1,000 steps`);
