import { z } from 'zod';
import {
  ConfigError,
  describeValue,
  parseOptions,
  schemas,
  ParameterSet,
  Rng,
  ShapeError,
  cast,
  concat,
  fmt,
  gather,
  getBackend,
  noGrad,
  readModelFile,
  parseSafetensors,
  serializeSafetensors,
  FormatError,
  tensor,
  writeModelFile,
  type NestedArray,
  type ModelConfig,
  type RawTensor,
  type Tensor,
} from '@rnn/core';
import { Layer, type SymbolicShape } from '../layers/layer.js';
import { Recurrent } from '../layers/recurrent.js';
import { Embedding } from '../layers/embedding.js';
import { Conv1d } from '../layers/conv1d.js';
import { Dense } from '../layers/dense.js';
import { Dropout } from '../layers/dropout.js';
import { configOf, layerFromConfig } from './build.js';
import { summarize } from './summary.js';
import { batchOptions, checkFitOptions, compile, evaluate, fit, type BatchOptions, type CompileOptions, type Compiled, type FitOptions } from './fit.js';
import type { ForwardOptions, History, LayerStack, SequenceBatch, StepContext, TrainableModel } from './types.js';
import { USE_BYTES, files } from '../platform/files.js';

const buildOptions = z.strictObject({
  /** Features per time step (not needed when the first layer is an embedding). */
  inputSize: schemas.positiveInt().optional(),
  seed: schemas.integer().optional(),
  backend: schemas.backendSchema().optional(),
  dtype: schemas.floatDtypeSchema().optional(),
});
const sequentialOptions = z.strictObject({ inputSize: schemas.positiveInt().optional() });
const loadOptions = z.strictObject({ backend: schemas.backendSchema().optional(), dtype: schemas.floatDtypeSchema().optional() });

export type BuildOptions = z.infer<typeof buildOptions>;
export type SequentialOptions = z.infer<typeof sequentialOptions>;
/** Where a loaded model's weights live: `{ backend, dtype }`. */
export type LoadOptions = z.infer<typeof loadOptions>;

/** The layers must be an array of layer objects: `sequential([lstm(…), dense(…)])`. */
function checkLayers(layers: unknown, where: string): asserts layers is Layer[] {
  if (!Array.isArray(layers)) {
    throw new ConfigError(`${where}: expected an array of layers, e.g. sequential([lstm({ units: 8 }), dense({ units: 1 })]), found ${describeValue(layers)}`);
  }
  layers.forEach((l, i) => {
    if (!(l instanceof Layer)) throw new ConfigError(`${where}: layers[${i}] must be a layer (lstm(…), dense(…), …), found ${describeValue(l)}`);
  });
}

export type { ForwardOptions } from './types.js';

/**
 * A stack of layers applied in order — the model of the model file. Its parameters live in one
 * `ParameterSet` (flat buffers) named as PyTorch names them. `fit` trains it with the `Trainer`.
 */
export class Sequential implements LayerStack, TrainableModel<SequenceBatch> {
  readonly layers: Layer[];
  inputSize: number | undefined;
  params: ParameterSet | null = null;
  /** Extra model-file metadata (scalers, vocabularies); `rnn.*` keys are reserved. */
  metadata: Record<string, string> = {};
  private inputKind: SymbolicShape['kind'] = 'sequence';
  private outputShape: SymbolicShape | null = null;
  /** Each layer's output, as its `build` returned it (what `summary()` shows). */
  private layerShapes: SymbolicShape[] = [];

  constructor(layers: Layer[], options: SequentialOptions = {}) {
    checkLayers(layers, 'new Sequential');
    parseOptions(sequentialOptions, options, 'new Sequential');
    if (layers.length === 0) throw new ConfigError('sequential: a model needs at least one layer');
    const names = new Set<string>();
    for (const l of layers) {
      if (names.has(l.name)) {
        throw new ConfigError(`sequential: two layers are named '${l.name}'; give each layer a unique name (it prefixes its tensor names)`);
      }
      names.add(l.name);
    }
    this.layers = layers;
    this.inputSize = options.inputSize;
  }

  get built(): boolean {
    return this.params !== null;
  }

  /**
   * The Trainer frees every tensor a training step creates as the step ends (its `tidy` scope),
   * so the native backend writes the next step's results into the same buffers: a steady step
   * allocates nothing new, and V8 runs no mark-compact for it (each fresh MB of results counts as
   * external memory, and workload B made ~35 MB a step: one mark-compact per step). Only when
   * every layer is a built-in one, which keeps no tensor of a step past it (a custom layer might
   * cache one: its tensors are left to the garbage collector as before). A recurrent layer's
   * `lastState` from a training step is freed with the step.
   */
  get tidySteps(): boolean {
    return this.layers.every((l) => BUILT_IN_LAYERS.has(l.constructor));
  }

