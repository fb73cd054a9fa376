import { BackendError, DTypeError, ShapeError, ValueError } from '@rnn/core';
import { expect, it } from 'vitest';
import { loadAddon, loadAddonFrom } from '../src/index.js';
import { T, describeNative } from './helpers.js';

it('a missing addon is a BackendError that says how to build it', () => {
  expect(() => loadAddonFrom('/nonexistent/rnn_native.node')).toThrow(BackendError);
  expect(() => loadAddonFrom('/nonexistent/rnn_native.node')).toThrow(/not built.*build:native.*libopenblas-dev/);
  expect(() => loadAddonFrom(new URL('../package.json', import.meta.url).pathname)).toThrow(/failed to load|not the rnn addon/);
});

describeNative('native backend: bad arguments throw, never crash', (b) => {
  // Untyped on purpose: these calls pass what the TypeScript types would reject.
  const addon = loadAddon() as unknown as Record<string, (...a: unknown[]) => unknown>;
  const f64 = (n: number) => new Float64Array(n);

  it('element counts that do not match the shape are ShapeErrors', () => {
    expect(() => b.binary('add', T(f64(5), [2, 3]), T(f64(3), [3]), [2, 3])).toThrow(ShapeError);
    expect(() => b.binary('add', T(f64(5), [2, 3]), T(f64(3), [3]), [2, 3])).toThrow(/a has 5 elements but shape \[2, 3\] needs 6/);
    expect(() => b.binary('add', T(f64(6), [2, 3]), T(f64(4), [4]), [2, 3])).toThrow(/does not broadcast/);
    expect(() => b.matmul(T(f64(6), [2, 3]), T(f64(6), [2, 3]), false, false)).toThrow(/inner dims differ/);
    expect(() => b.matmul(T(f64(6), [6]), T(f64(6), [2, 3]), false, false)).toThrow(/rank 2 or 3/);
    expect(() => b.reduce('sum', T(f64(6), [2, 3]), [2])).toThrow(ValueError);
    expect(() => b.transpose(T(f64(6), [2, 3]), [0, 0])).toThrow(/permutation/);
    expect(() => b.slice(T(f64(6), [2, 3]), [1, 0], [2, 3])).toThrow(/runs past/);
    expect(() => b.concat([T(f64(6), [2, 3]), T(f64(4), [2, 2])], 0)).toThrow(/must match/);
    expect(() => b.reduce('sum', T(f64(6), [-2, -3]), [0])).toThrow(/integer in 0/);
  });

  it('indices out of range are ValueErrors, checked before anything is written', () => {
    expect(() => b.gather(T(f64(8), [4, 2]), T(new Int32Array([0, 4]), [2]))).toThrow(/index 4 at position 1 is out of range/);
    expect(() => b.scatterAdd(T(new Int32Array([-1]), [1]), T(f64(2), [1, 2]), 4)).toThrow(ValueError);
    expect(() => b.gather(T(f64(8), [4, 2]), T(new Float64Array([0]), [1]))).toThrow(DTypeError);
  });

  it('storage that does not match the declared dtype is a DTypeError', () => {
    expect(() => b.unary('neg', T(new Float32Array(3), [3], 'float64'))).toThrow(DTypeError);
    expect(() => b.binary('add', T(f64(3), [3]), T(new Float32Array(3), [3]), [3])).toThrow(/b is float32 but float64 was expected/);
    expect(() => b.unary('neg', { storage: [1, 2, 3], shape: [3], dtype: 'float64' })).toThrow(DTypeError);
  });

  it('raw addon calls with junk arguments throw JS errors', () => {
    const junk: unknown[][] = [[], [0], ['x', 1], [0, {}], [99, f64(2)], [0, null], [0, [1, 2]]];
    for (const args of junk) expect(() => addon.unary(...args)).toThrow(/rnn native/);
    expect(() => addon.binary(0, f64(6), [2, 3], f64(3), [3], [2, 4])).toThrow(/broadcast/);
    expect(() => addon.binary(0, f64(6), [2, 3.5], f64(3), [3], [2, 3])).toThrow(/integer/);
    expect(() => addon.binary(0, f64(6), 'nope', f64(3), [3], [2, 3])).toThrow(/array of dims/);
    expect(() => addon.matmul(f64(4), [2, 2], f64(4), [2, 2], 1, 0)).toThrow(/boolean/);
    expect(() => addon.concat([], [], 0)).toThrow(/at least one input/);
    expect(() => addon.sequenceForward(null)).toThrow(/options object/);
    expect(() => addon.adamStep({ param: f64(3), grad: f64(2), m: f64(3), v: f64(3) })).toThrow(/grad has 2 elements/);
    expect(() => addon.setNumThreads(0)).toThrow(/1\.\.1024/);
    // a huge claimed shape with a tiny buffer: caught by the element count, nothing is read
    expect(() => addon.transpose(f64(4), [2147483647, 2147483647, 1000], [2, 1, 0])).toThrow();
  });

  it('sequenceForward / sequenceBackward: wrong sizes, lengths out of range, reserve mismatches', () => {
    const [B, Tn, I, H] = [2, 3, 2, 4];
    const base = {
      cell: 'gru' as const,
      x: T(f64(B * Tn * I), [B, Tn, I]),
      h0: T(f64(B * H), [B, H]),
      c0: null,
      weightIh: T(f64(3 * H * I), [3 * H, I]),
      weightHh: T(f64(3 * H * H), [3 * H, H]),
      biasIh: T(f64(3 * H), [3 * H]),
      biasHh: T(f64(3 * H), [3 * H]),
      lengths: null,
      reverse: false,
      training: true,
    };
    expect(() => b.sequenceForward({ ...base, weightHh: T(f64(4 * H * H), [4 * H, H]) })).toThrow(ShapeError);
    // core's rnnSequence refuses this with its own message (argument-errors.ts); a direct backend
    // call is refused by the C API's size check
    expect(() => b.sequenceForward({ ...base, h0: T(f64(3 * H), [3, H]) })).toThrow(/h0 has 12 elements but shape \[2, 4\] needs 8/);
    expect(() => b.sequenceForward({ ...base, lengths: new Int32Array([1, 4]) })).toThrow(/lengths\[1\] = 4 is out of range/);
    expect(() => b.sequenceForward({ ...base, lengths: new Int32Array([1]) })).toThrow(/lengths has 1 entries/);
    expect(() => b.sequenceForward({ ...base, x: T(new Float32Array(B * Tn * I), [B, Tn, I]) })).toThrow(DTypeError);
    const forward = b.sequenceForward(base);
    expect(() => b.sequenceBackward({ ...base, forward, dy: T(f64(5), [5]), dhN: null, dcN: null })).toThrow(
      /dy has 5 elements but shape \[2, 3, 4\] needs 24/,
    );
    expect(() => b.sequenceBackward({ ...base, reverse: true, forward, dy: null, dhN: null, dcN: null })).toThrow(/same arguments/);
    expect(() => b.sequenceBackward({ ...base, forward: { ...forward, reserve: null }, dy: null, dhN: null, dcN: null })).toThrow(
      /training: true/,
    );
    const o = {
      mode: 3, batch: B, steps: Tn, input: I, hidden: H, x: f64(B * Tn * I), h0: f64(B * H), c0: null,
      weightIh: f64(3 * H * I), weightHh: f64(3 * H * H), lengths: null, reverse: false, dy: null, dhN: null, dcN: null,
    };
    expect(() => addon.sequenceBackward({ ...o, reserve: f64(7) })).toThrow(/the reserve has 7 elements/);
    expect(() => addon.sequenceForward({ ...o, biasIh: f64(3 * H), biasHh: f64(3 * H), training: false, hidden: 5 })).toThrow(
      /h0 has 8 elements but shape \[2, 5\] needs 10/,
    );
    expect(() => addon.sequenceForward({ ...o, mode: 7, biasIh: f64(1), biasHh: f64(1), training: false })).toThrow(/mode/);
  });
});
