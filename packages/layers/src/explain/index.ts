export * from './attribute.js';
export * from './sequential.js';
export * from './tree.js';
export * from './seq2seq.js';
export * from './tagging.js';
export * from './stream.js';
