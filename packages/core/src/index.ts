export * from './errors.js';
export * from './dtype.js';
export * from './backend.js';
export * from './shape.js';
export * from './random.js';
export { Tensor, DataRef, type GradNode } from './tensor.js';
export { noGrad, tidy, keep, isGradEnabled } from './engine.js';
export { backward, grad, type BackwardOptions } from './autodiff.js';
export * from './registry.js';
export * from './comm.js';
export * from './ops/index.js';
export * as ops from './ops/index.js';
export * from './params.js';
export * from './init.js';
export * from './cells/index.js';
export * as io from './io/index.js';
export {
  parseSafetensors,
  serializeSafetensors,
  parseNpy,
  serializeNpy,
  parseJsonArray,
  toNestedArray,
  parseModelConfig,
  expectedTensors,
  readModelFile,
  writeModelFile,
  encodeFloats,
  decodeFloats,
  modelConfigSchema,
  type RawTensor,
  type ModelConfig,
  type ModelConfigInput,
  type LayerConfig,
  type RecurrentLayerConfig,
  type DenseLayerConfig,
  type EmbeddingLayerConfig,
  type CustomLayerConfig,
  type Conv1dLayerConfig,
  type TaggerLayerConfig,
  taggerTensors,
  CONV1D_ACTIVATIONS,
  type ModelFile,
  type JsonValue,
} from './io/index.js';
export * from './options/index.js';
