/**
 * "Did you mean": the option or flag a user most likely meant by a name we do not take. Names
 * are compared normalised (lower case, without `_` and `-`), so `return_sequences`,
 * `returnSequences` and `--return-sequences` are one name, and the same table serves camelCase
 * option keys and kebab-case CLI flags. Keras and PyTorch spell several things differently; those
 * names are mapped here, to ours, because no edit distance finds `lr` from `learning_rate`.
 */

/** `return_sequences`, `returnSequences`, `--return-sequences` → `returnsequences`. */
export function normalizeName(name: string): string {
  return name.replace(/^-+/, '').replace(/[-_\s]/g, '').toLowerCase();
}

/**
 * Foreign names (normalised) → our names that mean the same (normalised), in order of preference;
 * the first one the function or command takes is suggested.
 */
const SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  // optimizers (Keras learning_rate / epsilon / rho, PyTorch betas)
  learningrate: ['lr'],
  learnrate: ['lr'],
  eta: ['lr'],
  epsilon: ['eps'],
  rho: ['alpha'],
  decay: ['weightdecay'],
  l2: ['weightdecay', 'l2'],
  name: ['type', 'name'],
  kind: ['type'],
  // recurrent layers (Keras units, PyTorch hidden_size / num_layers)
  units: ['hiddensize', 'units', 'hidden'],
  hiddensize: ['hiddensize', 'units', 'hidden'],
  hiddenunits: ['hiddensize', 'units', 'hidden'],
  hiddendim: ['hiddensize', 'units', 'hidden'],
  numhidden: ['hiddensize', 'units', 'hidden'],
  nhidden: ['hiddensize', 'units', 'hidden'],
  hidden: ['hiddensize', 'units', 'hidden'],
  size: ['hiddensize', 'units'],
  numlayers: ['numlayers', 'layers'],
  nlayers: ['numlayers', 'layers'],
  layers: ['numlayers', 'layers'],
  depth: ['numlayers', 'layers'],
  returnsequence: ['returnsequences'],
  sequences: ['returnsequences'],
  bidirectionnal: ['bidirectional'],
  bidi: ['bidirectional'],
  activation: ['nonlinearity', 'activation'],
  nonlinearity: ['nonlinearity', 'activation'],
  kernelinitializer: ['init'],
  initializer: ['init'],
  initialization: ['init'],
  weightinit: ['init'],
  // dense and embedding (PyTorch out_features, num_embeddings; Keras input_dim / output_dim)
  outfeatures: ['units'],
  outputsize: ['units', 'outputsize'],
  outputdim: ['embeddingdim', 'units'],
  inputdim: ['numembeddings', 'inputsize'],
  vocabsize: ['numembeddings'],
  vocab: ['numembeddings', 'vocab'],
  embeddingsize: ['embeddingdim', 'embedding'],
  embedsize: ['embeddingdim', 'embedding'],
  embeddim: ['embeddingdim', 'embedding'],
  embdim: ['embeddingdim', 'embedding'],
  dim: ['embeddingdim'],
  inputshape: ['inputsize'],
  infeatures: ['inputsize'],
  features: ['inputsize', 'features'],
  p: ['rate'],
  // training (Keras fit, PyTorch loops)
  epoch: ['epochs'],
  numepochs: ['epochs'],
  nepochs: ['epochs'],
  maxepochs: ['epochs'],
  nbepoch: ['epochs'],
  bs: ['batchsize'],
  minibatchsize: ['batchsize'],
  valsplit: ['validationsplit', 'valsplit'],
  validationsplit: ['validationsplit', 'valsplit'],
  valdata: ['validationdata'],
  randomseed: ['seed'],
  rngseed: ['seed'],
  randomstate: ['seed'],
  clipgradnorm: ['clipnorm'],
  maxnorm: ['clipnorm'],
  gradclip: ['clipnorm'],
  gradientclip: ['clipnorm'],
  clipgradvalue: ['clipvalue'],
  metric: ['metrics'],
  acc: ['accuracy'],
  lossfn: ['loss'],
  criterion: ['loss'],
  optim: ['optimizer'],
  // callbacks (Keras EarlyStopping, PyTorch StepLR / CosineAnnealingLR)
  delta: ['mindelta', 'delta'],
  restorebest: ['restorebestweights'],
  period: ['every', 'stepsize'],
  savefreq: ['every'],
  tmax: ['tmax'],
  etamin: ['etamin'],
  // CLI flags
  lookback: ['window', 'seqlen'],
  timesteps: ['window', 'seqlen'],
  sequencelength: ['seqlen', 'window'],
  seqlength: ['seqlen', 'window'],
  output: ['out', 'output'],
  modelpath: ['out', 'model'],
};

