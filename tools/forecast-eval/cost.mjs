#!/usr/bin/env node
// What the ensemble costs: Forecaster.fit with one network against the default ensemble, side by
// side in one run on the same series (M4 split: horizon, validation and test parts of H), with the
// ratio of the training times and the CPU they ran on. Run it on a quiet machine.
//
//   node tools/forecast-eval/cost.mjs [--series airpassengers,co2] [--members 10] [--repeats 1]
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
console.log(`CPU: ${cpu}; node ${process.version}`);
console.log(`| series | one network (s) | ensemble of ${K} (s) | ratio |`);
console.log('| --- | --- | --- | --- |');
for (const name of args.values.series.split(',')) {
  const spec = SERIES.find((s) => s.name === name);
  if (!spec) args.fail(`unknown series '${name}'`);
  const input = readSeries(root, spec);
  const H = horizonOf(seriesData(input).frequency);
  const time = async (members) => {
    let best = Infinity;
    for (let r = 0; r < repeats; r++) {
      const t0 = performance.now();
      await Forecaster.fit(input, { horizon: H, valSplit: H, testSplit: H, members });
      best = Math.min(best, (performance.now() - t0) / 1000);
      process.stderr.write(`cost: ${name}: members ${members}: ${best.toFixed(2)} s\n`);
    }
    return { seconds: best };
  };
  const one = await time(1);
  const all = await time(K);
  console.log(`| ${name} | ${one.seconds.toFixed(2)} | ${all.seconds.toFixed(2)} | ${(all.seconds / one.seconds).toFixed(1)} |`);
}
