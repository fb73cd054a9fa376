/**
 * Optimizers and gradient clipping against `torch.optim` / `torch.nn.utils.clip_grad_*_`: five
 * full-batch steps per case from the same start (loss before each step, pre-clip global gradient
 * norm, parameters after each step); and the CLI's training contract (`train` cases: no shuffle,
 * consecutive batches, one step per batch, optimizer state carried across epochs) replayed with
 * `compile` + `fit`.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { backward, type ModelConfig, type ParameterSet } from '@rnn/core';
import {
  Adam,
  AdamW,
  RMSprop,
  SGD,
  Sequential,
  adamComposed,
  clipGradNorm,
  clipGradValue,
  getOptimizer,
  gradNorm,
  mse,
  type Optimizer,
  type OptimizerSpec,
} from '../src/index.js';
import { expectClose, f32, i32, loadGolden, nested, report, GOLDEN_DIR, type GT, type Tol } from './golden-helpers.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import './setup.js';

type OptSpec =
  | { type: 'sgd'; lr: number; momentum: number; dampening: number; nesterov: boolean; weightDecay: number }
  | { type: 'adam' | 'adamw'; lr: number; beta1: number; beta2: number; eps: number; weightDecay: number }
  | { type: 'rmsprop'; lr: number; alpha: number; eps: number; weightDecay: number; momentum: number; centered: boolean };
type Clip = null | { type: 'norm'; maxNorm: number } | { type: 'value'; clipValue: number };

interface OptCase {
  id: string;
  optimizer: OptSpec;
  clip: Clip;
  steps: { loss: number; gradNorm: number; params: Record<string, GT> }[];
}

interface TrainCase {
  id: string;
  cli: string[];
  files: { model: string; x: string; y: string };
  config: ModelConfig;
  loss: 'mse' | 'crossentropy';
  optimizer: OptSpec;
  clip: Clip;
  batchSize: number;
  epochs: number;
  batches: [number, number][];
  x: GT;
  y: GT;
  initialParams: Record<string, GT>;
  stepLosses: number[];
  stepGradNorms: number[];
  finalParams: Record<string, GT>;
}

interface OptFile {
  setup: { config: ModelConfig; loss: 'mse'; x: GT; y: GT; initialParams: Record<string, GT> };
  stepsPerCase: number;
  cases: OptCase[];
  train: TrainCase[];
}

const golden = loadGolden<OptFile>('optimizers.json');
/** After training steps: rtol 1e-3, atol 1e-5 (README). */
const TRAIN: Tol = { rtol: 1e-3, atol: 1e-5 };

/** Adam/AdamW through the composed reference (`adamComposed`) instead of the backend's fused `adamStep`. */
class ComposedAdam extends Adam {
  constructor(o: ConstructorParameters<typeof Adam>[0], decoupled: boolean) {
    super(o);
    this.decoupled = decoupled;
  }
  protected override update(params: ParameterSet): void {
    adamComposed(params.values, params.grads, this.slot('m', params), this.slot('v', params), this, this.steps, this.decoupled, (d, s) =>
      this.write(d, s),
    );
  }
}

function makeOptimizer(o: OptSpec, composedAdam: boolean): Optimizer {
  switch (o.type) {
    case 'sgd':
      return new SGD({ lr: o.lr, momentum: o.momentum, dampening: o.dampening, nesterov: o.nesterov, weightDecay: o.weightDecay });
    case 'adam':
    case 'adamw': {
      const a = { lr: o.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: o.weightDecay };
      if (composedAdam) return new ComposedAdam(a, o.type === 'adamw');
      return o.type === 'adam' ? new Adam(a) : new AdamW(a);
    }
    case 'rmsprop':
      return new RMSprop({ lr: o.lr, alpha: o.alpha, eps: o.eps, weightDecay: o.weightDecay, momentum: o.momentum, centered: o.centered });
  }
}

function modelWith(config: ModelConfig, params: Record<string, GT>): Sequential {
  const model = Sequential.fromConfig(config).build({ dtype: 'float32' });
  expect([...model.params!.names].sort()).toEqual(Object.keys(params).sort());
  for (const [name, t] of Object.entries(params)) model.params!.set(name, t.data);
  return model;
}

function expectParams(model: Sequential, want: Record<string, GT>, label: string, category: string): void {
  for (const [name, t] of Object.entries(want)) expectClose(model.params!.get(name), t, TRAIN, `${label}: ${name}`, category);
}

