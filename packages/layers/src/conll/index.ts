export * from './reader.js';
export * from './conlleval.js';
export * from './score-files.js';
