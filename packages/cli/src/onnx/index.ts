export { exportOnnx, ONNX_OPSET, type OnnxExportOptions } from './export.js';
export { NotExportableError } from './errors.js';
export { exportFile } from './file.js';
