import { describe, expect, it } from 'vitest';
import { ParameterSet, backward, matmul, mean, mul, square, tanh, tensor, type CommBuffer, type Communicator, type PendingOp } from '@rnn/core';
import { GradientSync, shareOf } from '../src/index.js';

/**
 * The pieces of data-parallel training that need no MPI (the mpirun runs are in
 * packages/cli/test/distributed.test.ts): backward's `onLeafGrad`, the shares of a batch, and the
 * gradient buckets with a recording communicator.
 */

/** Three layers: w1 (4×8), w2 (8×8), w3 (8×2), loss = mean((tanh(tanh(x w1) w2) w3)²). */
function net() {
  const init = (n: number, k: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.7 + k) * 0.5);
  const params = new ParameterSet([
    { name: 'w1', shape: [4, 8], init: init(32, 1) },
    { name: 'w2', shape: [8, 8], init: init(64, 2) },
    { name: 'w3', shape: [8, 2], init: init(16, 3) },
  ]);
  const x = tensor(Float32Array.from({ length: 20 }, (_, i) => Math.cos(i)), [5, 4]);
  const loss = () => mean(square(matmul(tanh(matmul(tanh(matmul(x, params.get('w1'))), params.get('w2'))), params.get('w3'))));
  return { params, loss };
}

/** A communicator of one rank that records each operation (the sum over one rank is the buffer). */
function recorder(): Communicator & { log: string[] } {
  const log: string[] = [];
  return {
    name: 'recorder',
    rank: 0,
    size: 1,
    log,
    allreduceStart(buf: CommBuffer): PendingOp {
      log.push(`start ${buf.length}`);
      return { wait: () => log.push(`wait ${buf.length}`) };
    },
    allreduce: (buf: CommBuffer) => void log.push(`allreduce ${buf.length}`),
    broadcast: (buf: CommBuffer | Uint8Array) => void log.push(`broadcast ${buf.length}`),
    abort: (code: number): never => {
      throw new Error(`abort ${code}`);
    },
    finalize: () => {},
  };
}

describe('backward onLeafGrad', () => {
  it('reports each parameter once, last layer first, with the gradient backward accumulates', () => {
    const plain = net();
    backward(plain.loss());
    const { params, loss } = net();
    const seen: [string, Float32Array][] = [];
    backward(loss(), { onLeafGrad: (leaf, g) => seen.push([leaf.name!, g!.data() as Float32Array]) });
    expect(seen.map(([n]) => n)).toEqual(['w3', 'w2', 'w1']);
    for (const [name, g] of seen) {
      expect(Array.from(g)).toEqual(Array.from(plain.params.get(name).grad!.data()));
      expect(Array.from(params.get(name).grad!.data())).toEqual(Array.from(g));
    }
  });
});

describe('shareOf', () => {
  it('cuts every batch into contiguous shares that cover it, sizes within one of each other', () => {
    for (let size = 1; size <= 5; size++) {
      for (let m = 0; m <= 13; m++) {
        const shares = Array.from({ length: size }, (_, r) => shareOf(m, r, size));
        expect(shares[0]![0]).toBe(0);
        expect(shares[size - 1]![1]).toBe(m);
        for (let r = 1; r < size; r++) expect(shares[r]![0]).toBe(shares[r - 1]![1]);
        const lens = shares.map(([a, b]) => b - a);
        expect(Math.max(...lens) - Math.min(...lens)).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe('GradientSync', () => {
  it('starts each bucket while backward runs, in a fixed order, and leaves the scaled gradient in params.grads', () => {
    const plain = net();
    backward(plain.loss());
    const { params, loss } = net();
    const comm = recorder();
    const sync = new GradientSync(comm, params, 20); // buckets: [w3 (16) + w2 (64)], [w1 (32)]
    expect(sync.bucketCount).toBe(2);
    sync.begin();
    // the trainer scales each rank's loss by its share (m_r / m): the buckets carry that gradient
    backward(mul(loss(), 0.25), { onLeafGrad: sync.onLeafGrad });
    // the first bucket (w3, w2) started before backward reached w1: that is the overlap
    expect(sync.overlapped).toBe(2);
    sync.finish();
    expect(comm.log).toEqual(['start 80', 'start 32', 'wait 80', 'wait 32']);
    const want = plain.params.grads.data();
    const got = params.grads.data();
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]! * 0.25, 7);
  });

  it('a rank with no rows in a batch still starts every bucket, in the same order, with zeros', () => {
    const { params } = net();
    const comm = recorder();
    const sync = new GradientSync(comm, params, 20);
    sync.begin();
    sync.finish();
    expect(comm.log).toEqual(['start 80', 'start 32', 'wait 80', 'wait 32']);
    expect(Array.from(params.grads.data()).every((v) => v === 0)).toBe(true);
  });
});
