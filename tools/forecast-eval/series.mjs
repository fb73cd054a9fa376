// The bundled series tools/forecast-eval scores, and the horizon H each is scored on: the last H
// points are held out, as in the M4 competition (whose horizons were 18 monthly, 8 quarterly and
// 6 yearly; 12 monthly here, since 72-month series leave too little to train on with 18).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const SERIES = [
  { name: 'airpassengers', file: 'data/airpassengers/airpassengers.csv', target: 'passengers_thousands' },
  { name: 'co2', file: 'data/co2/co2.csv', target: 'co2_ppm' },
  { name: 'nottem', file: 'data/r-datasets/nottem.csv', target: 'temp_f' },
  { name: 'ukdriverdeaths', file: 'data/r-datasets/ukdriverdeaths.csv', target: 'deaths' },
  { name: 'ldeaths', file: 'data/r-datasets/ldeaths.csv', target: 'deaths' },
  { name: 'usaccdeaths', file: 'data/r-datasets/usaccdeaths.csv', target: 'deaths' },
  { name: 'johnsonjohnson', file: 'data/r-datasets/johnsonjohnson.csv', target: 'eps_usd' },
  { name: 'nile', file: 'data/nile/nile.csv', target: 'flow_1e8_m3' },
  { name: 'lynx', file: 'data/r-datasets/lynx.csv', target: 'trappings' },
  { name: 'lakehuron', file: 'data/r-datasets/lakehuron.csv', target: 'level_ft' },
  { name: 'wwwusage', file: 'data/r-datasets/wwwusage.csv', target: 'users' },
  { name: 'bjsales', file: 'data/r-datasets/bjsales.csv', target: 'sales' },
];

const HORIZON = { month: 12, quarter: 8, year: 6, unknown: 10 };

/** Read a bundled two-column CSV (date or step index, value): `{ values, dates?, name, dateName }`. */
export function readSeries(root, s) {
  const lines = readFileSync(resolve(root, s.file), 'utf8').trim().split('\n');
  const head = lines[0].split(',');
  const k = head.indexOf(s.target);
  if (k < 0) throw new Error(`${s.file}: no column '${s.target}' (has ${head.join(', ')})`);
  const rows = lines.slice(1).map((l) => l.split(','));
  const values = rows.map((r) => Number(r[k]));
  // an integer step index `t` is no calendar: the series then has no season
  const dates = head[0] === 't' ? undefined : rows.map((r) => r[0]);
  return { values, dates, name: s.target, dateName: head[0] };
}

export function horizonOf(frequency) {
  return HORIZON[frequency] ?? 10;
}
