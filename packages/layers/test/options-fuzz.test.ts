// Every options object of @rnn/layers' public API is checked where the user passes it: an unknown
// key is a ConfigError naming the key and the function (random names, and the Keras/PyTorch names
// people bring), and every key the function documents is still accepted.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LSTMCell, Rng, getBackend, tensor } from '@rnn/core';
import {
  Adagrad, Adam, AdamW, RMSprop, Recurrent, SGD, Sequential, Trainer, TreeNet, Vocab, cosineLR, warmupCosine, dense, dropout, earlyStopping,
  embedding, evaluateTrees, fitTrees, getLoss, getOptimizer, gru, loadTreeNet, lstm, modelCheckpoint, parseTreeNet, parseTrees,
  progressReporter, sequential, simpleRNN, stepLR,
} from '../src/index.js';
import { describeOptions, type Entry } from './options-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'rnn-options-'));
const x = tensor([[[1], [2]], [[3], [4]], [[5], [6]], [[7], [8]]]);
const y = tensor([[1], [2], [3], [4]]);
const model = () => sequential([lstm({ units: 3 }), dense({ units: 1 })]).compile({ optimizer: 'adam', loss: 'mse' });
const built = model().build({ inputSize: 1 });
const modelPath = join(dir, 'm.safetensors');
await built.save(modelPath);
const trees = parseTrees('(3 (2 good) (3 movie))\n(1 (1 bad) (2 film))\n(4 (3 great) (2 plot))');
const vocab = Vocab.build(trees);
const net = () => new TreeNet({ cell: 'tree-lstm', hiddenSize: 4, embeddingDim: 3, vocab });
const enc = net().encode(trees);
const treePath = join(dir, 't.safetensors');
net().save(treePath);
const backend = getBackend();

const recurrentValid = { name: 'r', numLayers: 2, bidirectional: true, returnSequences: true, init: 'glorot', fused: false };
const adamValid = { lr: 0.01, beta1: 0.8, beta2: 0.99, eps: 1e-7, weightDecay: 0.01 };
const sgdValid = { lr: 0.1, momentum: 0.9, dampening: 0, nesterov: false, weightDecay: 0.01 };
const rmspropValid = { lr: 0.01, alpha: 0.9, eps: 1e-7, weightDecay: 0.01, momentum: 0.5, centered: true };
const adagradValid = { lr: 0.01, lrDecay: 0.1, weightDecay: 0.01, initialAccumulatorValue: 0.1, eps: 1e-9 };

