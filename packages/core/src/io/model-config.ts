/**
 * The model config of the model-file contract (`rnn.config`), as zod schemas, plus the tensor
 * names and shapes a config implies. Every key the contract lists is accepted; any other key is
 * refused, so a typo (`hidden_size`) is an error rather than a silently ignored default.
 */
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { describeValue } from './strict-json.js';

const positiveInt = z
  .int({ error: 'expected a positive integer' })
  .positive({ error: 'expected a positive integer' });

const boolean = z.boolean({ error: 'expected true or false' });

/**
 * A layer name prefixes its tensor names (`lstm.weight_ih_l0`), so it is one or more parts of
 * letters, digits, `_` or `-`, joined by `.` — which also admits PyTorch module paths such as
 * `encoder.0`, so a `state_dict` of nested modules loads without renaming.
 */
export const LAYER_NAME_PATTERN = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;
const NAME_RULE =
  "expected a non-empty name of letters, digits, '_' or '-' (parts may be joined by '.'), at most 200 characters";
const layerName = z
  .string({ error: NAME_RULE })
  .max(200, { error: NAME_RULE })
  .regex(LAYER_NAME_PATTERN, { error: NAME_RULE });

const recurrentFields = {
  name: layerName,
  hiddenSize: positiveInt,
  numLayers: positiveInt.default(1),
  bidirectional: boolean.default(false),
  returnSequences: boolean.default(true),
};

export const rnnLayerSchema = z.strictObject({
  type: z.literal('rnn'),
  ...recurrentFields,
  nonlinearity: z.enum(['tanh', 'relu'], { error: 'expected "tanh" or "relu"' }).default('tanh'),
});
export const lstmLayerSchema = z.strictObject({ type: z.literal('lstm'), ...recurrentFields });
export const gruLayerSchema = z.strictObject({ type: z.literal('gru'), ...recurrentFields });

export const DENSE_ACTIVATIONS = ['linear', 'tanh', 'relu', 'sigmoid', 'softmax'] as const;
export const denseLayerSchema = z.strictObject({
  type: z.literal('dense'),
  name: layerName,
  units: positiveInt,
  activation: z
    .enum(DENSE_ACTIVATIONS, { error: `expected one of ${DENSE_ACTIVATIONS.map((a) => `"${a}"`).join(', ')}` })
    .default('linear'),
});

export const embeddingLayerSchema = z.strictObject({
  type: z.literal('embedding'),
  name: layerName,
  numEmbeddings: positiveInt,
  embeddingDim: positiveInt,
});

/**
 * An extension of the contract: a recurrent layer over a cell registered by name
 * (`registerCell` in @rnn/layers). `options` is the rest of the cell's `config()`; its tensors
 * are `<name>.<the cell's parameter>_l{k}[_reverse]`, which only the cell knows, so the reader
 * accepts any tensor under the layer's prefix and the loader checks them against the built cell.
 */
const CELL_KIND_RULE = "expected a cell kind of letters, digits, '_', '-' or '.', at most 100 characters";
export const customLayerSchema = z.strictObject({
  type: z.literal('custom'),
  cell: z.string({ error: CELL_KIND_RULE }).max(100, { error: CELL_KIND_RULE }).regex(/^[A-Za-z0-9_.-]+$/, { error: CELL_KIND_RULE }),
  ...recurrentFields,
  outputSize: positiveInt.optional(),
  options: z.record(z.string(), z.json(), { error: 'expected an object of JSON values' }).default({}),
});

/**
 * An extension of the contract: a 1-D convolution over time, PyTorch `nn.Conv1d` weights
 * (`<name>.weight [outChannels, in, kernelSize]`, `<name>.bias [outChannels]`) on a batch-first
 * sequence `[batch, time, in]`, giving `[batch, time + 2*padding - kernelSize + 1, outChannels]`.
 */
