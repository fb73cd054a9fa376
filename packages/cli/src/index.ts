export { main, COMMANDS, registerCommand } from './main.js';
export { action, withCommon, type Action, type Command, type Io } from './command.js';
export { flag, flagSet, parseFlags, UsageError, type Flag, type FlagSet, type Values } from './flags.js';
export { WORKFLOWS } from './workflows/index.js';
export type { Workflow, Verb } from './workflows/workflow.js';
export { readArray, writeArray } from './arrays.js';
export { exportOnnx, exportFile, NotExportableError, ONNX_OPSET, type OnnxExportOptions } from './onnx/index.js';