/**
 * What to say of a name that has no counterpart in the function it was given to (normalised
 * name → advice), so that a Keras or PyTorch habit gets an answer instead of only a refusal.
 */
const NOTES: Readonly<Record<string, string>> = {
  activation:
    "a recurrent layer's gates have fixed activations (sigmoid and tanh, as in PyTorch); simpleRNN takes nonlinearity: 'relu', and dense({ units, activation }) puts an activation on the output",
  recurrentactivation: "a recurrent layer's gates have fixed activations (sigmoid and tanh, as in PyTorch)",
  dropout: 'add a dropout(rate) layer between layers instead',
  recurrentdropout: 'recurrent (state-to-state) dropout is not supported; add a dropout(rate) layer between layers instead',
  batchfirst: 'inputs are always batch-first: [batch, time, features]',
  returnstate: "after a call, a recurrent layer's final states are in layer.lastState",
  gobackwards: 'set bidirectional: true to read the sequence in both directions',
  usebias: 'every layer has biases (the PyTorch layout)',
  bias: 'every layer has biases (the PyTorch layout)',
  inputsize: 'a layer infers its input width when the model is built: give inputSize to sequential(layers, { inputSize }) or model.build({ inputSize })',
  inputshape: 'a layer infers its input width when the model is built: give inputSize to sequential(layers, { inputSize }) or model.build({ inputSize })',
  inputdim: 'a layer infers its input width when the model is built: give inputSize to sequential(layers, { inputSize }) or model.build({ inputSize })',
  lr: "the learning rate belongs to the optimizer: compile({ optimizer: { type: 'adam', lr: 0.01 }, … })",
  learningrate: "the learning rate belongs to the optimizer: compile({ optimizer: { type: 'adam', lr: 0.01 }, … })",
  betas: 'give the two decay rates as beta1 and beta2',
  verbose: 'progress is reported by a callback: callbacks: [progressReporter({ stderr: process.stderr })]',
};

/** The Levenshtein edit distance between `a` and `b`. */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * The name among `known` that `name` most likely meant: the same name spelled another way
 * (`return_sequences` → `returnSequences`), a Keras/PyTorch synonym (`learning_rate` → `lr`,
 * `hidden_size` → `units`), or a near typo (`epoch` → `epochs`); null when nothing is close.
 */
export function suggestName(name: string, known: readonly string[]): string | null {
  const synonym = synonymOf(name, known);
  if (synonym !== null) return synonym;
  const n = normalizeName(name);
  const byNorm = new Map(known.map((k) => [normalizeName(k), k] as const));
  let best: string | null = null;
  let bestD = Infinity;
  for (const [kn, k] of byNorm) {
    const dd = editDistance(n, kn);
    if (dd < bestD && k !== name) {
      bestD = dd;
      best = k;
    }
  }
  return best !== null && bestD <= Math.max(1, Math.floor(n.length / 3)) ? best : null;
}

/**
 * The name among `known` that means what `name` means: the same name spelled another way
 * (`batch_size` → `batch-size`) or a Keras/PyTorch synonym (`learning-rate` → `lr`); no typos.
 */
export function synonymOf(name: string, known: readonly string[]): string | null {
  const n = normalizeName(name);
  const byNorm = new Map(known.map((k) => [normalizeName(k), k] as const));
  const same = byNorm.get(n);
  if (same !== undefined && same !== name) return same;
  for (const candidate of SYNONYMS[n] ?? []) {
    const k = byNorm.get(candidate);
    if (k !== undefined && k !== name) return k;
  }
  return null;
}

/** Advice for a name with no counterpart (`activation` on an LSTM), or null. */
export function nameNote(name: string): string | null {
  return NOTES[normalizeName(name)] ?? null;
}