export const CONV1D_ACTIVATIONS = ['linear', 'tanh', 'relu'] as const;
const nonNegativeInt = z.int({ error: 'expected a non-negative integer' }).min(0, { error: 'expected a non-negative integer' });
export const conv1dLayerSchema = z.strictObject({
  type: z.literal('conv1d'),
  name: layerName,
  outChannels: positiveInt,
  kernelSize: positiveInt,
  padding: nonNegativeInt.default(0),
  activation: z
    .enum(CONV1D_ACTIVATIONS, { error: `expected one of ${CONV1D_ACTIVATIONS.map((a) => `"${a}"`).join(', ')}` })
    .default('linear'),
});

/**
 * An extension of the contract: a whole sequence tagger (docs/model-file.md § "tagger"), the only
 * layer of its model. Word vectors ⊕ (optionally) a character CNN max-pooled over each word →
 * bidirectional LSTM → dense emissions → a linear-chain CRF (`crf: true`) or a softmax.
 */
export const taggerCharsSchema = z.strictObject({
  numChars: positiveInt,
  embeddingDim: positiveInt,
  filters: positiveInt,
  kernelSize: positiveInt,
  /** Characters of a longer word the CNN reads: its first ⌈m/2⌉ and last ⌊m/2⌋ (0: all). */
  maxWordLength: nonNegativeInt.default(20),
});
/** Word-shape features (casing, digits, @/#/URL…): one learned vector per shape class. */
export const taggerShapeSchema = z.strictObject({
  /** Shape classes (`WORD_SHAPES` of @rnn/layers). */
  numShapes: positiveInt,
  dim: positiveInt,
});
export const taggerLayerSchema = z.strictObject({
  type: z.literal('tagger'),
  name: layerName,
  numWords: positiveInt,
  wordDim: positiveInt,
  chars: taggerCharsSchema.nullable().default(null),
  shape: taggerShapeSchema.nullable().default(null),
  hiddenSize: positiveInt,
  numLayers: positiveInt.default(1),
  numTags: positiveInt,
  crf: boolean.default(true),
  dropout: z.number({ error: 'expected a number in [0, 1)' }).min(0, { error: 'expected a number in [0, 1)' }).lt(1, { error: 'expected a number in [0, 1)' }).default(0),
});

const LAYER_SCHEMAS = {
  rnn: rnnLayerSchema,
  lstm: lstmLayerSchema,
  gru: gruLayerSchema,
  dense: denseLayerSchema,
  embedding: embeddingLayerSchema,
  custom: customLayerSchema,
  conv1d: conv1dLayerSchema,
  tagger: taggerLayerSchema,
};
const LAYER_TYPES = Object.keys(LAYER_SCHEMAS);

export const layerConfigSchema = z.discriminatedUnion(
  'type',
  [rnnLayerSchema, lstmLayerSchema, gruLayerSchema, denseLayerSchema, embeddingLayerSchema, customLayerSchema, conv1dLayerSchema, taggerLayerSchema],
  { error: `expected a layer type: ${LAYER_TYPES.map((t) => `"${t}"`).join(', ')}` },
);