  get output(): SymbolicShape {
    if (!this.outputShape) throw new ConfigError('model is not built yet: call build({ inputSize }) or fit()');
    return this.outputShape;
  }

  /** Create and initialise the parameters (PyTorch's default initialisation unless a layer says otherwise). */
  build(options: BuildOptions = {}): this {
    parseOptions(buildOptions, options, 'build');
    const first = this.layers[0]!;
    const inputSize = options.inputSize ?? this.inputSize;
    if (first instanceof Embedding) this.inputKind = 'ids';
    else {
      if (inputSize === undefined) {
        throw new ConfigError('build: inputSize (features per time step) is required unless the first layer is an embedding');
      }
      this.inputKind = this.layers.some((l) => l instanceof Recurrent || l instanceof Conv1d) ? 'sequence' : 'vector';
    }
    this.inputSize = first instanceof Embedding ? undefined : inputSize;
    let shape: SymbolicShape = { kind: this.inputKind, features: inputSize ?? 0 };
    this.layerShapes = this.layers.map((l) => (shape = l.build(shape)));
    this.outputShape = shape;
    const rng = new Rng(options.seed ?? 0);
    const specs = this.layers.flatMap((l) => l.parameters(rng));
    this.params = new ParameterSet(specs, { backend: options.backend ?? getBackend(), dtype: options.dtype ?? 'float32' });
    return this;
  }

  private ensureBuilt(x: Tensor): ParameterSet {
    if (!this.params) this.build({ inputSize: x.shape[x.rank - 1] });
    return this.params!;
  }

  /** Check an input batch against what the model reads. */
  checkInput(x: Tensor, what = 'input'): void {
    const want =
      this.inputKind === 'ids'
        ? '[batch, time] integer token ids'
        : this.inputKind === 'sequence'
          ? `[batch, time, ${this.inputSize}]`
          : `[batch, ${this.inputSize}]`;
    const ok =
      this.inputKind === 'ids'
        ? x.rank === 2
        : (x.rank === 3 || (this.inputKind === 'vector' && x.rank === 2)) && x.shape[x.rank - 1] === this.inputSize;
    if (!ok) throw new ShapeError(`${what}: expected ${want}, found ${fmt(x.shape)}`);
  }

  /** Run the model (recording gradients unless inside `noGrad`). */
  forward(x: Tensor, options: ForwardOptions = {}): Tensor {
    const params = this.ensureBuilt(x);
    this.checkInput(x);
    let h = this.inputKind === 'ids' ? cast(x, 'int32') : x.dtype === params.values.dtype ? x : cast(x, params.values.dtype);
    const ctx = {
      training: options.training ?? false,
      lengths: options.lengths ?? null,
      rng: options.rng ?? new Rng(0),
      param: (name: string) => params.get(name),
    };
    for (const l of this.layers) h = l.call(h, ctx);
    return h;
  }

  /** Inference in batches, without gradients. */
  predict(input: Tensor | NestedArray, options: BatchOptions = {}): Tensor {
    parseOptions(batchOptions, options, 'predict');
    const x = asTensor(input, this.params, this.layers[0] instanceof Embedding);
    this.ensureBuilt(x);
    const n = x.shape[0]!;
    const bs = options.batchSize ?? Math.max(n, 1);
    return noGrad(() => {
      if (bs >= n) return this.forward(x, { lengths: options.lengths ?? null });
      const parts: Tensor[] = [];
      for (let i = 0; i < n; i += bs) {
        const idx = Int32Array.from({ length: Math.min(bs, n - i) }, (_, k) => i + k);
        const xb = gather(x, tensor(idx, [idx.length], { dtype: 'int32', backend: x.backend }));
        parts.push(this.forward(xb, { lengths: options.lengths ? options.lengths.slice(i, i + bs) : null }));
      }
      return concat(parts, 0);
    });
  }

  /** The output shape for a batch `x`, symbolically (used to check targets before training). */
  outputShapeFor(x: Tensor): number[] {
    const out = this.output;
    const n = x.shape[0]!;
    if (out.kind === 'vector') return [n, out.features];
    return [n, x.shape[1]!, out.features];
  }

  private compiled: Compiled | null = null;

  /** Choose the optimizer, loss and metrics for `fit`/`evaluate`. */
  compile(options: CompileOptions): this {
    this.compiled = compile(options, 'compile');
    return this;
  }

