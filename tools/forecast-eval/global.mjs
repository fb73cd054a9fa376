#!/usr/bin/env node
// A global model against per-series models on the series of a long-format CSV (the five stock
// symbols of vega-datasets' stocks.csv by default): one network trained across every series, each
// scaled on its own training part, against one network per series with the same options. Scored
// on each series' test part (the last --test steps, every origin with H steps inside it), MASE
// over the in-sample seasonal-naive MAE; naive next to them. Epoch budgets, not minutes.
//
//   node tools/forecast-eval/global.mjs [--csv /work/shared/datasets/vega-datasets/stocks.csv]
//        [--series-column symbol --target price --date date] [--horizon 6] [--test 12]
//        [--seeds 0,1,2] [--options '{"members":3}'] [--markdown out.md]
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import { toolArgs } from '../lib/args.mjs';
import { fitOptions, seedList } from './args.mjs';

const args = toolArgs('node tools/forecast-eval/global.mjs [--csv F] [--series-column COL] [--target COL] [--date COL] [--horizon H] [--test N] [--seeds 0,1,2] [--options JSON] [--markdown out.md]', {
  csv: { type: 'string', default: '/work/shared/datasets/vega-datasets/stocks.csv' },
  'series-column': { type: 'string', default: 'symbol' },
  target: { type: 'string', default: 'price' },
  date: { type: 'string', default: 'date' },
  horizon: { type: 'string', default: '6' },
  test: { type: 'string', default: '12' },
  seeds: { type: 'string', default: '0,1,2' },
  options: { type: 'string', default: '{}' },
  markdown: { type: 'string' },
});
const H = args.number('horizon');
const test = args.number('test');
const seeds = seedList(args);
const extra = fitOptions(args);
const { Forecaster } = await import('@rnn/timeseries');

// the long-format file: one series per value of the series column, in file order (no quoted fields in these files)
const lines = readFileSync(args.values.csv, 'utf8').trim().split('\n');
const head = lines[0].split(',');
const [ks, kt, kd] = [args.values['series-column'], args.values.target, args.values.date].map((c) => {
  const k = head.indexOf(c);
  if (k < 0) args.fail(`${args.values.csv} has no column '${c}' (it has ${head.join(', ')})`);
  return k;
});
const series = new Map();
for (const l of lines.slice(1)) {
  const r = l.split(',');
  if (!series.has(r[ks])) series.set(r[ks], { name: head[kt], dateName: head[kd], values: [], dates: [] });
  const s = series.get(r[ks]);
  s.values.push(Number(r[kt]));
  s.dates.push(r[kd]);
}
const options = { horizon: H, valSplit: test, testSplit: test, transform: 'diff', strategy: 'direct', fallback: 'none', ...extra };
const geo = (xs) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
const rows = [];
for (const seed of seeds) {
  let t0 = performance.now();
  const g = await Forecaster.fitGlobal(series, { ...options, seed }, args.values['series-column']);
  const tg = (performance.now() - t0) / 1000;
  let tp = 0;
  for (const [key, s] of series) {
    t0 = performance.now();
    const p = await Forecaster.fit(s, { ...options, seed });
    tp += (performance.now() - t0) / 1000;
    const eg = g.evaluate({ data: { ...s, key } });
    const ep = p.evaluate();
    rows.push({ seed, key, n: s.values.length, global: eg.scores.model.mase, single: ep.scores.model.mase, naive: ep.scores.naive.mase, coverageGlobal: eg.interval?.coverage ?? null });
    process.stderr.write(`forecast-eval/global: seed ${seed} ${key}: global ${eg.scores.model.mase.toFixed(3)}, per-series ${ep.scores.model.mase.toFixed(3)}, naive ${ep.scores.naive.mase.toFixed(3)}\n`);
  }
  rows.push({ seed, key: 'seconds', global: tg, single: tp });
}
const f = (x) => (x === null ? 'n/a' : x.toFixed(3));
let md = `| seed | series | n | global | per-series | naive |\n| --- | --- | --- | --- | --- | --- |\n`;
for (const r of rows.filter((r) => r.key !== 'seconds')) md += `| ${r.seed} | ${r.key} | ${r.n} | ${f(r.global)} | ${f(r.single)} | ${f(r.naive)} |\n`;
md += `\n| seed | geo-mean MASE global | geo-mean MASE per-series | naive | series where global wins | training s global / per-series |\n| --- | --- | --- | --- | --- | --- |\n`;
for (const seed of seeds) {
  const rs = rows.filter((r) => r.seed === seed && r.key !== 'seconds');
  const t = rows.find((r) => r.seed === seed && r.key === 'seconds');
  md += `| ${seed} | ${f(geo(rs.map((r) => r.global)))} | ${f(geo(rs.map((r) => r.single)))} | ${f(geo(rs.map((r) => r.naive)))} | ${rs.filter((r) => r.global < r.single).length}/${rs.length} | ${t.global.toFixed(1)} / ${t.single.toFixed(1)} |\n`;
}
if (args.values.markdown) {
  const tmp = `${args.values.markdown}.tmp-${process.pid}`;
  writeFileSync(tmp, md);
  renameSync(tmp, args.values.markdown);
}
process.stdout.write(md);