export const modelConfigSchema = z
  .strictObject(
    {
      inputSize: positiveInt.optional(),
      layers: z
        .array(layerConfigSchema, { error: 'expected an array of layers' })
        .min(1, { error: 'expected at least one layer' }),
    },
    { error: 'expected an object {inputSize, layers}' },
  )
  .superRefine((config, ctx) => {
    // zod runs this even when a layer failed its own schema; cross-layer rules need sane layers.
    const sane = config.layers.every(
      (l: unknown) => typeof l === 'object' && l !== null && typeof (l as { name?: unknown }).name === 'string',
    );
    if (!sane) return;
    const seen = new Map<string, number>();
    config.layers.forEach((layer, i) => {
      const first = seen.get(layer.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['layers', i, 'name'],
          message: `the name "${layer.name}" is already used by layers[${first}]; layer names must be unique (they prefix tensor names)`,
        });
      } else {
        seen.set(layer.name, i);
      }
    });
    const tagger = config.layers.findIndex((l) => l.type === 'tagger');
    if (tagger >= 0) {
      if (config.layers.length > 1) {
        ctx.addIssue({
          code: 'custom',
          path: ['layers', tagger],
          message: `a tagger layer ("${config.layers[tagger]!.name}") is a whole model, so it must be the only layer; found ${config.layers.length} layers`,
        });
      }
      return;
    }
    const [head, ...rest] = config.layers;
    if (head !== undefined && head.type !== 'embedding' && config.inputSize === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['inputSize'],
        message: `is required because the first layer ("${head.name}", type "${head.type}") is not an embedding; expected a positive integer, found nothing`,
      });
    }
    rest.forEach((layer, j) => {
      const i = j + 1;
      const prev = config.layers[j]!;
      if (layer.type === 'embedding') {
        ctx.addIssue({
          code: 'custom',
          path: ['layers', i],
          message: `an embedding layer ("${layer.name}") takes integer ids, so it must be the first layer; found it after layers[${j}] ("${prev.name}")`,
        });
      } else if (readsSequence(layer) && !producesSequence(config.layers.slice(0, i))) {
        ctx.addIssue({
          code: 'custom',
          path: ['layers', i],
          message: `the ${layer.type} layer "${layer.name}" needs a sequence input [batch, time, features], but an earlier recurrent layer has returnSequences: false, which leaves no time axis`,
        });
      }
    });
  });

export type RnnLayerConfig = z.infer<typeof rnnLayerSchema>;
export type LstmLayerConfig = z.infer<typeof lstmLayerSchema>;
export type GruLayerConfig = z.infer<typeof gruLayerSchema>;
export type RecurrentLayerConfig = RnnLayerConfig | LstmLayerConfig | GruLayerConfig;
export type DenseLayerConfig = z.infer<typeof denseLayerSchema>;
export type DenseActivation = DenseLayerConfig['activation'];
export type EmbeddingLayerConfig = z.infer<typeof embeddingLayerSchema>;
export type CustomLayerConfig = z.infer<typeof customLayerSchema>;
export type Conv1dLayerConfig = z.infer<typeof conv1dLayerSchema>;
export type TaggerLayerConfig = z.infer<typeof taggerLayerSchema>;
export type LayerConfig = z.infer<typeof layerConfigSchema>;
/** A validated config: every default filled in. */
export type ModelConfig = z.infer<typeof modelConfigSchema>;
/** A config as written by hand: defaults may be omitted. */
export type ModelConfigInput = z.input<typeof modelConfigSchema>;

export function isRecurrent(layer: LayerConfig): layer is RecurrentLayerConfig {
  return layer.type === 'rnn' || layer.type === 'lstm' || layer.type === 'gru';
}

/** A built-in recurrent layer or one over a registered cell: both read `[batch, time, features]`. */
function readsSequence(layer: LayerConfig): layer is RecurrentLayerConfig | CustomLayerConfig | Conv1dLayerConfig {
  return isRecurrent(layer) || layer.type === 'custom' || layer.type === 'conv1d';
}

function producesSequence(layers: readonly LayerConfig[]): boolean {
  return layers.every((l) => !readsSequence(l) || l.type === 'conv1d' || l.returnSequences);
}

/**
 * Validates a model config (already parsed from JSON) and fills in its defaults.
 *
 * @param source names where the config came from, e.g. `model.safetensors: metadata "rnn.config"`.
 * @throws ConfigError listing each problem as `path: expected …, found …`, e.g.
 *   `layers[1].hiddenSize: expected a positive integer, found -3`.
 */
