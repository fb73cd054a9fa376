import type { Workflow } from '../workflow.js';
import { evaluateTimeseries } from './evaluate.js';
import { forecastTimeseries } from './forecast.js';
import { trainTimeseries } from './train.js';

/** `--csv`: forecast one column of a CSV time series. */
export const timeseries: Workflow = {
  name: 'timeseries',
  trigger: 'csv',
  summary: 'forecast a column of a CSV time series: train, evaluate against naive baselines, forecast',
  train: trainTimeseries,
  evaluate: evaluateTimeseries,
  forecast: forecastTimeseries,
};
