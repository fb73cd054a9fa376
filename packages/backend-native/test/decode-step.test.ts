// The native decode-step kernel (one call: LSTM step from the gate table, folded attention, h̃,
// projection, log-softmax, each row's best candidates) against core's composed reference.
import { expect, it } from 'vitest';
import { decodeStep, decodeStepComposed, decodeStepPack, noGrad, tensor, type Backend, type DecodeStepInput, type DType, type Tensor } from '@rnn/core';
import { describeNative, rand } from './helpers.js';

type Mode = 'lstm+folded' | 'folded' | 'context' | 'none';

function input(backend: Backend, mode: Mode, dtype: DType, R = 12, group = 3, H = 8, V = 11, Ts = 5): DecodeStepInput {
  let seed = 1;
  const t = (shape: number[], scale = 0.6): Tensor => tensor(Float64Array.from(rand(shape.reduce((a, b) => a * b, 1), seed++, -scale, scale)), shape, { dtype, backend });
  const N = R / group;
  const lengths = Int32Array.from({ length: N }, (_, n) => 1 + (n % Ts));
  const at =
    mode === 'context'
      ? { kind: 'context' as const, context: t([R, H]), weightH: t([H, H]) }
      : mode === 'none'
        ? null
        : { kind: 'folded' as const, keys: t([N, Ts, H], 1.5), values: t([N, Ts, H]), lengths, weightH: t([H, H]) };
  return {
    h0: t([R, H]),
    lstm: mode === 'lstm+folded' ? { tokens: Int32Array.from({ length: R }, (_, r) => (r * 7) % V), table: t([V, 4 * H], 1), weightHh: t([4 * H, H]), c0: t([R, H]) } : null,
    attention: at,
    weightOut: t([V, H], 1.5),
    biasOut: t([V]),
    top: 4,
    banned: Int32Array.of(0, 2),
    wantWeights: true,
    wantOut: true,
  };
}

describeNative('decodeStep kernel', (b) => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const mode of ['lstm+folded', 'folded', 'context', 'none'] as const) {
      it(`${mode}, ${dtype}: one call matches the composed ops (state, weights, h̃, candidates)`, () => {
        noGrad(() => {
          const a = input(b, mode, dtype);
          const f = decodeStep(a);
          const c = decodeStepComposed(a);
          const tol = dtype === 'float32' ? 2e-5 : 1e-12;
          const close = (x: Tensor | null, y: Tensor | null) => {
            expect(x === null).toBe(y === null);
            if (!x || !y) return;
            expect(x.shape).toEqual(y.shape);
            const xd = x.data();
            const yd = y.data();
            for (let i = 0; i < xd.length; i++) expect(Math.abs(xd[i]! - yd[i]!)).toBeLessThanOrEqual(tol * (1 + Math.abs(yd[i]!)));
          };
          close(f.h, c.h);
          close(f.c, c.c);
          close(f.weights, c.weights);
          close(f.out, c.out);
          close(f.topLogp, c.topLogp);
          expect(Array.from(f.topIds.data())).toEqual(Array.from(c.topIds.data()));
          expect(Array.from(f.topIds.data()).some((v) => v === 0 || v === 2)).toBe(false);
          if (mode === 'folded' || mode === 'lstm+folded') {
            // padded source steps get weight exactly 0; each row's weights sum to 1
            const w = f.weights!.data();
            const Ts = 5;
            for (let r = 0; r < 12; r++) {
              const L = 1 + (Math.floor(r / 3) % Ts);
              for (let j = L; j < Ts; j++) expect(w[r * Ts + j]).toBe(0);
              let s = 0;
              for (let j = 0; j < L; j++) s += w[r * Ts + j]!;
              expect(Math.abs(s - 1)).toBeLessThan(1e-5);
            }
          }
        });
      });
    }
  }

  it('folded attention through owner (each sentence a row of the whole memory) equals the gathered memory', () => {
    noGrad(() => {
      const a = input(b, 'lstm+folded', 'float32');
      const at = a.attention as Extract<DecodeStepInput['attention'], { kind: 'folded' }>;
      // sentences 0..3 of the input read memory rows 3, 0, 0, 2 of a 4-row memory
      const owner = Int32Array.of(3, 0, 0, 2);
      const withOwner = { ...a, attention: { ...at, owner } };
      const f = decodeStep(withOwner);
      const c = decodeStepComposed(withOwner);
      expect(Array.from(f.topIds.data())).toEqual(Array.from(c.topIds.data()));
      const fw = f.weights!.data();
      const cw = c.weights!.data();
      for (let i = 0; i < fw.length; i++) expect(Math.abs(fw[i]! - cw[i]!)).toBeLessThan(2e-6);
      // rows 3..8 (sentences 1, 2) read memory row 0: length 1, one weight of 1
      for (let r = 3; r < 9; r++) expect(Array.from(fw.slice(r * 5, r * 5 + 5))).toEqual([1, 0, 0, 0, 0]);
      expect(() => decodeStep({ ...a, attention: { ...at, owner: Int32Array.of(0, 1, 4, 2) } })).toThrow(/owner 4 is outside the memory's rows \[0, 4\)/);
    });
  });

  it('weights packed once per decode (decodeStepPack) give the same numbers as packed at every step; a mismatched pack is refused', () => {
    noGrad(() => {
      for (const mode of ['lstm+folded', 'context', 'none'] as const) {
        const a = input(b, mode, 'float32');
        const packed = decodeStepPack({ weightHh: a.lstm?.weightHh ?? null, weightH: a.attention?.weightH ?? null, weightOut: a.weightOut });
        if (packed === null) continue; // a CPU without AVX-512: no packed form (the steps pack themselves)
        const f = decodeStep({ ...a, packed });
        const g = decodeStep(a);
        for (const k of ['h', 'c', 'weights', 'out', 'topLogp', 'topIds'] as const) expect(f[k] && Array.from(f[k]!.data())).toEqual(g[k] && Array.from(g[k]!.data()));
      }
      const a = input(b, 'lstm+folded', 'float32');
      const wrong = decodeStepPack({ weightHh: null, weightH: a.attention!.weightH, weightOut: a.weightOut });
      if (wrong !== null) expect(() => decodeStep({ ...a, packed: wrong })).toThrow(/decodeStep: packed holds \d+ floats but this step's weights packed need \d+/);
      expect(decodeStepPack({ weightHh: null, weightH: null, weightOut: input(b, 'none', 'float64').weightOut })).toBeNull();
    });
  });

  it('ranks equal log-probabilities by increasing id (the composed order)', () => {
    noGrad(() => {
      // a zero output layer: every logit equal, so the candidates are the lowest allowed ids
      const a = input(b, 'none', 'float32');
      a.weightOut = tensor(new Float32Array(11 * 8), [11, 8], { backend: b });
      a.biasOut = null;
      const f = decodeStep(a);
      const ids = f.topIds.data();
      for (let r = 0; r < 12; r++) expect(Array.from(ids.slice(r * 4, r * 4 + 4))).toEqual([1, 3, 4, 5]);
    });
  });

  it('refuses a token outside the vocabulary and a top beyond the allowed ids, by name', () => {
    noGrad(() => {
      const a = input(b, 'lstm+folded', 'float32');
      a.lstm!.tokens[3] = 11;
      expect(() => decodeStep(a)).toThrow(/decodeStep: token 11 is outside the vocabulary \[0, 11\)/);
      const a2 = input(b, 'none', 'float32');
      a2.top = 10;
      expect(() => decodeStep(a2)).toThrow(/top must be an integer in 1\.\.9/);
    });
  });
});