const ENTRIES: Entry[] = [
  { where: 'lstm', call: (o) => lstm(o as never), base: { units: 4 }, valid: { ...recurrentValid, hiddenSize: 4, type: 'lstm' } },
  { where: 'gru', call: (o) => gru(o as never), base: { hiddenSize: 4 }, valid: { ...recurrentValid, units: 4, type: 'gru' } },
  { where: 'simpleRNN', call: (o) => simpleRNN(o as never), base: { units: 4 }, valid: { ...recurrentValid, nonlinearity: 'relu', type: 'rnn' } },
  { where: 'new Recurrent', call: (o) => new Recurrent(new LSTMCell(4), o as never), base: {}, valid: recurrentValid },
  { where: 'dense', call: (o) => dense(o as never), base: { units: 2 }, valid: { activation: 'relu', name: 'd', init: 'glorot', type: 'dense' } },
  { where: 'embedding', call: (o) => embedding(o as never), base: { numEmbeddings: 5, embeddingDim: 3 }, valid: { name: 'e', type: 'embedding' } },
  { where: 'dropout', call: (o) => dropout(o as never), base: { rate: 0.2 }, valid: { name: 'drop' } },
  { where: 'sequential', call: (o) => sequential([dense({ units: 1 })], o as never), base: {}, valid: { inputSize: 3 } },
  { where: 'new Sequential', call: (o) => new Sequential([dense({ units: 1 })], o as never), base: {}, valid: { inputSize: 3 } },
  { where: 'build', call: (o) => sequential([dense({ units: 1 })]).build(o as never), base: { inputSize: 2 }, valid: { seed: 3, backend, dtype: 'float64' } },
  {
    where: 'compile',
    call: (o) => model().compile(o as never),
    base: { optimizer: 'adam', loss: 'mse' },
    valid: { metrics: ['mae', 'accuracy'], clipNorm: 1, clipValue: 0.5 },
  },
  ...(
    [
      ['sgd', sgdValid],
      ['adam', adamValid],
      ['adamw', adamValid],
      ['rmsprop', rmspropValid],
      ['adagrad', adagradValid],
    ] as const
  ).flatMap(([type, valid]): Entry[] => [
    { where: 'compile', prefix: 'optimizer.', call: (o) => model().compile({ optimizer: o as never, loss: 'mse' }), base: { type }, valid },
    { where: 'getOptimizer', call: (o) => getOptimizer(o as never), base: { type }, valid },
  ]),
  { where: 'new SGD', call: (o) => new SGD(o as never), base: {}, valid: sgdValid },
  { where: 'new Adam', call: (o) => new Adam(o as never), base: {}, valid: adamValid },
  { where: 'new AdamW', call: (o) => new AdamW(o as never), base: {}, valid: adamValid },
  { where: 'new RMSprop', call: (o) => new RMSprop(o as never), base: {}, valid: rmspropValid },
  { where: 'new Adagrad', call: (o) => new Adagrad(o as never), base: {}, valid: adagradValid },
  { where: 'getLoss', call: (o) => getLoss(o as never), base: { name: 'huber', delta: 2 }, valid: {} },
  { where: 'compile', prefix: 'loss.', call: (o) => model().compile({ optimizer: 'adam', loss: o as never }), base: { name: 'huber', delta: 2 }, valid: {} },
  {
    where: 'fit',
    call: (o) => model().fit(x, y, o as never),
    base: { epochs: 1 },
    valid: {
      batchSize: 2, shuffle: false, validationSplit: 0.25, validationData: [x, y], callbacks: [earlyStopping()], seed: 4,
      lengths: [2, 1, 2, 2], checkNumerics: false, initialEpoch: 0, initialBatch: 0, verbose: 0,
    },
  },
  { where: 'evaluate', call: (o) => model().build({ inputSize: 1 }).evaluate(x, y, o as never), base: {}, valid: { batchSize: 2, lengths: [2, 2, 1, 1] } },
  { where: 'predict', call: (o) => built.predict(x, o as never), base: {}, valid: { batchSize: 3, lengths: [2, 2, 1, 1] } },
  { where: 'Sequential.load', call: (o) => Sequential.load(modelPath, o as never), base: {}, valid: { backend, dtype: 'float64' } },
  { where: 'Sequential.fromBytes', call: (o) => Sequential.fromBytes(built.toBytes(), 'm', o as never), base: {}, valid: { backend, dtype: 'float64' } },
  {
    where: 'progressReporter',
    call: (o) => progressReporter(o as never),
    base: { stderr: { write: () => true } },
    valid: { stdout: { write: () => true }, json: true, label: 'fit', unit: 'rows', quiet: true, verbose: true, bar: false, minutes: 2, describe: () => '', countKey: 'n' },
  },
  { where: 'earlyStopping', call: (o) => earlyStopping(o as never), base: {}, valid: { monitor: 'loss', patience: 2, minDelta: 0.01, restoreBestWeights: true } },
  { where: 'stepLR', call: (o) => stepLR(o as never), base: { stepSize: 2 }, valid: { gamma: 0.5 } },
  { where: 'cosineLR', call: (o) => cosineLR(o as never), base: { tMax: 10 }, valid: { etaMin: 1e-5 } },
  { where: 'warmupCosine', call: (o) => warmupCosine(o as never), base: {}, valid: { warmup: 0.1, minutes: 2, final: 0.1 } },
  { where: 'modelCheckpoint', call: (o) => modelCheckpoint(join(dir, 'ck.safetensors'), o as never), base: {}, valid: { every: 2, saveBestOnly: true, monitor: 'loss' } },
  {
    where: 'new Trainer',
    call: (o) => new Trainer(built, o as never),
    base: { optimizer: new Adam() },
    valid: {
      epochs: 2, batchSize: 2, shuffle: false, rng: new Rng(1), callbacks: [], clipNorm: 1, clipValue: 1, checkNumerics: 'epoch',
      initialEpoch: 1, initialBatch: 1, minutes: 1, validate: () => ({}), select: { key: 'loss', higher: false }, countKey: 'rows', clock: true,
    },
  },
  {
    where: 'new TreeNet',
    call: (o) => new TreeNet(o as never),
    base: { cell: 'tree-lstm', hiddenSize: 4, embeddingDim: 3, vocab },
    valid: { cellOptions: {}, numClasses: 3, dropout: 0.1, embeddingStd: 0.2, seed: 1, dtype: 'float64', backend },
  },
  {
    where: 'fitTrees',
    call: (o) => fitTrees(net(), enc, o as never),
    base: { epochs: 1 },
    valid: {
      minutes: 1, batchSize: 2, optimizer: { type: 'adagrad', lr: 0.05 }, l2: 1e-4, rootOnly: true, clipNorm: 1, seed: 2, dev: enc,
      select: 'binaryRoot', onBest: () => {}, callbacks: [], nodeByNode: true,
    },
  },
  { where: 'evaluateTrees', call: (o) => evaluateTrees(net(), enc, o as never), base: {}, valid: { batchSize: 2 } },
  { where: 'parseTreeNet', call: (o) => parseTreeNet(net().toBytes(), 't', o as never), base: {}, valid: { backend, dtype: 'float64' } },
  { where: 'loadTreeNet', call: (o) => loadTreeNet(treePath, o as never), base: {}, valid: { backend, dtype: 'float64' } },
  { where: 'Vocab.build', call: (o) => Vocab.build(trees, o as never), base: {}, valid: { minCount: 1, lowercase: true, maxSize: 10 } },
];

