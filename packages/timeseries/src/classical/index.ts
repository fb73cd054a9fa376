export * from './decompose.js';
export * from './normal.js';
export * from './ses.js';
export * from './theta.js';
