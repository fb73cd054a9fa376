// scratch: time E train/beam in-process (native, 1 thread)
import * as core from '@rnn/core';
import * as L from '@rnn/layers';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
await core.ready();
const backend = core.setBackend(process.env.B ?? 'native');
const [modelPath, mode, n = '8'] = process.argv.slice(2);
const lines = gunzipSync(readFileSync('data/cmudict/train.tsv.gz')).toString('utf8').split('\n').filter(Boolean).map((l) => l.split('\t'));
const pairs = lines.map(([s, t]) => ({ source: [...s], target: t.split(' ') }));
const model = L.loadSeq2Seq(modelPath, { backend });
let step;
if (mode === 'beam') {
  const sources = pairs.slice(0, 64).map((p) => model.sourceVocab.encode(p.source));
  step = () => model.decode(sources, { beam: 5, maxLength: 20, batchSize: 64 });
} else {
  const batch = model.encodePairs(pairs.slice(0, 64));
  const trainer = new L.Trainer(model, { optimizer: L.getOptimizer({ type: 'adam', lr: 1e-3 }), batchSize: 64, checkNumerics: 'off' });
  const ctx = { rng: new core.Rng(1), where: 'bench', metric() {} };
  step = () => trainer.step(batch, ctx);
}
for (let i = 0; i < 3; i++) await step();
const cpu = [], wall = [];
for (let i = 0; i < +n; i++) {
  const c0 = process.cpuUsage(); const t0 = performance.now();
  await step();
  wall.push(performance.now() - t0); const c = process.cpuUsage(c0); cpu.push((c.user + c.system) / 1000);
}
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1].toFixed(1);
console.log(`${mode}: wall ${med(wall)} ms, cpu ${med(cpu)} ms (min cpu ${Math.min(...cpu).toFixed(1)})`);
