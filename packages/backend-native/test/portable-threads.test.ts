import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { describeNative } from './helpers.js';

// The portable path (RNN_SIMD=baseline: what a CPU without AVX-512 runs, and float64 everywhere)
// splits each step's per-row pass (gates and state, or their gradients) across the pool once a step
// is big enough (issue 22). A fresh process: RNN_SIMD and the pool counters are read at load.
describeNative('the portable path at 2 threads', () => {
  it('splits the per-row pass of every step, with the same bits as 1 thread (lstm, gru, rnn; float32 and float64; lengths, reverse)', () => {
    const script = `const core = await import('@rnn/core'); await core.ready(); const b = core.setBackend('native');
      const a = (await import('@rnn/backend-native')).loadAddon();
      let s = 11; const r = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) - 0.5;
      const B = 16, Tn = 6, I = 8, H = 128;
      const lengths = Int32Array.from({ length: B }, (_, i) => (i === 0 ? Tn : 1 + ((i * 5) % Tn)));
      const out = {};
      for (const dtype of ['float32', 'float64']) for (const cell of ['lstm', 'gru', 'rnn_tanh']) for (const reverse of [false, true]) {
        const G = cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
        const A = dtype === 'float32' ? Float32Array : Float64Array;
        const t = (n, shape) => ({ storage: A.from({ length: n }, r), shape, dtype });
        const args = { cell, x: t(B * Tn * I, [B, Tn, I]), h0: t(B * H, [B, H]), c0: cell === 'lstm' ? t(B * H, [B, H]) : null,
          weightIh: t(G * H * I, [G * H, I]), weightHh: t(G * H * H, [G * H, H]), biasIh: t(G * H, [G * H]), biasHh: t(G * H, [G * H]),
          lengths, reverse, training: true };
        const dy = t(B * Tn * H, [B, Tn, H]), dhN = t(B * H, [B, H]), dcN = cell === 'lstm' ? t(B * H, [B, H]) : null;
        const bits = [];
        for (const threads of [1, 2]) {
          b.setNumThreads(threads);
          const r0 = a.poolStats().regions;
          const forward = b.sequenceForward(args);
          const g = b.sequenceBackward({ ...args, forward, dy, dhN, dcN });
          const regions = a.poolStats().regions - r0;
          const parts = [forward.y, forward.hN, g.dx, g.dh0, g.dWeightIh, g.dWeightHh, g.dBiasIh, g.dBiasHh].map((x) => Buffer.from(x.buffer, x.byteOffset, x.byteLength).toString('base64'));
          bits.push({ regions, hash: parts.join('|'), finite: [forward.y, g.dWeightHh].every((x) => x.every(Number.isFinite)) });
        }
        out[dtype + ' ' + cell + (reverse ? ' reverse' : '')] = { regions1: bits[0].regions, regions2: bits[1].regions, same: bits[0].hash === bits[1].hash, finite: bits[0].finite };
      }
      console.log(JSON.stringify({ simd: a.info().simd, out }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      env: { ...process.env, RNN_SIMD: 'baseline', RNN_POOL_STATS: '1' },
      encoding: 'utf8',
      cwd: new URL('.', import.meta.url),
    });
    expect(r.status, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as { simd: string; out: Record<string, { regions1: number; regions2: number; same: boolean; finite: boolean }> };
    expect(res.simd).toBe('baseline');
    expect(Object.keys(res.out)).toHaveLength(12);
    for (const [name, v] of Object.entries(res.out)) {
      expect({ name, ...v }).toMatchObject({ name, regions1: 0, same: true, finite: true });
      // 6 forward and 6 backward steps, each split (B·G·H ≥ 4,096 gate elements for lstm and gru here;
      // the plain RNN has 2,048: its steps stay on the caller; the weight-gradient gemms may add more)
      if (!name.includes('rnn_tanh')) expect(v.regions2, name).toBeGreaterThanOrEqual(12);
    }
  });
});
