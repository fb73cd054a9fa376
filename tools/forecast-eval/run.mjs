#!/usr/bin/env node
// The M4-style evaluation of the forecasters on every bundled series: the last H points held out,
// one fit on the rest, one H-step forecast from the end of it, MASE scaled by the in-sample
// seasonal-naive MAE (lag m = the calendar's season, as M4), and the scaled interval score MSIS of
// the 80 % intervals with their coverage. Classical baselines (naive, seasonal naive, SES and the
// M4 Theta benchmark) next to the network, which is trained with each of several seeds.
// Budgets are epochs, not minutes, so the figures do not depend on the machine's speed.
//
//   node tools/forecast-eval/run.mjs [--series airpassengers,co2] [--seeds 0,1,2] [--members K]
//        [--options '{"members":1,"warmup":0}'] [--json out.json] [--markdown out.md]
//   node tools/forecast-eval/run.mjs --merge a.json,b.json [--only-seeds 0,1,2] [--markdown out.md]   (the table of split runs; --only-seeds: those seeds' columns)
//
// The network's settings are Forecaster.fit's defaults with horizon H and validation part H (the
// H steps before the test part pick the best epoch, as `rnn train --csv --horizon H --val-split H
// --test-split H`). Progress on stderr; the markdown table on stdout.
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { toolArgs } from '../lib/args.mjs';
import { fitOptions, seedList } from './args.mjs';
import { SERIES, readSeries, horizonOf } from './series.mjs';
import { evaluateSeries } from './methods.mjs';
import { markdown } from './table.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const args = toolArgs('node tools/forecast-eval/run.mjs [--series a,b] [--seeds 0,1,2] [--members K] [--options JSON] [--json out.json] [--markdown out.md] | --merge a.json,b.json [--only-seeds 0,1,2] [--markdown out.md]', {
  series: { type: 'string' },
  seeds: { type: 'string', default: '0,1,2' },
  members: { type: 'string' },
  options: { type: 'string' },
  merge: { type: 'string' },
  'only-seeds': { type: 'string' },
  json: { type: 'string' },
  markdown: { type: 'string' },
});
const names = args.values.series ? args.values.series.split(',') : SERIES.map((s) => s.name);
const unknown = names.find((n) => !SERIES.some((s) => s.name === n));
if (unknown) args.fail(`unknown series '${unknown}'; the bundled ones are ${SERIES.map((s) => s.name).join(', ')}`);
const seeds = seedList(args);
const members = args.values.members === undefined ? undefined : args.number('members');
const options = fitOptions(args);

const { seriesData, SEASON } = await import('@rnn/timeseries');
const results = [];
// --merge: the table of runs split by series (each under the 5-minute mark), no training
if (args.values.merge) for (const f of args.values.merge.split(',')) results.push(...JSON.parse(readFileSync(f, 'utf8')));
if (args.values['only-seeds'] !== undefined) {
  if (!args.values.merge) args.fail('--only-seeds picks seeds of the runs --merge reads; give --merge too');
  const keep = args.values['only-seeds'].split(',').map(Number);
  if (keep.some((k) => !Number.isInteger(k))) args.fail(`--only-seeds takes integers separated by commas, found '${args.values['only-seeds']}'`);
  for (const r of results) {
    const missing = keep.find((k) => !r.network.some((x) => x.seed === k));
    if (missing !== undefined) args.fail(`--only-seeds: the run of ${r.name} has no seed ${missing} (it has ${r.network.map((x) => x.seed).join(', ')})`);
    r.network = keep.map((k) => r.network.find((x) => x.seed === k));
  }
}
for (const name of args.values.merge ? [] : names) {
  const spec = SERIES.find((s) => s.name === name);
  const input = readSeries(root, spec);
  const freq = seriesData(input).frequency;
  const r = await evaluateSeries(name, input, { horizon: horizonOf(freq), season: SEASON[freq], seeds, members, options, log: (m) => process.stderr.write(`forecast-eval: ${name}: ${m}\n`) });
  results.push(r);
}
const write = (path, text) => {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
};
if (args.values.json) write(args.values.json, JSON.stringify(results, null, 1) + '\n');
const md = markdown(results);
if (args.values.markdown) write(args.values.markdown, md);
process.stdout.write(md);
