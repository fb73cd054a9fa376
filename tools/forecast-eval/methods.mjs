// One series through the M4 protocol: the classical forecasts and the network's, scored on the
// held-out last H points.
import { Forecaster, coverage, m4SeasonalityTest, msis, naiveForecast, seasonalNaiveMae, sesForecast, theta } from '@rnn/timeseries';

function score(actual, f, scale) {
  let abs = 0;
  for (let i = 0; i < actual.length; i++) abs += Math.abs(actual[i] - f.mean[i]);
  const out = { mase: abs / actual.length / scale, forecast: f.mean };
  if (f.lower) {
    out.msis = msis(actual, f.lower, f.upper, f.level, scale);
    out.coverage = coverage(actual, f.lower, f.upper);
    out.covered = Math.round(out.coverage * actual.length);
  }
  return out;
}

/** `{ name, n, horizon, season, seasonal, scale, methods: { naive, 'seasonal naive', ses, theta }, network: [per seed] }`. */
export async function evaluateSeries(name, input, { horizon, season, seeds, members, options = {}, log }) {
  const y = Array.from(input.values);
  const n = y.length;
  const cut = n - horizon;
  const train = y.slice(0, cut);
  const actual = y.slice(cut);
  const scaleLag = cut > season ? season : 1;
  const scale = seasonalNaiveMae(y, cut, scaleLag);
  const o = { season, horizon, level: 0.8 };
  const methods = {
    naive: score(actual, naiveForecast(train, o), scale),
    ...(season > 1 ? { 'seasonal naive': score(actual, naiveForecast(train, { ...o, seasonal: true }), scale) } : {}),
    ses: score(actual, sesForecast(train, o), scale),
    theta: score(actual, theta(train, o), scale),
  };
  const network = [];
  for (const seed of seeds) {
    const t0 = performance.now();
    try {
      // the validation part: a fifth of what precedes the test part, at least H (one origin of H steps is too few to choose a recipe on)
      const valSplit = Math.max(horizon, Math.round(0.2 * (n - horizon)));
      const f = await Forecaster.fit(input, { horizon, valSplit, testSplit: horizon, seed, ...options, ...(members !== undefined ? { members } : {}) });
      const e = f.evaluate();
      if (e.origins.length !== 1 || e.origins[0] !== cut - 1) throw new Error(`expected one origin at step ${cut - 1}, found ${e.origins.join(',')}`);
      const iv = e.interval ? { lower: e.interval.lower[0], upper: e.interval.upper[0], level: e.interval.level } : {};
      const s = score(actual, { mean: e.forecasts.model[0], ...iv }, scale);
      const seconds = (performance.now() - t0) / 1000;
      // the hybrid's question: would the validation part have preferred Theta (fitted on what precedes it)?
      const v = f.evaluate({ part: 'validation' });
      const vcut = cut - f.meta.split.val;
      const vth = theta(y.slice(0, vcut), o).mean;
      const vscale = seasonalNaiveMae(y, vcut, vcut > season ? season : 1);
      const vthMase = vth.reduce((a, p, i) => a + Math.abs(p - y[vcut + i]), 0) / horizon / vscale;
      const valNet = v.origins.length === 1 ? v.scores.model.mase : NaN;
      const recipe = `${f.meta.transform}/${f.meta.strategy ?? 'direct'}`;
      network.push({ seed, ...s, seconds, chosen: f.meta.choice?.method ?? null, recipe, valMase: valNet, valTheta: vthMase, members: f.members.length });
      log(`seed ${seed}: MASE ${s.mase.toFixed(3)}, ${f.meta.choice?.method === 'theta' ? 'theta' : recipe}, ${f.members.length} members (${seconds.toFixed(1)} s)`);
    } catch (err) {
      network.push({ seed, error: String(err.message ?? err).split('\n')[0] });
      log(`seed ${seed}: ${err.message}`);
    }
  }
  return { name, n, horizon, season, seasonal: season > 1 && m4SeasonalityTest(train, season), scale, scaleLag, methods, network };
}
