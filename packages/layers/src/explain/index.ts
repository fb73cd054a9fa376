export * from './attribute.js';
export * from './sequential.js';