export function parseModelConfig(json: unknown, source: string): ModelConfig {
  const result = modelConfigSchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.slice(0, 5).map((issue) => describeIssue(issue, json));
  const more = result.error.issues.length - problems.length;
  throw new ConfigError(
    `${source}: invalid model config: ${problems.join('; ')}${more > 0 ? `; and ${more} more problem(s)` : ''}`,
  );
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string {
  const path = formatPath(issue.path);
  const at = path === '' ? '' : `${path}: `;
  const found = valueAt(input, issue.path);
  switch (issue.code) {
    case 'custom':
      return `${at}${issue.message}`;
    case 'unrecognized_keys': {
      const keys = issue.keys.map((k) => `"${k}"`).join(', ');
      const type = (found as { type?: unknown } | undefined)?.type;
      if (issue.keys.includes('nonlinearity') && typeof type === 'string' && type in LAYER_SCHEMAS) {
        return `${at}"nonlinearity" is only allowed for type "rnn", found it on a "${type}" layer`;
      }
      const allowed =
        issue.path.length === 0
          ? ['inputSize', 'layers']
          : typeof type === 'string' && type in LAYER_SCHEMAS
            ? Object.keys(LAYER_SCHEMAS[type as keyof typeof LAYER_SCHEMAS].shape)
            : [];
      return `${at}unknown key${issue.keys.length > 1 ? 's' : ''} ${keys}; expected only ${allowed.map((k) => `"${k}"`).join(', ')}`;
    }
    default:
      return `${at}${issue.message}, found ${describeValue(found)}`;
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? String(p) : `.${String(p)}`;
  }
  return out;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, p)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

/** Gates per step: G in the contract's `[G*hiddenSize, …]` shapes, in PyTorch's order. */
export const RECURRENT_GATES: Record<RecurrentLayerConfig['type'], number> = { rnn: 1, gru: 3, lstm: 4 };

/** Feature widths through the stack: `inputWidth` is null for an embedding (it takes ids). */
export interface LayerWidths {
  layer: LayerConfig;
  inputWidth: number | null;
  outputWidth: number;
}

/**
 * The input and output feature width of each layer: an embedding gives `embeddingDim` (and
 * ignores `inputSize`), a recurrent layer `D*hiddenSize` (D = 2 if bidirectional), a dense layer
 * `units`. Expects a validated config.
 */
export function inferLayerWidths(config: ModelConfig): LayerWidths[] {
  let width: number | null = config.inputSize ?? null;
  return config.layers.map((layer) => {
    const inputWidth = layer.type === 'embedding' || layer.type === 'tagger' ? null : width;
    if (layer.type !== 'embedding' && layer.type !== 'tagger' && inputWidth === null) {
      throw new ConfigError(
        `model config: inputSize is required because the first layer ("${layer.name}") is not an embedding`,
      );
    }
    const outputWidth =
      layer.type === 'embedding'
        ? layer.embeddingDim
        : layer.type === 'dense'
          ? layer.units
          : layer.type === 'conv1d'
            ? layer.outChannels
            : layer.type === 'tagger'
              ? layer.numTags
              : (layer.bidirectional ? 2 : 1) * (layer.type === 'custom' ? (layer.outputSize ?? layer.hiddenSize) : layer.hiddenSize);
    width = outputWidth;
    return { layer, inputWidth, outputWidth };
  });
}

/**
 * How many tensors `expectedTensors` lists for one layer, computed without listing them: a config
 * of a few bytes can declare `numLayers: 2**40`, and a reader must refuse that file before it
 * tries to enumerate the names.
 */
export function countLayerTensors(layer: LayerConfig): number {
  if (layer.type === 'embedding') return 1;
  if (layer.type === 'dense') return 2;
  if (layer.type === 'custom') return 0; // not known without the cell: see customLayerSchema
  if (layer.type === 'conv1d') return 2;
  if (layer.type === 'tagger') return 1 + (layer.chars ? 3 : 0) + (layer.shape ? 1 : 0) + 8 * layer.numLayers + 2 + (layer.crf ? 3 : 0);
  return 4 * layer.numLayers * (layer.bidirectional ? 2 : 1);
}

export interface ExpectedTensor {
  name: string;
  shape: number[];
  /** The layer the tensor belongs to. */
  layer: string;
}

/**
 * Every tensor a model with this config holds, in PyTorch `state_dict` order, with the shapes of
 * the contract's table. Expects a validated config (as `parseModelConfig` returns). A `custom`
 * layer's tensors are not listed: they depend on its cell.
 */
export function expectedTensors(config: ModelConfig): ExpectedTensor[] {
  const out: ExpectedTensor[] = [];
  for (const { layer, inputWidth } of inferLayerWidths(config)) {
    const P = layer.name;
    const add = (suffix: string, shape: number[]): void => {
      out.push({ name: `${P}.${suffix}`, shape, layer: P });
    };
    if (layer.type === 'embedding') {
      add('weight', [layer.numEmbeddings, layer.embeddingDim]);
    } else if (layer.type === 'dense') {
      add('weight', [layer.units, inputWidth!]);
      add('bias', [layer.units]);
    } else if (layer.type === 'conv1d') {
      add('weight', [layer.outChannels, inputWidth!, layer.kernelSize]);
      add('bias', [layer.outChannels]);
    } else if (layer.type === 'tagger') {
      for (const t of taggerTensors(layer)) add(t.name, t.shape);
    } else if (layer.type !== 'custom') {
      const H = layer.hiddenSize;
      const D = layer.bidirectional ? 2 : 1;
      const GH = RECURRENT_GATES[layer.type] * H;
      for (let k = 0; k < layer.numLayers; k++) {
        const inK = k === 0 ? inputWidth! : D * H;
        for (const dir of D === 2 ? ['', '_reverse'] : ['']) {
          add(`weight_ih_l${k}${dir}`, [GH, inK]);
          add(`weight_hh_l${k}${dir}`, [GH, H]);
          add(`bias_ih_l${k}${dir}`, [GH]);
          add(`bias_hh_l${k}${dir}`, [GH]);
        }
      }
    }
  }
  return out;
}

/**
 * A tagger's tensors, named under its layer name as a PyTorch module with these attributes would
 * name them: `word_embedding`, `char_embedding` + `char_cnn` (with `chars`), `lstm`
 * (bidirectional), `fc`, and `crf` (pytorch-crf's `transitions`, `start_transitions`,
 * `end_transitions`) when `crf` is true. Lists `countLayerTensors` of them: a reader checks that
 * count against the file first, as for every layer.
 */
export function taggerTensors(layer: TaggerLayerConfig): { name: string; shape: number[] }[] {
  const out: { name: string; shape: number[] }[] = [];
  const add = (name: string, shape: number[]): void => void out.push({ name, shape });
  add('word_embedding.weight', [layer.numWords, layer.wordDim]);
  let width = layer.wordDim;
  if (layer.chars) {
    const c = layer.chars;
    add('char_embedding.weight', [c.numChars, c.embeddingDim]);
    add('char_cnn.weight', [c.filters, c.embeddingDim, c.kernelSize]);
    add('char_cnn.bias', [c.filters]);
    width += c.filters;
  }
  if (layer.shape) {
    add('shape_embedding.weight', [layer.shape.numShapes, layer.shape.dim]);
    width += layer.shape.dim;
  }
  const H = layer.hiddenSize;
  for (let k = 0; k < layer.numLayers; k++) {
    for (const dir of ['', '_reverse']) {
      add(`lstm.weight_ih_l${k}${dir}`, [4 * H, k === 0 ? width : 2 * H]);
      add(`lstm.weight_hh_l${k}${dir}`, [4 * H, H]);
      add(`lstm.bias_ih_l${k}${dir}`, [4 * H]);
      add(`lstm.bias_hh_l${k}${dir}`, [4 * H]);
    }
  }
  add('fc.weight', [layer.numTags, 2 * H]);
  add('fc.bias', [layer.numTags]);
  if (layer.crf) {
    add('crf.transitions', [layer.numTags, layer.numTags]);
    add('crf.start_transitions', [layer.numTags]);
    add('crf.end_transitions', [layer.numTags]);
  }
  return out;
}
