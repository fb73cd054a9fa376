// @rnn/layers for the browser (the `browser` and `default` export conditions): the whole library
// without a file system. Save and load with bytes: `model.toBytes()`, `Sequential.fromBytes(bytes)`,
// `net.toBytes()`, `parseTreeNet(bytes)`, `parseTrees(text)`; the path-taking calls throw a
// `PlatformError` saying so.
export * from './universal.js';
