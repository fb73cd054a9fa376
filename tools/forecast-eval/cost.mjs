#!/usr/bin/env node
// What the ensemble and the recipe choice cost: Forecaster.fit with one network, the ensemble with
// the recipe fixed (the one the default chose) and the default (the choice, then the ensemble),
// side by side in one run on the same series (M4 split: horizon, validation and test parts of H),
// CPU seconds of this process (wall in brackets), the ratios and the CPU model. Run it on a quiet
// machine; the CPU seconds mean something on a busy one too.
//
//   node tools/forecast-eval/cost.mjs [--series airpassengers,co2] [--members 10] [--repeats 1]
// The batched column trains members 1..K−1 in one block-diagonal pass per window length (batchMembers).
import { execSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolArgs } from '../lib/args.mjs';
import { SERIES, horizonOf, readSeries } from './series.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = toolArgs('node tools/forecast-eval/cost.mjs [--series a,b] [--members K] [--repeats N]', {
  series: { type: 'string', default: 'airpassengers,co2' },
  members: { type: 'string', default: '10' },
  repeats: { type: 'string', default: '1' },
});
const K = args.number('members');
const repeats = args.number('repeats');
const { Forecaster, seriesData } = await import('@rnn/timeseries');
let cpu = 'unknown CPU';
try {
  cpu = execSync("lscpu | grep 'Model name'", { encoding: 'utf8' }).split(':')[1].trim();
} catch {}
console.log(`CPU: ${cpu}; node ${process.version}; seconds are CPU time of this process (user + system), wall in brackets`);
console.log(`| series | recipe chosen | one network | ensemble of ${K}, recipe fixed | the same, batched passes | ensemble of ${K} with the choice (the default) | ensemble / one | one by one / batched | choice / fixed |`);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
for (const name of args.values.series.split(',')) {
  const spec = SERIES.find((s) => s.name === name);
  if (!spec) args.fail(`unknown series '${name}'`);
  const input = readSeries(root, spec);
  const H = horizonOf(seriesData(input).frequency);
  let f;
  const time = async (label, options) => {
    let best = { cpu: Infinity, wall: Infinity };
    for (let r = 0; r < repeats; r++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      f = await Forecaster.fit(input, { horizon: H, valSplit: H, testSplit: H, ...options });
      const c = process.cpuUsage(c0);
      const run = { cpu: (c.user + c.system) / 1e6, wall: (performance.now() - t0) / 1000 };
      if (run.cpu < best.cpu) best = run;
      process.stderr.write(`cost: ${name}: ${label}: ${run.cpu.toFixed(2)} s CPU (${run.wall.toFixed(2)} s wall)\n`);
    }
    return best;
  };
  // the default first: it says which recipe the fixed runs train
  const choice = await time('default', { members: K });
  const recipe = { transform: f.meta.transform, strategy: f.meta.strategy ?? 'direct' };
  const one = await time('one network', { members: 1, ...recipe });
  const fixed = await time('fixed recipe', { members: K, ...recipe });
  // members 1..K−1 of one window length as one block-diagonal network (batched.ts)
  const batched = await time('fixed recipe, batched', { members: K, ...recipe, batchMembers: true });
  const fmt = (t) => `${t.cpu.toFixed(2)} (${t.wall.toFixed(2)})`;
  console.log(`| ${name} | ${recipe.transform}/${recipe.strategy} | ${fmt(one)} | ${fmt(fixed)} | ${fmt(batched)} | ${fmt(choice)} | ${(fixed.cpu / one.cpu).toFixed(1)} | ${(fixed.cpu / batched.cpu).toFixed(2)} | ${(choice.cpu / fixed.cpu).toFixed(2)} |`);
}
