import { twinState } from './twin-comm.js';
import { describe, expect, it } from 'vitest';
import { activeCommunicator } from '@rnn/core';
import { dense, sequential } from '../src/index.js';
import './setup.js';

/**
 * The data-parallel step's agreement (loss, time budget, a callback's stop) travels in one
 * non-blocking all-reduce started before backward's buckets. Rank 0 of a pretend 2-rank job: the
 * other rank is this one's twin (every sum doubles the buffer), and it can ask to stop before a
 * chosen step. Its own file: the communicator is the process's for good once a fit has used it.
 */

const log = twinState.log;
const x = Array.from({ length: 24 }, (_, i) => [Math.sin(i), Math.cos(i), Math.sin(2 * i)]);
const y = Array.from({ length: 24 }, (_, i) => [Math.sin(3 * i)]);

async function train(rows: number, opts: { twinStopsAt?: number; stopAt?: number } = {}) {
  const m = sequential([dense({ units: 4, activation: 'tanh', name: 'hidden' }), dense({ units: 1, name: 'out' })]);
  m.build({ inputSize: 3, seed: 7 });
  m.compile({ optimizer: { type: 'adam', lr: 0.05 }, loss: 'mse' });
  log.length = 0;
  twinState.agreements = 0;
  twinState.stopsAt = opts.twinStopsAt ?? -1;
  const ends: number[] = [];
  const h = await m.fit(x.slice(0, rows), y.slice(0, rows), {
    epochs: 1,
    batchSize: 4,
    shuffle: false,
    distributed: true,
    callbacks: [
      {
        onBatchBegin: (b) => (b === opts.stopAt ? 'stop' : undefined),
        onBatchEnd: (b) => void ends.push(b),
      },
    ],
  });
  return { weights: Array.from(m.params!.values.data() as Float32Array), ends, epochs: h.epochs.length };
}

describe('data-parallel step agreement', () => {
  it('one non-blocking agreement per step, started before the gradient buckets; no blocking round trip per step', async () => {
    const { ends } = await train(24);
    expect(activeCommunicator()?.name).toBe('twin');
    expect(ends).toEqual([0, 1, 2, 3, 4, 5]);
    const steps = log.slice(log.indexOf('agree'));
    expect(steps.filter((l) => l === 'agree')).toHaveLength(6);
    expect(steps.filter((l) => l.startsWith('allreduce'))).toEqual([]);
    // each step: the agreement, then its buckets
    expect(steps[0]).toBe('agree');
    expect(steps[1]).toMatch(/^bucket /);
  });

  it("the other rank's stop before step 3 stops this one there too, its gradients unapplied: the weights of 3 steps", async () => {
    const three = await train(12);
    const stopped = await train(24, { twinStopsAt: 3 });
    expect(stopped.ends).toEqual([0, 1, 2]);
    expect(stopped.epochs).toBe(0); // an epoch cut short by a stop has no epoch-end logs
    expect(stopped.weights).toEqual(three.weights);
    const all = await train(24);
    expect(all.weights).not.toEqual(three.weights);
  });

  it("this rank's own callback stop before step 2 does the same", async () => {
    const two = await train(8);
    const stopped = await train(24, { stopAt: 2 });
    expect(stopped.ends).toEqual([0, 1]);
    expect(stopped.weights).toEqual(two.weights);
  });
});
