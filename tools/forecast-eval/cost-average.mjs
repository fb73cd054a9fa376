#!/usr/bin/env node
// What issue 18's fifth part costs (docs/time-series-forecasting.md, "Seed 7 on UKDriverDeaths"): the
// default of Forecaster.fit (checkpoint averaging, members × windows ≥ 2,400) against the default before it
// (`averageEpochs: 0` and the members 1,200 windows gave), run.mjs's split, side by side and interleaved,
// CPU seconds of this process (wall in brackets), best of the repeats, the ratio and the CPU model.
//
//   node tools/forecast-eval/cost-average.mjs [--series ukdriverdeaths,airpassengers] [--repeats 1]
import { execSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolArgs } from '../lib/args.mjs';
import { SERIES, horizonOf, readSeries } from './series.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = toolArgs('node tools/forecast-eval/cost-average.mjs [--series a,b] [--repeats N]', {
  series: { type: 'string', default: 'ukdriverdeaths,airpassengers' },
  repeats: { type: 'string', default: '1' },
});
const repeats = args.number('repeats');
const { Forecaster, seriesData, AUTO_MAX_MEMBERS, DEFAULT_MEMBERS } = await import('@rnn/timeseries');
let cpu = 'unknown CPU';
try {
  cpu = execSync("lscpu | grep 'Model name'", { encoding: 'utf8' }).split(':')[1].trim();
} catch {}
console.log(`CPU: ${cpu}; node ${process.version}; seconds are CPU time of this process (user + system), wall in brackets, best of ${repeats}`);
console.log('| series | members before → now | before (best epoch, 1,200 windows) | now (averaging, 2,400 windows) | now / before |');
console.log('| --- | --- | --- | --- | --- |');
for (const name of args.values.series.split(',')) {
  const spec = SERIES.find((s) => s.name === name);
  if (!spec) args.fail(`unknown series '${name}'; the bundled ones are ${SERIES.map((s) => s.name).join(', ')}`);
  const input = readSeries(root, spec);
  const n = input.values.length;
  const H = horizonOf(seriesData(input).frequency);
  const base = { horizon: H, valSplit: Math.max(H, Math.round(0.2 * (n - H))), testSplit: H, seed: 0 };
  const plan = Forecaster.prepare(input, base);
  const before = { ...base, averageEpochs: 0, members: Math.min(AUTO_MAX_MEMBERS, Math.max(DEFAULT_MEMBERS, Math.ceil(1200 / plan.trainWindows))) };
  const best = { before: { cpu: Infinity }, now: { cpu: Infinity } };
  for (let r = 0; r < repeats; r++) {
    for (const [label, o] of [['before', before], ['now', base]]) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await Forecaster.fit(input, o);
      const c = process.cpuUsage(c0);
      const run = { cpu: (c.user + c.system) / 1e6, wall: (performance.now() - t0) / 1000 };
      if (run.cpu < best[label].cpu) best[label] = run;
      process.stderr.write(`cost-average: ${name}: ${label}: ${run.cpu.toFixed(2)} s CPU (${run.wall.toFixed(2)} s wall)\n`);
    }
  }
  const fmt = (t) => `${t.cpu.toFixed(2)} (${t.wall.toFixed(2)})`;
  console.log(`| ${name} | ${before.members} → ${plan.members} | ${fmt(best.before)} | ${fmt(best.now)} | ${(best.now.cpu / best.before.cpu).toFixed(2)} |`);
}