  get training(): Compiled {
    if (!this.compiled) throw new ConfigError('call compile({ optimizer, loss }) before fit() or evaluate()');
    return this.compiled;
  }

  /** The compiled loss of one training batch (dropout on): what the `Trainer` minimises. */
  loss(batch: SequenceBatch, ctx: StepContext): Tensor {
    const pred = this.forward(batch.x, { training: true, lengths: batch.lengths, rng: ctx.rng });
    return this.training.loss(pred, batch.y);
  }

  batchTensors(batch: SequenceBatch): Record<string, Tensor> {
    return { x: batch.x, y: batch.y };
  }

  /** Where element `k` of parameter `name` sits: its layer, and for recurrent weights the gate and unit. */
  describeParameter(name: string, k: number): string {
    return describeParameter(this.layers, this.params!, name, k);
  }

  /** Train on `x`, `y` (tensors, or nested arrays converted on the current backend). */
  async fit(x: Tensor | NestedArray, y: Tensor | NestedArray, options: FitOptions = {}): Promise<History> {
    checkFitOptions(options, 'fit');
    const c = this.training;
    const xt = asTensor(x, this.params, this.layers[0] instanceof Embedding);
    const yt = asTensor(y, this.params, c.lossName === 'crossentropy');
    return fit(this, c, xt, yt, options);
  }

  evaluate(x: Tensor | NestedArray, y: Tensor | NestedArray, options: BatchOptions = {}): Record<string, number> {
    parseOptions(batchOptions, options, 'evaluate');
    const c = this.training;
    const xt = asTensor(x, this.params, this.layers[0] instanceof Embedding);
    const yt = asTensor(y, this.params, c.lossName === 'crossentropy');
    return evaluate(this, c, xt, yt, options.batchSize, options.lengths);
  }

  /** Write the model file atomically. */
  async save(path: string, extraMetadata: Record<string, string> = {}): Promise<void> {
    files('model.save(path)', USE_BYTES).writeFile(path, this.toBytes(extraMetadata));
  }

  /**
   * Weights only, by parameter name, as safetensors (for models the model-file contract cannot
   * describe, e.g. custom cells): rebuild the same model in code, then `loadWeights`.
   */
  async saveWeights(path: string): Promise<void> {
    if (!this.params) throw new ConfigError('saveWeights: the model has no weights yet (build or train it first)');
    const host = this.params.toHost();
    const tensors = new Map<string, RawTensor>();
    for (const t of this.params.tensors) {
      const d = host.get(t.name!)!;
      tensors.set(t.name!, { dtype: 'F32', shape: [...t.shape], data: d instanceof Float32Array ? d : Float32Array.from(d) } as RawTensor);
    }
    files('model.saveWeights(path)', 'use serializeSafetensors on the weights instead').writeFile(path, serializeSafetensors(tensors, { 'rnn.weights': '1' }));
  }

  /** Load weights saved by `saveWeights` into this (built) model; every name and shape must match. */
  async loadWeights(path: string): Promise<void> {
    if (!this.params) throw new ConfigError('loadWeights: build the model first (build({ inputSize }))');
    const { tensors } = parseSafetensors(files('model.loadWeights(path)', 'parse the bytes with parseSafetensors instead').readFile(path), path);
    setWeights(this.params, tensors, path);
  }

  static async load(path: string, options: LoadOptions = {}): Promise<Sequential> {
    parseOptions(loadOptions, options, 'Sequential.load');
    return Sequential.fromBytes(files('Sequential.load(path)', USE_BYTES).readFile(path), path, options);
  }

  summary(): string {
    return summarize(this, this.layerShapes);
  }

  config(): ModelConfig {
    return configOf(this.layers, this.inputSize);
  }

  /** The model file (safetensors with PyTorch names + config), as bytes. */
  toBytes(extraMetadata: Record<string, string> = {}): Uint8Array {
    if (!this.params) throw new ConfigError('save: the model has no weights yet (build or train it first)');
    const host = this.params.toHost();
    const tensors = new Map<string, RawTensor>();
    this.params.tensors.forEach((t) => {
      const d = host.get(t.name!)!;
      tensors.set(t.name!, { dtype: 'F32', shape: [...t.shape], data: d instanceof Float32Array ? d : Float32Array.from(d) } as RawTensor);
    });
    return writeModelFile(this.config(), tensors, { ...this.metadata, ...extraMetadata });
  }

