#!/usr/bin/env node
// Covariates at work: the hourly Beijing PM2.5 series 24 hours ahead, the same network with the
// weather columns as inputs (--features) and without them. The last --hours hours of the file; a
// missing pm2.5 hour (NA) carries the previous hour forward, as `rnn train --csv` does by default.
// Scored on the test part (the last --test hours, every origin with 24 hours inside it): MASE over
// the in-sample seasonal-naive MAE (m = 24), with naive and seasonal naive from the same origins.
//
//   node tools/forecast-eval/covariates.mjs [--gz /work/shared/datasets/beijing-pm25/pollution.csv.gz]
//        [--hours 2400] [--test 240] [--seeds 0,1,2] [--options '{"members":3}'] [--markdown out.md]
//        [--sets weather,none]   (input sets to compare: none, weather, wind, calendar, joined by +)
// weather: the six numeric weather columns (past hours of the window); wind: the wind direction
// one-hot (NE, NW, SE, cv); calendar: hour of day and day of week as sin/cos pairs, known for every
// hour (the window's own hours: they tell the network where in the day and week the origin is).
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { toolArgs } from '../lib/args.mjs';
import { fitOptions, seedList } from './args.mjs';

const args = toolArgs('node tools/forecast-eval/covariates.mjs [--gz F] [--hours N] [--test N] [--seeds 0,1,2] [--options JSON] [--markdown out.md] [--sets a,b+c]', {
  gz: { type: 'string', default: '/work/shared/datasets/beijing-pm25/pollution.csv.gz' },
  hours: { type: 'string', default: '2400' },
  test: { type: 'string', default: '240' },
  seeds: { type: 'string', default: '0,1,2' },
  options: { type: 'string', default: '{}' },
  markdown: { type: 'string' },
  sets: { type: 'string', default: 'weather,none' },
});
const SETS = ['none', 'weather', 'wind', 'calendar'];
const sets = args.values.sets.split(',');
for (const set of sets) for (const part of set.split('+')) if (!SETS.includes(part)) args.fail(`--sets: unknown input set '${part}'; the sets are ${SETS.join(', ')}, joined by + (weather+calendar)`);
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
const weather = Object.fromEntries(FEATURES.map((c) => [c, rows.map((r) => Number(r[at(c)]))]));
const wind = Object.fromEntries(['NE', 'NW', 'SE', 'cv'].map((d) => [`wind_${d}`, rows.map((r) => (r[at('cbwd')] === d ? 1 : 0))]));
const turn = (x, period) => [Math.sin((2 * Math.PI * x) / period), Math.cos((2 * Math.PI * x) / period)];
const weekday = rows.map((r) => new Date(Date.UTC(Number(r[at('year')]), Number(r[at('month')]) - 1, Number(r[at('day')]))).getUTCDay());
const hourOf = rows.map((r) => Number(r[at('hour')]));
const calendar = {
  hour_sin: hourOf.map((h) => turn(h, 24)[0]),
  hour_cos: hourOf.map((h) => turn(h, 24)[1]),
  week_sin: weekday.map((d, i) => turn(d * 24 + hourOf[i], 168)[0]),
  week_cos: weekday.map((d, i) => turn(d * 24 + hourOf[i], 168)[1]),
};
const COLUMNS = { none: {}, weather, wind, calendar };
const inputOf = (set) => {
  const features = Object.assign({}, ...set.split('+').map((p) => COLUMNS[p]));
  return Object.keys(features).length ? { values: pm, dates, name: 'pm2.5', features } : { values: pm, dates, name: 'pm2.5' };
};
process.stderr.write(`forecast-eval/covariates: ${rows.length} hours ${dates[0]} .. ${dates.at(-1)}, ${filled} missing pm2.5 hours carried forward\n`);
const options = { horizon: 24, valSplit: test, testSplit: test, transform: 'diff', strategy: 'direct', fallback: 'none', window: 48, epochs: 60, patience: 15, members: 3, ...extra };
const out = [];
for (const seed of seeds) {
  const r = { seed };
  for (const [label, input] of sets.map((set) => [set, inputOf(set)])) {
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
let md = `| seed | ${sets.map((x) => `MASE ${x}`).join(' | ')} | naive | seasonal naive | ${sets.map((x) => `80 % coverage ${x}`).join(' | ')} |\n| --- |${' --- |'.repeat(2 * sets.length + 2)}\n`;
for (const r of out) {
  const pct = (c) => (c === null ? 'n/a' : `${(c * 100).toFixed(1)} %`);
  md += `| ${r.seed} | ${sets.map((x) => f(r[x].mase)).join(' | ')} | ${f(r.naive)} | ${f(r.snaive)} | ${sets.map((x) => pct(r[x].coverage)).join(' | ')} |\n`;
}
if (args.values.markdown) {
  const tmp = `${args.values.markdown}.tmp-${process.pid}`;
  writeFileSync(tmp, md);
  renameSync(tmp, args.values.markdown);
}
process.stdout.write(md);
