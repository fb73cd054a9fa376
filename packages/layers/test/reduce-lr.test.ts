import { describe, expect, it } from 'vitest';
import { ConfigError } from '@rnn/core';
import { dense, lstm, reduceLROnPlateau, sequential, type Optimizer, type TrainBegin } from '../src/index.js';
import './setup.js';

/** Run the callback over a sequence of monitored values; the rate after each epoch. */
function rates(values: number[], o: Parameters<typeof reduceLROnPlateau>[0], lr = 1): number[] {
  const cb = reduceLROnPlateau(o);
  const optimizer = { lr } as Optimizer;
  cb.onTrainBegin!({ optimizer } as TrainBegin);
  return values.map((v, epoch) => {
    void cb.onEpochEnd!(epoch, { epoch, loss: v, val_loss: v });
    return optimizer.lr;
  });
}

describe('reduceLROnPlateau (Keras semantics)', () => {
  it('drops the rate by factor after patience epochs without improvement', () => {
    // epoch 0 sets the best; 1 and 2 do not improve: the drop comes at the end of epoch 2
    expect(rates([1, 1, 1, 1, 1, 1], { patience: 2, factor: 0.5 })).toEqual([1, 1, 0.5, 0.5, 0.25, 0.25]);
    // an improvement resets the count
    expect(rates([1, 0.9, 0.95, 0.8, 0.85, 0.85], { patience: 2, factor: 0.5 })).toEqual([1, 1, 1, 1, 1, 0.5]);
  });

  it('counts only improvements larger than minDelta', () => {
    expect(rates([1, 0.99995, 0.9999], { patience: 2, factor: 0.1 })).toEqual([1, 1, 0.1]);
    expect(rates([1, 0.9, 0.8], { patience: 2, factor: 0.1, minDelta: 0.2 })).toEqual([1, 1, 0.1]);
  });

  it('waits cooldown epochs after a drop, and never goes below minLr', () => {
    // as Keras: the drop at epoch 1 sets the cooldown to 2; epoch 2 counts it down to 1 (no count),
    // epoch 3 to 0 and, out of cooldown, counts a miss: with patience 1 the rate drops again
    expect(rates([1, 1, 1, 1, 1, 1, 1], { patience: 1, factor: 0.5, cooldown: 2 })).toEqual([1, 0.5, 0.5, 0.25, 0.25, 0.125, 0.125]);
    expect(rates([1, 1, 1, 1, 1], { patience: 1, factor: 0.5 })).toEqual([1, 0.5, 0.25, 0.125, 0.0625]);
    expect(rates([1, 1, 1, 1], { patience: 1, factor: 0.1, minLr: 0.05 })).toEqual([1, 0.1, 0.05, 0.05]);
  });

  it("mode 'max' (and 'auto' for accuracies) counts a higher value as better", () => {
    expect(rates([0.5, 0.6, 0.55, 0.55], { patience: 2, factor: 0.5, mode: 'max' })).toEqual([1, 1, 1, 0.5]);
    const cb = reduceLROnPlateau({ monitor: 'val_accuracy', patience: 1, factor: 0.5 });
    const optimizer = { lr: 1 } as Optimizer;
    cb.onTrainBegin!({ optimizer } as TrainBegin);
    for (const [e, acc] of [0.5, 0.6, 0.7].entries()) void cb.onEpochEnd!(e, { epoch: e, loss: 1, val_accuracy: acc });
    expect(optimizer.lr).toBe(1);
  });

  it('in fit: the epoch after the drop trains at the lower rate (the lr log)', async () => {
    const m = sequential([lstm({ units: 4 }), dense({ units: 1 })]);
    m.compile({ optimizer: { type: 'adam', lr: 0.01 }, loss: 'mse' });
    const x = Array.from({ length: 8 }, (_, i) => [[Math.sin(i)], [Math.cos(i)]]);
    const y = Array.from({ length: 8 }, (_, i) => [Math.sin(2 * i)]);
    const reduced: number[] = [];
    // no improvement is ever big enough after the first epoch
    const h = await m.fit(x, y, {
      epochs: 6,
      callbacks: [reduceLROnPlateau({ monitor: 'loss', patience: 2, factor: 0.1, minDelta: 1e9, onReduce: (i) => void reduced.push(i.epoch) })],
    });
    expect(h.epochs.map((l) => +l['lr']!.toPrecision(6))).toEqual([0.01, 0.01, 0.01, 0.001, 0.001, 0.0001]);
    expect(reduced).toEqual([2, 4]);
  });

  it('refuses bad options and a monitor the logs lack, by name', () => {
    expect(() => reduceLROnPlateau({ factor: 1 })).toThrow('reduceLROnPlateau: factor must be in (0, 1) (the rate is multiplied by it), found 1');
    expect(() => reduceLROnPlateau({ patience: 1.5 })).toThrow('reduceLROnPlateau: patience must be a whole number of epochs >= 0, found 1.5');
    expect(() => reduceLROnPlateau({ min_lr: 0.1 } as never)).toThrow(
      "reduceLROnPlateau: unknown option 'min_lr'; the options are monitor, factor, patience, minLr, cooldown, minDelta, mode, onReduce",
    );
    expect(() => reduceLROnPlateau({ mode: 'lower' as never })).toThrow(ConfigError);
    expect(() => rates([1], { monitor: 'val_acc' })).toThrow("reduceLROnPlateau: monitor 'val_acc' is not among the epoch's logs (loss, val_loss); pick one of those");
  });
});