  /** A model from model-file bytes; refuses anything that does not match the contract. */
  static fromBytes(bytes: Uint8Array, source = '<buffer>', options: LoadOptions = {}): Sequential {
    parseOptions(loadOptions, options, 'Sequential.fromBytes');
    const file = readModelFile(bytes, source);
    const model = Sequential.fromConfig(file.config);
    model.build({ inputSize: file.config.inputSize, ...options });
    // the reader checked the built-in layers' tensors; a custom cell's are checked here, against the built cell
    setWeights(model.params!, file.tensors, source);
    model.metadata = Object.fromEntries(Object.entries(file.metadata).filter(([k]) => k !== 'rnn.format' && k !== 'rnn.config'));
    return model;
  }

  static fromConfig(config: ModelConfig): Sequential {
    return new Sequential(config.layers.map(layerFromConfig), { inputSize: config.inputSize });
  }
}

/** The layer classes whose `call` keeps nothing past a training step (see `Sequential.tidySteps`). */
const BUILT_IN_LAYERS = new Set<unknown>([Recurrent, Dense, Embedding, Dropout, Conv1d]);

function asTensor(v: Tensor | NestedArray, params: ParameterSet | null, ids: boolean): Tensor {
  if (typeof v === 'object' && v !== null && 'shape' in v && 'dtype' in v) return v as Tensor;
  const backend = params?.backend ?? getBackend();
  return tensor(v as NestedArray, undefined, { dtype: ids ? 'int32' : (params?.values.dtype ?? 'float32'), backend });
}

/** `sequential([lstm({ units: 20 }), dense({ units: 5 })])` — Keras-style. */
export function sequential(layers: Layer[], options: SequentialOptions = {}): Sequential {
  checkLayers(layers, 'sequential');
  parseOptions(sequentialOptions, options, 'sequential');
  return new Sequential(layers, options);
}

/** Put `tensors` into `params`: every name and shape must match, F32 or F64; nothing is set otherwise. */
function setWeights(params: ParameterSet, tensors: ReadonlyMap<string, RawTensor>, source: string): void {
  const missing = params.names.filter((n) => !tensors.has(n));
  const extra = [...tensors.keys()].filter((n) => !params.has(n));
  if (missing.length || extra.length) {
    throw new FormatError(
      `${source}: weights do not match the model` +
        (missing.length ? `; missing ${missing.slice(0, 5).join(', ')}` : '') +
        (extra.length ? `; unexpected ${extra.slice(0, 5).join(', ')}` : ''),
    );
  }
  for (const t of params.tensors) {
    const src = tensors.get(t.name!)!;
    if (src.shape.length !== t.rank || src.shape.some((d, i) => d !== t.shape[i])) {
      throw new FormatError(`${source}: tensor '${t.name}' has shape ${fmt(src.shape)}, expected ${fmt(t.shape)}`);
    }
    if (src.dtype !== 'F32' && src.dtype !== 'F64') throw new FormatError(`${source}: tensor '${t.name}' has dtype ${src.dtype}, expected F32 or F64`);
  }
  for (const t of params.tensors) params.set(t.name!, tensors.get(t.name!)!.data as Float32Array | Float64Array);
}

const GATE_NAMES: Record<string, string[]> = {
  lstm: ['i (input)', 'f (forget)', 'g (cell)', 'o (output)'],
  gru: ['r (reset)', 'z (update)', 'n (new)'],
};

/** ` (layer 'lstm', gate f (forget), hidden unit 2, …)` for element `k` of parameter `name`. */
function describeParameter(layers: readonly Layer[], params: ParameterSet, name: string, k: number): string {
  const layer = layers.find((l) => name.startsWith(`${l.name}.`));
  if (!layer) return '';
  const m = /\.(?:weight|bias)_(?:ih|hh)_l(\d+)(_reverse)?$/.exec(name);
  const kernel = layer instanceof Recurrent ? layer.cell.kernel : undefined;
  if (!m || kernel === undefined) return ` (layer '${layer.name}')`;
  const rec = layer as Recurrent;
  const shape = params.get(name).shape;
  const row = shape.length === 2 ? Math.floor(k / shape[1]!) : k;
  const gates = GATE_NAMES[kernel];
  const parts = [`layer '${layer.name}'`];
  if (gates) parts.push(`gate ${gates[Math.floor(row / rec.hiddenSize)]}`);
  parts.push(`hidden unit ${row % rec.hiddenSize}`);
  if (rec.numLayers > 1) parts.push(`stacked layer ${m[1]}`);
  if (m[2]) parts.push('reverse direction');
  return ` (${parts.join(', ')})`;
}
