// @rnn/layers for Node (the `node` export condition): the file system first, then the library.
// `model.save(path)`, `Sequential.load(path)`, `readTrees(path)` read and write files through it.
import './platform/node.js';

export * from './universal.js';
// node only (node:fs): the log files
export { csvLogger, type CsvLoggerOptions } from './model/csv-logger.js';
export { tensorBoard, type TensorBoardOptions } from './model/tensorboard/callback.js';
export { writeFileAtomic } from './model/files.js';
