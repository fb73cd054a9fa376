// The markdown report of tools/forecast-eval: per-series MASE and MSIS, then the summary the
// issue's targets are judged on.
const f3 = (v) => (v === undefined || v === null || Number.isNaN(v) ? 'n/a' : v.toFixed(3));
const geo = (xs) => Math.exp(xs.reduce((a, b) => a + Math.log(b), 0) / xs.length);

/** Short names of the recipes in the table. */
const RECIPE = { 'seasonal/direct': 'S', 'seasonal/recursive': 'Sr', 'diff/direct': 'D', 'diff/recursive': 'Dr', 'none/direct': 'L', 'none/recursive': 'Lr', 'es/direct': 'E' };

export function markdown(results) {
  const classical = ['naive', 'seasonal naive', 'ses', 'theta'];
  const seeds = results[0]?.network.map((r) => r.seed) ?? [];
  const out = [];
  out.push(`| series | n | H | m | seasonal | ${classical.join(' | ')} | ${seeds.map((s) => `rnn seed ${s}`).join(' | ')} | spread |`);
  out.push(`|${' --- |'.repeat(5 + classical.length + seeds.length + 1)}`);
  for (const r of results) {
    const net = r.network.map((x) => (x.error ? 'error' : `${f3(x.mase)}${x.chosen === 'theta' ? ' θ' : x.recipe ? ` ${RECIPE[x.recipe] ?? x.recipe}` : ''}`));
    const ok = r.network.filter((x) => !x.error).map((x) => x.mase);
    const spread = ok.length ? Math.max(...ok) / Math.min(...ok) : NaN;
    out.push(`| ${r.name} | ${r.n} | ${r.horizon} | ${r.season} | ${r.seasonal ? 'yes' : 'no'} | ${classical.map((c) => f3(r.methods[c]?.mase)).join(' | ')} | ${net.join(' | ')} | ${f3(spread)} |`);
  }
  if (results.some((r) => r.network.some((x) => x.chosen === 'theta'))) out.push('', 'θ: the validation part chose the Theta method over the networks for this seed.');
  if (results.some((r) => r.network.some((x) => x.recipe))) {
    out.push('', 'The recipe the validation part chose for the networks: S seasonal differences, D one-step differences, L levels, E exponential smoothing + network (ES-RNN); r: recursive, else direct.');
  }
  out.push('');
  out.push('MSIS of the 80 % intervals (coverage of the H test points in brackets):');
  out.push('');
  out.push(`| series | ${classical.join(' | ')} | ${seeds.map((s) => `rnn seed ${s}`).join(' | ')} |`);
  out.push(`|${' --- |'.repeat(1 + classical.length + seeds.length)}`);
  const cell = (x, h) => (x?.msis === undefined ? 'n/a' : `${f3(x.msis)} (${x.covered}/${h})`);
  for (const r of results) out.push(`| ${r.name} | ${classical.map((c) => cell(r.methods[c], r.horizon)).join(' | ')} | ${r.network.map((x) => cell(x, r.horizon)).join(' | ')} |`);
  out.push('');
  // the summary: geometric means over the series every method scored
  const all = results.filter((r) => r.network.every((x) => !x.error));
  out.push(`Summary over the ${all.length} series every method scored${all.length < results.length ? ` (${results.length - all.length} left out: the network failed)` : ''}:`);
  out.push('');
  out.push('| method | geometric mean MASE | mean MASE | pooled 80 % coverage |');
  out.push('| --- | --- | --- | --- |');
  const pooled = (xs, hs) => {
    const have = xs.map((x, i) => [x, hs[i]]).filter(([x]) => x?.covered !== undefined);
    if (!have.length) return 'n/a';
    const c = have.reduce((a, [x]) => a + x.covered, 0);
    const t = have.reduce((a, [, h]) => a + h, 0);
    return `${((100 * c) / t).toFixed(1)} % (${c}/${t})`;
  };
  for (const c of classical) {
    // seasonal naive is naive where there is no season
    const xs = all.map((r) => r.methods[c] ?? r.methods.naive);
    out.push(`| ${c} | ${f3(geo(xs.map((x) => x.mase)))} | ${f3(xs.reduce((a, x) => a + x.mase, 0) / xs.length)} | ${pooled(xs, all.map((r) => r.horizon))} |`);
  }
  for (let k = 0; k < seeds.length; k++) {
    const xs = all.map((r) => r.network[k]);
    out.push(`| rnn (default), seed ${seeds[k]} | ${f3(geo(xs.map((x) => x.mase)))} | ${f3(xs.reduce((a, x) => a + x.mase, 0) / xs.length)} | ${pooled(xs, all.map((r) => r.horizon))} |`);
  }
  // the hybrid's choice, measured: Theta where the validation part scored it better than the network
  if (all.every((r) => r.network.every((x) => Number.isFinite(x.valMase) && !x.chosen))) {
    for (let k = 0; k < seeds.length; k++) {
      const xs = all.map((r) => (r.network[k].valTheta < r.network[k].valMase ? r.methods.theta : r.network[k]));
      const picked = all.filter((r) => r.network[k].valTheta < r.network[k].valMase).length;
      out.push(`| network or Theta by validation, seed ${seeds[k]} (Theta on ${picked}) | ${f3(geo(xs.map((x) => x.mase)))} | ${f3(xs.reduce((a, x) => a + x.mase, 0) / xs.length)} | ${pooled(xs, all.map((r) => r.horizon))} |`);
    }
  }
  const seasonal = all.filter((r) => r.seasonal && r.methods['seasonal naive']);
  const beat = seasonal.filter((r) => r.network.every((x) => x.mase < r.methods['seasonal naive'].mase));
  const spreads = all.map((r) => Math.max(...r.network.map((x) => x.mase)) / Math.min(...r.network.map((x) => x.mase)));
  const seconds = all.flatMap((r) => r.network.map((x) => x.seconds));
  out.push('');
  out.push(`- seasonal series (M4 test on the training part) where rnn beats seasonal naive with every seed: ${beat.length}/${seasonal.length}` +
    (beat.length < seasonal.length ? ` (not: ${seasonal.filter((r) => !beat.includes(r)).map((r) => r.name).join(', ')})` : ''));
  out.push(`- seed spread (max/min MASE over the seeds): worst ${f3(Math.max(...spreads))} (${all[spreads.indexOf(Math.max(...spreads))]?.name}), series at or below 1.3: ${spreads.filter((s) => s <= 1.3).length}/${spreads.length}`);
  out.push(`- seed triples (of ${triples(seeds.length)}) whose spread exceeds 1.3, summed over the series: ${all.reduce((a, r) => a + wideTriples(r.network.map((x) => x.mase)), 0)}`);
  out.push(`- network training time per fit: median ${f3(seconds.sort((a, b) => a - b)[Math.floor(seconds.length / 2)])} s, total ${seconds.reduce((a, b) => a + b, 0).toFixed(1)} s`);
  out.push('', 'Seed spread per series (max/min MASE over all the seeds; a triple of seeds is wide when its own max/min exceeds 1.3):', '');
  out.push('| series | min MASE | max MASE | spread | wide triples |');
  out.push('| --- | --- | --- | --- | --- |');
  for (const r of all) {
    const m = r.network.map((x) => x.mase);
    out.push(`| ${r.name} | ${f3(Math.min(...m))} | ${f3(Math.max(...m))} | ${f3(Math.max(...m) / Math.min(...m))} | ${wideTriples(m)}/${triples(m.length)} |`);
  }
  return out.join('\n') + '\n';
}

const triples = (n) => (n * (n - 1) * (n - 2)) / 6;

/** How many triples of the values have max/min above 1.3 (the issue's seed-spread target, 3 seeds at a time). */
export function wideTriples(m) {
  let wide = 0;
  for (let a = 0; a < m.length; a++) for (let b = a + 1; b < m.length; b++) for (let c = b + 1; c < m.length; c++) if (Math.max(m[a], m[b], m[c]) / Math.min(m[a], m[b], m[c]) > 1.3) wide++;
  return wide;
}
