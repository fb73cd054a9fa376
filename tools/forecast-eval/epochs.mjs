#!/usr/bin/env node
// Where an ensemble's seed-to-seed spread comes from (issue 18, UKDriverDeaths seed 7): every member's
// forecasts at every epoch, from the validation origins and the test origin, for some seeds; then
//  - a one-way ANOVA of the members' test MASE (at their kept epoch) across the seeds: F near 1 or
//    below means the members of one seed share nothing that moves them together;
//  - random ensembles of K members drawn from all seeds' members (member slot i from any seed): the
//    spread iid members alone give, against the spread the seeds gave;
//  - the dispersion over the seeds of the ensemble's test-origin forecast (no actual value read: the
//    standard deviation over seeds, mean over the H steps, over the MASE scale) when each member's
//    forecast is the mean of its epochs best − h .. best + h.
//
//   node tools/forecast-eval/epochs.mjs [--series ukdriverdeaths] [--seeds 0,1,2,3,4,5,6,7,8,9] [--options JSON] [--json out.json]
//
// The network is Forecaster.fit's default recipe (run.mjs's split) with `averageEpochs: 0`, so that the
// kept epoch is the best one and the averages are taken here from the recorded forecasts.
import { writeFileSync } from 'node:fs';
import { toolArgs } from '../lib/args.mjs';
import { fitOptions, seedList } from './args.mjs';
import { SERIES, readSeries, horizonOf } from './series.mjs';

const args = toolArgs('node tools/forecast-eval/epochs.mjs [--series NAME] [--seeds 0,1,2] [--options JSON] [--json out.json]', {
  series: { type: 'string', default: 'ukdriverdeaths' },
  seeds: { type: 'string', default: '0,1,2,3,4,5,6,7,8,9' },
  options: { type: 'string' },
  json: { type: 'string' },
});
const spec = SERIES.find((s) => s.name === args.values.series);
if (!spec) args.fail(`unknown series '${args.values.series}'; the bundled ones are ${SERIES.map((s) => s.name).join(', ')}`);
const { planForecast, parseForecastOptions, seriesData, selectRecipe, trainMembers, memberSpecs, predictFrom, seasonalNaiveMae, MIN_TRAIN_WINDOWS, SEASON, combineOf } = await import('@rnn/timeseries');
const input = readSeries(new URL('../..', import.meta.url).pathname, spec);
const series = seriesData(input);
const H = horizonOf(series.frequency);
const season = SEASON[series.frequency];
const y = Array.from(input.values);
const n = y.length;
const cut = n - H;
const scale = seasonalNaiveMae(y, cut, cut > season ? season : 1);
const values = [Float64Array.from(y)];
const testMase = (f) => f.reduce((a, p, i) => a + Math.abs(p - y[cut + i]), 0) / H / scale;

const runs = [];
for (const seed of seedList(args)) {
  const t0 = performance.now();
  const o = parseForecastOptions({ horizon: H, valSplit: Math.max(H, Math.round(0.2 * (n - H))), testSplit: H, seed, ...fitOptions(args), averageEpochs: 0 });
  const sel = await selectRecipe(series, o);
  const fixed = { ...o, ...sel.chosen };
  const plan = planForecast(series, fixed);
  const { split, lag, horizon, window } = plan.meta;
  const specs = memberSpecs(plan.members, o.seed, window, o.window === undefined, (w) => split.train - lag - w - horizon + 1 >= MIN_TRAIN_WINDOWS);
  const recs = [];
  const record = (k) => {
    const r = [];
    recs[k] = r;
    let model;
    return { onTrainBegin: (i) => void (model = i.model), onEpochEnd: () => void r.push(predictFrom(model, { ...plan.meta, window: specs[k].window }, values, [cut - 1])[0]) };
  };
  await plan.model.fit(plan.x, plan.y, { ...plan.fitOptions, callbacks: [record(0), ...plan.callbacks] });
  const members = await trainMembers(plan, series, fixed, undefined, { callbacks: (k) => [record(k)] });
  runs.push({ seed, recipe: `${sel.chosen.transform}/${sel.chosen.strategy}`, members: members.map((m, k) => ({ seed: m.seed, window: m.window, loss: m.loss, best: m.bestEpoch, forecasts: recs[k] })) });
  process.stderr.write(`epochs: ${spec.name}: seed ${seed}: ${members.length} members, ${runs.at(-1).recipe} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
}
if (args.values.json) writeFileSync(args.values.json, JSON.stringify({ series: spec.name, horizon: H, cut, scale, y, runs }));

const around = (m, h) => {
  const f = m.forecasts.slice(Math.max(0, m.best - h), m.best + h + 1);
  return f[0].map((_, j) => f.reduce((a, r) => a + r[j], 0) / f.length);
};
const combine = (fs) => combineOf(fs.map((f) => [f]), 'iqm')[0];
const ens = runs.map((r) => testMase(combine(r.members.map((m) => around(m, 0)))));
console.log(`ensembles over the seeds (best epochs): ${ens.map((v) => v.toFixed(3)).join(' ')}`);
// one-way ANOVA of the members' test MASE, seeds as groups
const groups = runs.map((r) => r.members.map((m) => testMase(around(m, 0))));
const all = groups.flat();
const grand = all.reduce((a, b) => a + b, 0) / all.length;
const mean = (g) => g.reduce((a, b) => a + b, 0) / g.length;
const between = groups.reduce((a, g) => a + g.length * (mean(g) - grand) ** 2, 0) / (groups.length - 1);
const within = groups.reduce((a, g) => a + g.reduce((b, v) => b + (v - mean(g)) ** 2, 0), 0) / (all.length - groups.length);
console.log(`members' test MASE: ${Math.min(...all).toFixed(3)}–${Math.max(...all).toFixed(3)}; per seed mean ${groups.map((g) => mean(g).toFixed(3)).join(' ')}; ANOVA F = ${(between / within).toFixed(2)} (df ${groups.length - 1}, ${all.length - groups.length})`);
// random ensembles from the pooled members (a fixed LCG, so the figures repeat)
let s = 12345;
const rand = (k) => ((s = (s * 16807) % 2147483647), s % k);
const K = runs[0].members.length;
for (const k of [K, 2 * K, 4 * K]) {
  const draws = Array.from({ length: 2000 }, () => testMase(combine(Array.from({ length: k }, (_, i) => around(runs[rand(runs.length)].members[i % K], 0)))));
  const m = mean(draws);
  const sd = Math.sqrt(mean(draws.map((v) => (v - m) ** 2)));
  const sn = y.slice(cut - season, cut);
  const snMase = testMase(Array.from({ length: H }, (_, h) => sn[h % season]));
  const p = draws.filter((v) => v > snMase).length / draws.length;
  console.log(`random ensembles of ${k}: test MASE mean ${m.toFixed(3)}, sd ${sd.toFixed(3)}; P(worse than seasonal naive ${snMase.toFixed(3)}) ${p.toFixed(3)}, for one of ${runs.length} seeds ${(1 - (1 - p) ** runs.length).toFixed(2)}`);
}
for (const h of [0, 1, 2, 3, 5, 8, 10, 15, 20]) {
  const fs = runs.map((r) => combine(r.members.map((m) => around(m, h))));
  const sd = fs[0].map((_, j) => Math.sqrt(mean(fs.map((f) => f[j] ** 2)) - mean(fs.map((f) => f[j])) ** 2));
  console.log(`forecasts averaged over best ± ${String(h).padStart(2)}: dispersion over the seeds ${(mean(sd) / scale).toFixed(4)} of the scale`);
}
