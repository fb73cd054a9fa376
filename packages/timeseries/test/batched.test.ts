import { tensor } from '@rnn/core';
import { describe, expect, it } from 'vitest';
import { Forecaster, PASS_MEMBERS, forecastModel, memberPasses, memberSpecs, passLoss, passOrder, trainPass, widen, type CellName, type PassMember } from '../src/index.js';

const shape = (cell: CellName, layers: number) => ({ cell, hidden: 3, layers, features: 2, outputs: 6, horizon: 2, intervals: true });
const member = (cell: CellName, layers: number, seed: number, loss: 'mse' | 'mae' = 'mse'): PassMember => {
  const model = forecastModel({ cell, hidden: 3, layers, horizon: 6, features: 2, seed });
  model.compile({ optimizer: { type: 'adam', lr: 0.01 }, loss: 'mse' });
  return { model, loss };
};
const windows = (n: number, seed: number) => {
  let s = seed;
  const r = () => ((s = (s * 16807) % 2147483647) / 2147483647) * 2 - 1;
  return tensor(Float32Array.from({ length: n * 5 * 2 }, r), [n, 5, 2]);
};

describe('members trained in one batched pass', () => {
  for (const [cell, layers] of [['lstm', 1], ['lstm', 2], ['gru', 1], ['rnn', 2]] as const) {
    it(`${cell} × ${layers}: member k's block of the wide network computes member k's forecasts`, () => {
      const ms = [member(cell, layers, 1), member(cell, layers, 2), member(cell, layers, 3)];
      const { wide, masks } = widen(ms, shape(cell, layers), { lr: 0.01, clipNorm: 1 });
      expect(masks.size).toBeGreaterThan(0);
      const x = windows(4, 7);
      // each member reads its own copy of the features: [B, T, K·F]
      const xd = x.data() as Float32Array;
      const xw = tensor(Float32Array.from({ length: xd.length * 3 }, (_, i) => xd[Math.floor(i / 6) * 2 + (i % 2)]!), [4, 5, 6]);
      const p = wide.predict(xw).data() as Float32Array;
      ms.forEach((m, k) => {
        const own = m.model.predict(x).data() as Float32Array;
        for (let b = 0; b < 4; b++) for (let j = 0; j < 6; j++) expect(p[(b * 3 + k) * 6 + j]).toBeCloseTo(own[b * 6 + j]!, 5);
      });
    });
  }
  it('passes: members of one window together, at most PASS_MEMBERS a pass', () => {
    expect(PASS_MEMBERS).toBe(3);
    // members 1..19 of a 20-ensemble: windows 12, 18, 24, 12, … (memberSpecs)
    const specs = memberSpecs(20, 0, 24, true, () => true).slice(1);
    expect(memberPasses(specs)).toEqual([[0, 3, 6], [9, 12, 15], [18], [1, 4, 7], [10, 13, 16], [2, 5, 8], [11, 14, 17]]);
  });
  it('the pass loss is the sum of the members\' own losses', () => {
    const s = { ...shape('lstm', 1), outputs: 2, horizon: 2, intervals: false };
    const pred = tensor([1, 2, 3, 5], [1, 4]);
    const target = tensor([0, 0, 0, 0], [1, 4]);
    // member 0 mse on (1, 2): 2.5; member 1 mae on (3, 5): 4
    expect(passLoss(['mse', 'mae'], s)(pred, target).item()).toBeCloseTo(6.5, 5);
  });
  it('trained in a pass, each member ends where it would alone on its own window order (no clipping, no early stop)', async () => {
    const s = shape('lstm', 1);
    const x = windows(24, 3);
    const y = tensor(Float32Array.from({ length: 24 * 6 }, (_, i) => Math.sin(i)), [24, 6]);
    const o = { lr: 0.01, clipNorm: 1e9, epochs: 3, batchSize: 8, seed: 5, patience: 100, warmup: 0 };
    const ms = [member('lstm', 1, 1, 'mse'), member('lstm', 1, 2, 'mae')];
    const alone = [member('lstm', 1, 1, 'mse'), member('lstm', 1, 2, 'mae')];
    const { quantileLoss } = await import('../src/index.js');
    const epochs = await trainPass(ms, s, { x, y }, o);
    expect(epochs).toEqual([2, 2]);
    // alone, member k reads the windows in the pass's order of member k (member 0: as they are), shuffled with the same seed
    for (const [k, m] of alone.entries()) {
      const order = passOrder(k, 24, o.seed);
      expect([...order].sort((a, b) => a - b)).toEqual([...Array(24).keys()]);
      const xd = x.data() as Float32Array;
      const yd = y.data() as Float32Array;
      const xk = tensor(Float32Array.from({ length: xd.length }, (_, i) => xd[order[Math.floor(i / 10)]! * 10 + (i % 10)]!), [24, 5, 2]);
      const yk = tensor(Float32Array.from({ length: yd.length }, (_, i) => yd[order[Math.floor(i / 6)]! * 6 + (i % 6)]!), [24, 6]);
      m.model.compile({ optimizer: { type: 'adam', lr: o.lr }, loss: quantileLoss(2, m.loss), clipNorm: o.clipNorm });
      await m.model.fit(xk, yk, { epochs: 3, batchSize: 8, shuffle: true, seed: 5 });
    }
    expect(passOrder(1, 24, o.seed)).not.toEqual(passOrder(0, 24, o.seed));
    ms.forEach((m, k) => {
      const a = alone[k]!.model.params!.toHost();
      for (const [name, d] of m.model.params!.toHost()) {
        const e = a.get(name)!;
        const worst = Array.from(d).reduce((w, v, i) => Math.max(w, Math.abs(v - e[i]!)), 0);
        expect(worst, name).toBeLessThan(1e-4);
      }
      // and it moved: training happened
      expect(m.model.params!.toHost().get('lstm.weight_hh_l0')).not.toEqual(member('lstm', 1, k + 1).model.params!.toHost().get('lstm.weight_hh_l0'));
    });
  });
  it('with average h, each member keeps the mean of its weights over epochs best − h .. best + h, as keepBest does alone', async () => {
    const s = shape('lstm', 1);
    const x = windows(24, 3);
    const y = tensor(Float32Array.from({ length: 24 * 6 }, (_, i) => Math.sin(i)), [24, 6]);
    const o = { lr: 0.001, clipNorm: 1e9, batchSize: 8, seed: 5, patience: 100, warmup: 0 };
    // the weights after 1, 2 and 3 epochs (a run of e epochs is the first e epochs of a longer one)
    const after: Map<string, Float32Array>[] = [];
    for (const epochs of [1, 2, 3]) {
      const ms = [member('lstm', 1, 1, 'mse'), member('lstm', 1, 2, 'mae')];
      expect(await trainPass(ms, s, { x, y }, { ...o, epochs })).toEqual([epochs - 1, epochs - 1]); // a small step: every epoch better
      after.push(ms[1]!.model.params!.toHost() as Map<string, Float32Array>);
    }
    const ms = [member('lstm', 1, 1, 'mse'), member('lstm', 1, 2, 'mae')];
    await trainPass(ms, s, { x, y }, { ...o, epochs: 3, average: 2 });
    for (const [name, d] of ms[1]!.model.params!.toHost()) {
      const mean = Array.from(d, (_, i) => (after[0]!.get(name)![i]! + after[1]!.get(name)![i]! + after[2]!.get(name)![i]!) / 3);
      const worst = Array.from(d).reduce((w, v, i) => Math.max(w, Math.abs(v - mean[i]!)), 0);
      expect(worst, name).toBeLessThan(1e-6);
      expect(d).not.toEqual(after[2]!.get(name));
    }
  });
  it('batchMembers: Forecaster.fit trains the members of each window length in one pass; refused with minutes or augment', async () => {
    const values = Array.from({ length: 80 }, (_, t) => 10 + Math.sin(t / 3) + t / 20);
    const o = { horizon: 2, valSplit: 8, testSplit: 8, transform: 'diff', strategy: 'direct', fallback: 'none', epochs: 4, hidden: 3, members: 5, seed: 1 } as const;
    const one = await Forecaster.fit(values, o);
    const pass = await Forecaster.fit(values, { ...o, batchMembers: true });
    expect(pass.members.map((m) => [m.window, m.loss, m.seed])).toEqual(one.members.map((m) => [m.window, m.loss, m.seed]));
    // member 0 trains alone either way; the others differ (one shuffled order per pass)
    expect(pass.members[0]!.model.params!.toHost()).toEqual(one.members[0]!.model.params!.toHost());
    expect(pass.members[4]!.model.params!.toHost().get('lstm.weight_hh_l0')).not.toEqual(one.members[4]!.model.params!.toHost().get('lstm.weight_hh_l0'));
    expect(Number.isFinite(pass.evaluate().scores.model.mase)).toBe(true);
    await expect(Forecaster.fit(values, { ...o, batchMembers: true, minutes: 1 })).rejects.toThrow("Forecaster.fit: option 'batchMembers' trains several members in one pass, which 'minutes' cannot share out; drop one of them");
    await expect(Forecaster.fit(values, { ...o, batchMembers: true, augment: { jitter: 0.1 } })).rejects.toThrow(/'augment' cannot redraw per member/);
  });
});
