import type { Workflow } from '../workflow.js';
import { evaluateTimeseries } from './evaluate.js';
import { forecastTimeseries } from './forecast.js';
import { predictTimeseries } from './predict.js';
import { trainTimeseries } from './train.js';
import { explainTimeseries } from './explain.js';

/** `--csv`: forecast one column of a CSV time series. */
export const timeseries: Workflow = {
  name: 'timeseries',
  trigger: 'csv',
  summary: 'forecast a column of a CSV time series: train, evaluate against naive baselines, predict at every step, forecast',
  train: trainTimeseries,
  evaluate: evaluateTimeseries,
  predict: predictTimeseries,
  explain: explainTimeseries,
  forecast: forecastTimeseries,
};