describeOptions('@rnn/layers', ENTRIES);

describe('the messages of the issue', () => {
  it("lstm({ units: 8, return_sequences: true }) names returnSequences", () => {
    expect(() => lstm({ units: 8, return_sequences: true } as never)).toThrow(
      "lstm: unknown option 'return_sequences' (did you mean 'returnSequences'?); lstm takes name, numLayers, bidirectional, returnSequences, init, fused, hiddenSize, units, type",
    );
  });

  it("lstm({ units: 8, activation: 'relu' }) says the gates are fixed and where relu goes", () => {
    expect(() => lstm({ units: 8, activation: 'relu' } as never)).toThrow(
      "lstm: unknown option 'activation' (a recurrent layer's gates have fixed activations (sigmoid and tanh, as in PyTorch); simpleRNN takes nonlinearity: 'relu', and dense({ units, activation }) puts an activation on the output); lstm takes",
    );
    expect(() => simpleRNN({ units: 8, activation: 'relu' } as never)).toThrow("simpleRNN: unknown option 'activation' (did you mean 'nonlinearity'?)");
  });

  it("compile({ optimizer: { type: 'adam', learningRate: 0.01 } }) names lr, and lr is honoured", () => {
    expect(() => model().compile({ optimizer: { type: 'adam', learningRate: 0.01 } as never, loss: 'mse' })).toThrow(
      "compile: unknown option 'optimizer.learningRate' (did you mean 'lr'?); 'optimizer' takes type, lr, beta1, beta2, eps, weightDecay",
    );
    expect(model().compile({ optimizer: { type: 'adam', lr: 0.01 }, loss: 'mse' }).training.optimizer.lr).toBe(0.01);
  });

  it('a value of the wrong kind says what was expected and what was found', () => {
    expect(() => lstm({ units: '8' } as never)).toThrow("lstm: units must be a positive integer, found string '8'");
    expect(() => dense({ units: 2, activation: 'gelu' } as never)).toThrow(
      "dense: activation must be one of 'linear', 'tanh', 'relu', 'sigmoid', 'softmax', found string 'gelu'",
    );
    expect(() => model().compile({ optimizer: 'adamm' as never, loss: 'mse' })).toThrow(/^compile: optimizer must be an optimizer: .*found string 'adamm' \(did you mean 'adam'\?\)$/);
    expect(() => lstm(8 as never)).toThrow('lstm: expected an options object, found number 8');
    expect(() => sequential(lstm({ units: 2 }) as never)).toThrow('sequential: expected an array of layers');
  });

  it('Keras and PyTorch names get ours', async () => {
    expect(() => lstm({ hidden_size: 8 } as never)).toThrow("(did you mean 'hiddenSize'?)");
    expect(() => embedding({ input_dim: 10, output_dim: 4 } as never)).toThrow(
      "embedding: unknown option 'input_dim' (did you mean 'numEmbeddings'?); unknown option 'output_dim' (did you mean 'embeddingDim'?)",
    );
    expect(() => new Adam({ epsilon: 1e-7 } as never)).toThrow("new Adam: unknown option 'epsilon' (did you mean 'eps'?)");
    expect(() => earlyStopping({ min_delta: 0.1 } as never)).toThrow("(did you mean 'minDelta'?)");
    await expect(model().fit(x, y, { epoch: 2 } as never)).rejects.toThrow("fit: unknown option 'epoch' (did you mean 'epochs'?)");
    expect(() => model().compile({ optimizer: 'adam', loss: 'mse', lr: 0.1 } as never)).toThrow(
      "compile: unknown option 'lr' (the learning rate belongs to the optimizer: compile({ optimizer: { type: 'adam', lr: 0.01 }, … }))",
    );
  });
});
