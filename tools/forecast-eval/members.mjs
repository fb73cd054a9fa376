#!/usr/bin/env node
// Each member's test MASE (and its mean validation MASE over the validation origins) in the default
// ensemble of one bundled series, for some seeds, next to the ensemble's (issue 18's diagnosis of
// UKDriverDeaths seed 7). The split is run.mjs's; OPTIONS are more Forecaster.fit options as JSON.
//
//   node tools/forecast-eval/members.mjs [SERIES] [SEEDS] [OPTIONS]
//   node tools/forecast-eval/members.mjs ukdriverdeaths 4,7 '{"members":13,"averageEpochs":0}'
import { Forecaster, predictFrom, seasonalNaiveMae } from '@rnn/timeseries';
import { toolArgs } from '../lib/args.mjs';
import { readSeries, SERIES, horizonOf } from './series.mjs';
const args = toolArgs('node tools/forecast-eval/members.mjs [SERIES] [SEEDS] [OPTIONS]', {}, { positionals: true });
if (args.positionals.length > 3) args.fail(`expected at most 3 arguments (SERIES SEEDS OPTIONS), found ${args.positionals.length}`);
const [name = 'ukdriverdeaths', seedsArg = '4,7', optsArg = '{}'] = args.positionals;
const spec = SERIES.find((s) => s.name === name);
if (!spec) args.fail(`unknown series '${name}'; expected one of ${SERIES.map((s) => s.name).join(', ')}`);
const input = readSeries(new URL('../..', import.meta.url).pathname, spec);
const y = Array.from(input.values);
const n = y.length, H = 12, season = 12, cut = n - H;
const scale = seasonalNaiveMae(y, cut, season);
const valSplit = Math.max(H, Math.round(0.2 * (n - H)));
const vcut = cut - valSplit;
const mase = (f, at) => f.reduce((a, p, i) => a + Math.abs(p - y[at + 1 + i]), 0) / H / scale;
for (const seed of seedsArg.split(',').map(Number)) {
  const t0 = performance.now();
  const f = await Forecaster.fit(input, { horizon: H, valSplit, testSplit: H, seed, ...JSON.parse(optsArg) });
  const values = [Float64Array.from(y)];
  const rows = f.members.map((m) => {
    const meta = { ...f.meta, window: m.window };
    const t = predictFrom(m.model, meta, values, [cut - 1])[0];
    // validation origins: every origin whose H steps lie inside the validation part
    const vts = []; for (let o = vcut - 1; o + H <= cut - 1; o++) vts.push(o);
    const v = predictFrom(m.model, meta, values, vts).map((f, i) => mase(f, vts[i]));
    return { seed: m.seed, w: m.window, loss: m.loss, best: m.bestEpoch, test: mase(t, cut - 1), val: v.reduce((a, b) => a + b, 0) / v.length, f: t };
  });
  const e = f.evaluate();
  console.log(`seed ${seed}: ensemble test ${mase(e.forecasts.model[0], cut - 1).toFixed(3)} recipe ${f.meta.transform}/${f.meta.strategy ?? 'direct'} es ${JSON.stringify(f.meta.es)} choice ${JSON.stringify(f.meta.choice)} (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
  for (const r of rows) console.log(`  m seed ${r.seed} w ${r.w} ${r.loss} best ${r.best} test ${r.test.toFixed(3)} val ${r.val.toFixed(3)}  f ${r.f.map((v) => v.toFixed(0)).join(' ')}`);
  const ts = rows.map((r) => r.test).sort((a, b) => a - b);
  console.log(`  members test: mean ${(ts.reduce((a, b) => a + b) / ts.length).toFixed(3)} min ${ts[0].toFixed(3)} max ${ts.at(-1).toFixed(3)}`);
  console.log(`  actual   ${y.slice(cut).join(' ')}`);
}
