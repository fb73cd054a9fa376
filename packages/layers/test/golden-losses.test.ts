/**
 * Losses against PyTorch's `nn.*Loss()` (mean reduction): the value and d(value)/d(input),
 * including Huber's two branches, a stable log-softmax on large logits, per-time-step
 * cross-entropy on `[B, T, C]`, and BCE-with-logits at exactly 0.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { backward } from '@rnn/core';
import { bce, bceWithLogits, crossEntropy, getLoss, huber, mae, mse, type LossFn, type LossName } from '../src/index.js';
import { FORWARD, GRAD, expectClose, f32, i32, loadGolden, report, type GT } from './golden-helpers.js';
import './setup.js';

interface LossCase {
  id: string;
  loss: LossName;
  options: { delta?: number };
  torch: string;
  input: GT;
  target: GT;
  value: number;
  grad: GT;
}

const golden = loadGolden<{ reduction: string; cases: LossCase[] }>('losses.json');

/** The loss both ways: by name through `getLoss` and as the exported function. */
function lossFns(c: LossCase): [string, LossFn][] {
  const direct: Record<string, LossFn> = { mse, mae, crossentropy: crossEntropy, bce, bceWithLogits };
  if (c.loss === 'huber') {
    const delta = c.options.delta!;
    const byName: [string, LossFn][] = [
      [`huber(${delta})`, huber(delta)],
      [`getLoss({ name: 'huber', delta: ${delta} })`, getLoss({ name: 'huber', delta })],
    ];
    if (delta === 1) byName.push([`getLoss('huber')`, getLoss('huber')]);
    return byName;
  }
  return [
    [`getLoss('${c.loss}')`, getLoss(c.loss)],
    [c.loss, direct[c.loss]!],
  ];
}

describe('golden: losses vs PyTorch (losses.json)', () => {
  it('reduces by the mean, 18 cases', () => {
    expect(golden.reduction).toBe('mean');
    expect(golden.cases).toHaveLength(18);
  });

  for (const c of golden.cases) {
    it(`${c.id} (${c.torch})`, () => {
      for (const [how, fn] of lossFns(c)) {
        const input = f32(c.input, true);
        const target = c.loss === 'crossentropy' ? i32(c.target) : f32(c.target);
        const value = fn(input, target);
        expect(value.size).toBe(1);
        expectClose(value.item(), c.value, FORWARD, `${c.id} ${how}: value`, `value`);
        backward(value);
        expectClose(input.grad!, c.grad, GRAD, `${c.id} ${how}: d loss / d input`, `gradient`);
      }
    });
  }

  afterAll(() => report('losses.json'));
});
