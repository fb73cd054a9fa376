// Numerical faults in training: NaN/Inf is caught at the batch where it appears, the error names
// the epoch, the batch and the parameter (layer, gate, unit), suggests clipping when it is off,
// and a checkpoint written before the fault stays whole and loadable.
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NumericalError, Rng, tensor, type Tensor } from '@rnn/core';
import { Sequential, dense, lstm, modelCheckpoint, sequential, type Callback } from '../src/index.js';
import './setup.js';

const N = 16;
const T = 5;

function data(seed = 1): { x: Tensor; y: Tensor; xs: Float32Array } {
  const rng = new Rng(seed);
  const xs = Float32Array.from({ length: N * T * 2 }, () => rng.uniform(-1, 1));
  const ys = Float32Array.from({ length: N }, () => rng.uniform(-1, 1));
  return { x: tensor(xs, [N, T, 2]), y: tensor(ys, [N, 1]), xs };
}

function model(clipNorm?: number, lr = 0.05): Sequential {
  const m = sequential([lstm({ units: 4, name: 'lstm' }), dense({ units: 1, name: 'fc' })]).build({ inputSize: 2, seed: 3 });
  m.compile({ optimizer: { type: 'sgd', lr }, loss: 'mse', ...(clipNorm === undefined ? {} : { clipNorm }) });
  return m;
}

async function fitError(m: Sequential, x: Tensor, y: Tensor, callbacks: Callback[] = [], epochs = 3): Promise<NumericalError> {
  let caught: unknown;
  try {
    await m.fit(x, y, { epochs, batchSize: 4, shuffle: false, callbacks });
  } catch (e) {
    caught = e;
  }
  expect(caught, 'fit should have thrown').toBeInstanceOf(NumericalError);
  return caught as NumericalError;
}

describe('NaN and Inf during training', () => {
  it('a NaN in the input is reported at its epoch and batch, as a data problem', async () => {
    const { xs, y } = data();
    xs[(9 * T + 2) * 2 + 1] = NaN; // row 9 → batch 3 (rows 8..11), row 1 of that batch
    const err = await fitError(model(), tensor(xs, [N, T, 2]), y);
    expect(err.message).toMatch(/^training diverged at epoch 1, batch 3: the loss is NaN/);
    expect(err.message).toContain("the batch's x holds NaN in its row 1");
    expect(err.message).not.toMatch(/clip/); // clipping cannot fix bad data
    expect(err.code).toBe('E_NUMERICAL');
  });

  it('an exploding learning rate names the parameter, its layer and gate, and suggests --clip-norm', async () => {
    const { x, y } = data();
    const err = await fitError(model(undefined, 1e30), x, y);
    expect(err.message).toMatch(/^training diverged at epoch 1, batch \d+: /);
    expect(err.message).toMatch(/(parameter|gradient is in) '(lstm|fc)\.[a-z_0-9]+' \(layer '(lstm|fc)'/);
    expect(err.message).toContain('Gradients are not clipped: try clipNorm (CLI: --clip-norm 1.0)');
  });

  it('with clipping on, the hint is a lower learning rate only', async () => {
    const { x, y } = data();
    const err = await fitError(model(1.0, 1e38), x, y);
    expect(err.message).toContain('Try a lower learning rate.');
    expect(err.message).not.toContain('clipNorm');
  });

  it("a NaN weight is located to the LSTM gate and hidden unit", async () => {
    const { x, y } = data();
    const m = model();
    // weight_hh_l0 is [4H, H] = [16, 4]; row H + 2 = 6 is gate f (forget), unit 2
    const w = m.params!.get('lstm.weight_hh_l0').data() as Float32Array;
    const k = 6 * 4 + 1;
    w[k] = NaN;
    m.params!.set('lstm.weight_hh_l0', w);
    const err = await fitError(m, x, y);
    expect(err.message).toContain(
      `training diverged at epoch 1, batch 1: the loss is NaN; parameter 'lstm.weight_hh_l0' (layer 'lstm', gate f (forget), hidden unit 2) holds NaN at element ${k}`,
    );
  });
});

describe('a checkpoint written before the fault survives it', () => {
  /** Records the model-file bytes at every epoch end (after the checkpoint callback ran). */
  const snapshots = (m: Sequential, out: Uint8Array[]): Callback => ({
    onEpochEnd: () => {
      out.push(m.toBytes());
    },
  });

  for (const at of ['first batch', 'last batch'] as const) {
    it(`divergence at the ${at} of epoch 3: training stops, the epoch-2 checkpoint is intact and loads`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'rnn-numerics-'));
      const path = join(dir, 'ckpt.safetensors');
      const { x, y } = data();
      const m = model();
      const saved: Uint8Array[] = [];
      // 16 rows / batch 4 = 4 batches per epoch; blow up the learning rate so that the step of
      // the chosen batch of epoch 3 (index 2) overflows
      let epoch = 0;
      const explode: Callback = {
        onEpochBegin: (e) => {
          epoch = e;
          if (e === 2 && at === 'first batch') m.training.optimizer.lr = 1e300;
        },
        onBatchEnd: (b) => {
          if (epoch === 2 && at === 'last batch' && b === 2) m.training.optimizer.lr = 1e300;
        },
      };
      const err = await fitError(m, x, y, [explode, modelCheckpoint(path), snapshots(m, saved)], 5);
      expect(err.message).toMatch(at === 'first batch' ? /epoch 3, batch 1:/ : /epoch 3, batch 4: the optimizer step made a parameter non-finite/);
      expect(saved).toHaveLength(2);
      // the file is exactly the model as it was after epoch 2, and loads with finite weights
      expect(new Uint8Array(readFileSync(path))).toEqual(saved[1]);
      const back = await Sequential.load(path);
      for (const [, t] of back.params!.toHost()) expect(Array.from(t).every(Number.isFinite)).toBe(true);
      expect(back.predict(x).data().every(Number.isFinite)).toBe(true);
      expect(readdirSync(dir)).toEqual(['ckpt.safetensors']); // no temp files left behind
    });
  }
});
