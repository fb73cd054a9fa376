export * from './vocab.js';
export * from './vectors.js';
export * from './batch.js';
export * from './crf.js';
export * from './char-encoder.js';
export * from './model.js';
export * from './files.js';
export * from './shape.js';
