export * from './errors.js';
export * from './dtype.js';
export * from './backend.js';
export * from './shape.js';
export * from './random.js';
export { Tensor, DataRef, type GradNode } from './tensor.js';
export { noGrad, tidy, keep, backward, grad, isGradEnabled, type BackwardOptions } from './engine.js';
export * from './registry.js';
export * from './ops/index.js';
export * as ops from './ops/index.js';
export * from './params.js';
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
  modelConfigSchema,
  type RawTensor,
  type ModelConfig,
  type ModelConfigInput,
  type LayerConfig,
  type RecurrentLayerConfig,
  type DenseLayerConfig,
  type EmbeddingLayerConfig,
  type ModelFile,
} from './io/index.js';
