/**
 * The micro-batcher alone (no HTTP, no worker): which requests share a forward pass.
 */
import { describe, expect, it } from 'vitest';
import { Batcher } from '../src/serve/batcher.js';
import { ServeMetrics } from '../src/serve/metrics.js';

function batcher(maxBatch: number) {
  const passes: number[] = [];
  const b = new Batcher({
    maxBatch,
    maxDelayMs: 0,
    maxQueue: 100,
    mixLengths: true,
    metrics: new ServeMetrics(),
    async run(_data, shape) {
      passes.push(shape[0]!);
      await new Promise((r) => setTimeout(r, 5));
      return { data: new Float32Array(shape[0]!), shape: [shape[0]!, 1], seconds: 0 };
    },
  });
  const submit = (v: number) => b.submit({ data: new Float32Array([v, v]), rows: 1, time: 2, features: 1 });
  return { passes, submit };
}

describe('Batcher', () => {
  it('with --max-delay-ms 0, requests read in the same event-loop turn share one forward pass (the first does not leave alone)', async () => {
    const { passes, submit } = batcher(64);
    const answers = await Promise.all([submit(1), submit(2), submit(3), submit(4)]);
    expect(passes).toEqual([4]);
    expect(answers.map((a) => a.shape)).toEqual([[1, 1], [1, 1], [1, 1], [1, 1]]);
  });

  it('requests that arrive while a pass computes form the next one; --max-batch 1 runs each alone', async () => {
    const a = batcher(64);
    const first = a.submit(0);
    await new Promise((r) => setTimeout(r, 1)); // the first pass has started
    await Promise.all([first, a.submit(1), a.submit(2), a.submit(3)]);
    expect(a.passes).toEqual([1, 3]);
    const b = batcher(1);
    await Promise.all([b.submit(1), b.submit(2), b.submit(3)]);
    expect(b.passes).toEqual([1, 1, 1]);
  });
});
