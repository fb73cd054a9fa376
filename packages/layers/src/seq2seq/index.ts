export * from './vocab.js';
export * from './config.js';
export * from './batch.js';
export type { Hypothesis } from './decode.js';
export * from './model.js';
export * from './files.js';
export * from './fit.js';
