#!/usr/bin/env node
// Covariates at work: the hourly Beijing PM2.5 series 24 hours ahead, the same network with the
// weather columns as inputs (--features) and without them. The last --hours hours of the file; a
// missing pm2.5 hour (NA) carries the previous hour forward, as `rnn train --csv` does by default.
// Scored on the test part (the last --test hours, every origin with 24 hours inside it): MASE over
// the in-sample seasonal-naive MAE (m = 24), with naive and seasonal naive from the same origins.
//
//   node tools/forecast-eval/covariates.mjs [--gz /work/shared/datasets/beijing-pm25/pollution.csv.gz]
//        [--hours 2400] [--test 240] [--seeds 0,1,2] [--options '{"members":3}'] [--markdown out.md]
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { toolArgs } from '../lib/args.mjs';
import { fitOptions, seedList } from './args.mjs';

const args = toolArgs('node tools/forecast-eval/covariates.mjs [--gz F] [--hours N] [--test N] [--seeds 0,1,2] [--options JSON] [--markdown out.md]', {
  gz: { type: 'string', default: '/work/shared/datasets/beijing-pm25/pollution.csv.gz' },
  hours: { type: 'string', default: '2400' },
  test: { type: 'string', default: '240' },
  seeds: { type: 'string', default: '0,1,2' },
  options: { type: 'string', default: '{}' },
  markdown: { type: 'string' },
});
const hours = args.number('hours');
const test = args.number('test');
const seeds = seedList(args);
const extra = fitOptions(args);
const { Forecaster } = await import('@rnn/timeseries');

const FEATURES = ['DEWP', 'TEMP', 'PRES', 'Iws', 'Is', 'Ir']; // cbwd (wind direction) is categorical: left out
const lines = gunzipSync(readFileSync(args.values.gz)).toString('utf8').trim().split(/\r?\n/);
const head = lines[0].split(',');
const at = (c) => head.indexOf(c);
const rows = lines.slice(-hours).map((l) => l.split(','));
let filled = 0;
const pm = [];
for (const r of rows) {
  const v = r[at('pm2.5')];
  if (v === 'NA') {
    if (!pm.length) args.fail('the first hour kept has no pm2.5 value; change --hours');
    filled++;
    pm.push(pm[pm.length - 1]);
  } else pm.push(Number(v));
}
const pad = (x) => String(x).padStart(2, '0');
const dates = rows.map((r) => `${r[at('year')]}-${pad(r[at('month')])}-${pad(r[at('day')])}T${pad(r[at('hour')])}:00:00`);
const features = Object.fromEntries(FEATURES.map((c) => [c, rows.map((r) => Number(r[at(c)]))]));
process.stderr.write(`forecast-eval/covariates: ${rows.length} hours ${dates[0]} .. ${dates.at(-1)}, ${filled} missing pm2.5 hours carried forward\n`);
const options = { horizon: 24, valSplit: test, testSplit: test, transform: 'diff', strategy: 'direct', fallback: 'none', window: 48, epochs: 60, patience: 15, members: 3, ...extra };
const out = [];
for (const seed of seeds) {
  const r = { seed };
  for (const [label, input] of [['with weather', { values: pm, dates, name: 'pm2.5', features }], ['without', { values: pm, dates, name: 'pm2.5' }]]) {
    const t0 = performance.now();
    const f = await Forecaster.fit(input, { ...options, seed });
    const e = f.evaluate();
    r[label] = { mase: e.scores.model.mase, coverage: e.interval?.coverage ?? null, msis: e.interval?.msis ?? null, seconds: (performance.now() - t0) / 1000 };
    r.naive = e.scores.naive.mase;
    r.snaive = e.scores['seasonal naive'].mase;
    process.stderr.write(`forecast-eval/covariates: seed ${seed} ${label}: MASE ${e.scores.model.mase.toFixed(3)} (${r[label].seconds.toFixed(1)} s)\n`);
  }
  out.push(r);
}
const f = (x) => (x === null ? 'n/a' : x.toFixed(3));
let md = `| seed | MASE with weather | MASE without | naive | seasonal naive | 80 % coverage with / without | training s with / without |\n| --- | --- | --- | --- | --- | --- | --- |\n`;
for (const r of out) {
  const [a, b] = [r['with weather'], r.without];
  md += `| ${r.seed} | ${f(a.mase)} | ${f(b.mase)} | ${f(r.naive)} | ${f(r.snaive)} | ${a.coverage === null ? 'n/a' : (a.coverage * 100).toFixed(1)} % / ${b.coverage === null ? 'n/a' : (b.coverage * 100).toFixed(1)} % | ${a.seconds.toFixed(1)} / ${b.seconds.toFixed(1)} |\n`;
}
if (args.values.markdown) {
  const tmp = `${args.values.markdown}.tmp-${process.pid}`;
  writeFileSync(tmp, md);
  renameSync(tmp, args.values.markdown);
}
process.stdout.write(md);