describe('golden: optimizers vs torch.optim (optimizers.json)', () => {
  const { setup } = golden;

  it('has the documented cases', () => {
    expect(golden.stepsPerCase).toBe(5);
    expect(golden.cases.map((c) => c.id).sort()).toEqual(
      [
        'sgd',
        'sgd-momentum',
        'sgd-nesterov',
        'sgd-weight-decay',
        'adam',
        'adam-weight-decay',
        'adamw',
        'rmsprop',
        'rmsprop-momentum-centered',
        'adam-clip-norm',
        'adam-clip-value',
        'adamw-strong',
        'sgd-clip-norm',
        'sgd-clip-value',
      ].sort(),
    );
  });

  for (const c of golden.cases) {
    const variants = c.optimizer.type === 'adam' || c.optimizer.type === 'adamw' ? [false, true] : [false];
    for (const composed of variants) {
      const how = composed ? ' (adamComposed)' : '';
      it(`${c.id}${how}: ${golden.stepsPerCase} steps`, () => {
        const model = modelWith(setup.config, setup.initialParams);
        const params = model.params!;
        const opt = makeOptimizer(c.optimizer, composed);
        const x = f32(setup.x);
        const y = f32(setup.y);
        c.steps.forEach((s, i) => {
          const label = `${c.id}${how} step ${i + 1}`;
          params.zeroGrad();
          const loss = mse(model.forward(x, { training: true }), y);
          expectClose(loss.item(), s.loss, TRAIN, `${label}: loss before the step`, 'step loss');
          backward(loss);
          expectClose(gradNorm(params), s.gradNorm, TRAIN, `${label}: pre-clip gradient norm`, 'grad norm');
          if (c.clip?.type === 'norm') {
            expectClose(clipGradNorm(params, c.clip.maxNorm), s.gradNorm, TRAIN, `${label}: clipGradNorm's return`, 'grad norm');
          } else if (c.clip?.type === 'value') clipGradValue(params, c.clip.clipValue);
          opt.step(params);
          expectParams(model, s.params, `${label}: params after`, 'params after steps');
        });
        expect(opt.steps).toBe(c.steps.length);
      });
    }
  }

  it('getOptimizer builds the same optimizers from the file specs', () => {
    for (const c of golden.cases) {
      const o = getOptimizer(c.optimizer as OptimizerSpec);
      expect(o.name).toBe(c.optimizer.type);
      expect(o.lr).toBe(c.optimizer.lr);
      for (const [k, v] of Object.entries(c.optimizer)) if (k !== 'type') expect((o as unknown as Record<string, unknown>)[k]).toBe(v);
    }
  });
});

describe('golden: the CLI training contract, replayed with compile + fit (optimizers.json train)', () => {
  it('has the three documented train cases', () => {
    expect(golden.train.map((t) => t.id)).toEqual(['mse-adam', 'crossentropy-adam-char', 'mse-sgd-clip-norm']);
  });

  for (const t of golden.train) {
    it(`${t.id}: ${t.cli.slice(1).join(' ')}`, async () => {
      const ids = t.config.layers[0]!.type === 'embedding';
      // the CLI fixtures hold the same start and data
      const init = await Sequential.load(join(GOLDEN_DIR, t.files.model));
      expect(init.config()).toEqual(t.config);
      for (const [name, g] of Object.entries(t.initialParams)) {
        expect(Array.from(init.params!.get(name).data())).toEqual(g.data);
      }
      expect(JSON.parse(readFileSync(join(GOLDEN_DIR, t.files.x), 'utf8'))).toEqual(nested(t.x));
      expect(JSON.parse(readFileSync(join(GOLDEN_DIR, t.files.y), 'utf8'))).toEqual(nested(t.y));
      // the contract's batching: consecutive slices in file order, the last may be smaller
      const n = t.x.shape[0]!;
      const want: [number, number][] = [];
      for (let i = 0; i < n; i += t.batchSize) want.push([i, Math.min(n, i + t.batchSize)]);
      expect(t.batches).toEqual(want);

      const model = modelWith(t.config, t.initialParams);
      model.compile({
        optimizer: t.optimizer as OptimizerSpec,
        loss: t.loss,
        ...(t.clip?.type === 'norm' ? { clipNorm: t.clip.maxNorm } : {}),
      });
      const losses: number[] = [];
      const sizes: number[] = [];
      const history = await model.fit(ids ? i32(t.x) : f32(t.x), t.loss === 'crossentropy' ? i32(t.y) : f32(t.y), {
        shuffle: false,
        batchSize: t.batchSize,
        epochs: t.epochs,
        callbacks: [
          {
            onBatchEnd: (_b, logs) => {
              losses.push(logs.loss);
              sizes.push(logs.size);
            },
          },
        ],
      });
      expect(history.epochs).toHaveLength(t.epochs);
      expect(model.training.optimizer.steps).toBe(t.stepLosses.length);
      expect(sizes).toEqual(Array.from({ length: t.epochs }, () => t.batches.map(([a, b]) => b - a)).flat());
      expectClose(losses, t.stepLosses, TRAIN, `${t.id}: loss before each step`, 'train step losses');
      expectParams(model, t.finalParams, `${t.id}: final params`, 'train final params');
      // the epoch loss is the row-weighted mean of the batch losses
      for (let e = 0; e < t.epochs; e++) {
        const k = t.batches.length;
        const w = t.batches.map(([a, b]) => b - a);
        const mean = t.stepLosses.slice(e * k, (e + 1) * k).reduce((s, l, i) => s + l * w[i]!, 0) / n;
        expectClose(history.epochs[e]!.loss, mean, TRAIN, `${t.id}: epoch ${e + 1} loss`, 'train step losses');
      }
      // and the trained model survives the model file with its predictions intact
      const again = Sequential.fromBytes(model.toBytes());
      const xs = ids ? i32(t.x) : f32(t.x);
      expectClose(again.predict(xs), model.predict(xs).data(), { rtol: 0, atol: 0 }, `${t.id}: reloaded prediction`, 'reload');
    });
  }
});

afterAll(() => report('optimizers.json'));
