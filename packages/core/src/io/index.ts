/**
 * File formats: safetensors, the rnn model file built on it, NumPy `.npy`, and JSON arrays.
 * Framework-independent: plain typed arrays in and out, no Tensor class. Readers take the whole
 * file as bytes (or text) plus a `source` name used in every error message.
 */
export {
  parseSafetensors,
  serializeSafetensors,
  SAFETENSORS_DTYPES,
  MAX_SAFETENSORS_HEADER_BYTES,
  type RawTensor,
  type SafetensorsDType,
  type SafetensorsContents,
} from './safetensors.js';
export { parseNpy, serializeNpy, MAX_NPY_HEADER_BYTES, type NpyArray, type NpyDType, type NpyWritableArray } from './npy.js';
export { parseJsonArray, toNestedArray, MAX_JSON_ARRAY_RANK, type JsonArray, type JsonNestedArray } from './json-array.js';
export {
  parseModelConfig,
  expectedTensors,
  inferLayerWidths,
  isRecurrent,
  modelConfigSchema,
  layerConfigSchema,
  rnnLayerSchema,
  lstmLayerSchema,
  gruLayerSchema,
  denseLayerSchema,
  embeddingLayerSchema,
  customLayerSchema,
  conv1dLayerSchema,
  taggerLayerSchema,
  taggerTensors,
  CONV1D_ACTIVATIONS,
  DENSE_ACTIVATIONS,
  RECURRENT_GATES,
  LAYER_NAME_PATTERN,
  type ModelConfig,
  type ModelConfigInput,
  type LayerConfig,
  type RecurrentLayerConfig,
  type RnnLayerConfig,
  type LstmLayerConfig,
  type GruLayerConfig,
  type DenseLayerConfig,
  type DenseActivation,
  type EmbeddingLayerConfig,
  type CustomLayerConfig,
  type Conv1dLayerConfig,
  type TaggerLayerConfig,
  type ExpectedTensor,
  type LayerWidths,
} from './model-config.js';
export {
  readModelFile,
  writeModelFile,
  checkModelTensors,
  MODEL_FORMAT_VERSION,
  MODEL_FORMAT_KEY,
  MODEL_CONFIG_KEY,
  type ModelFile,
  type ModelTensor,
  type WriteModelFileOptions,
} from './model-file.js';
export { int64ToInt32, encodeFloats, decodeFloats } from './bytes.js';
export { parseStrictJson, type JsonValue } from './strict-json.js';
