// The forecasting recipe of `rnn train --csv`, as a library: what the network predicts (levels or
// differences), scaling fitted on the training part, windows, the season, the naive baselines and
// MASE. The CLI's time-series workflow reads CSV files and calls these.
export * from './baselines.js';
export * from './classical/index.js';
export * from './intervals.js';
export * from './dates.js';
export * from './difference.js';
export * from './evaluation.js';
export * from './meta.js';
export * from './metrics.js';
export * from './model.js';
export * from './predict.js';
export * from './scaler.js';
export * from './seasonality.js';
export * from './split.js';
export * from './windows.js';
export * from './forecaster.js';
export * from './ensemble.js';
export * from './quantiles.js';
export * from './members.js';
export * from './input.js';
export * from './options.js';
export * from './plan.js';
export * from './select.js';
export * from './global.js';
export * from './augment.js';
export * from './es.js';
export * from './batched.js';
