export * from './attribute.js';
export * from './sequential.js';
export * from './tree.js';
