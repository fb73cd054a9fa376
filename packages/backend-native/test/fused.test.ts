import { expect, it } from 'vitest';
import { GATES, type BTensor, type SequenceForwardArgs, type FusedCell, type TreeLevelArgs } from '@rnn/core';
import type { NativeBackend } from '../src/index.js';
import { T, describeNative, expectClose, rand } from './helpers.js';

const sig = (x: number) => 1 / (1 + Math.exp(-x));
const MODES: FusedCell[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'];

interface Problem {
  mode: FusedCell;
  B: number;
  T: number;
  I: number;
  H: number;
  reverse: boolean;
  lengths: Int32Array | null;
  x: Float64Array;
  h0: Float64Array;
  c0: Float64Array;
  wih: Float64Array;
  whh: Float64Array;
  bih: Float64Array;
  bhh: Float64Array;
}

function problem(mode: FusedCell, B: number, Tn: number, I: number, H: number, reverse: boolean, withLengths: boolean, seed = 1): Problem {
  const G = GATES[mode];
  return {
    mode,
    B,
    T: Tn,
    I,
    H,
    reverse,
    lengths: withLengths ? Int32Array.from({ length: B }, (_, b) => (b === 0 ? Tn : 1 + ((b * 7 + seed) % Tn))) : null,
    x: rand(B * Tn * I, seed + 1),
    h0: rand(B * H, seed + 2, -0.5, 0.5),
    c0: rand(B * H, seed + 3, -0.5, 0.5),
    wih: rand(G * H * I, seed + 4, -0.6, 0.6),
    whh: rand(G * H * H, seed + 5, -0.6, 0.6),
    bih: rand(G * H, seed + 6, -0.3, 0.3),
    bhh: rand(G * H, seed + 7, -0.3, 0.3),
  };
}

function args(p: Problem, training: boolean, f32 = false): SequenceForwardArgs {
  const G = GATES[p.mode];
  const c = (a: Float64Array) => (f32 ? Float32Array.from(a) : a);
  return {
    cell: p.mode,
    x: T(c(p.x), [p.B, p.T, p.I]),
    h0: T(c(p.h0), [p.B, p.H]),
    c0: p.mode === 'lstm' ? T(c(p.c0), [p.B, p.H]) : null,
    weightIh: T(c(p.wih), [G * p.H, p.I]),
    weightHh: T(c(p.whh), [G * p.H, p.H]),
    biasIh: T(c(p.bih), [G * p.H]),
    biasHh: T(c(p.bhh), [G * p.H]),
    lengths: p.lengths,
    reverse: p.reverse,
    training,
  };
}

/** Straight from the equations, one row and one step at a time. */
function reference(p: Problem) {
  const { B, T: Tn, I, H } = p;
  const G = GATES[p.mode];
  const y = new Float64Array(B * Tn * H);
  const hN = new Float64Array(B * H);
  const cN = new Float64Array(B * H);
  for (let b = 0; b < B; b++) {
    let h = Array.from(p.h0.subarray(b * H, (b + 1) * H));
    const c = Array.from(p.c0.subarray(b * H, (b + 1) * H));
    const L = p.lengths ? p.lengths[b]! : Tn;
    for (let s = 0; s < L; s++) {
      const t = p.reverse ? L - 1 - s : s;
      const gi: number[] = [];
      const gh: number[] = [];
      for (let r = 0; r < G * H; r++) {
        let a = p.bih[r]!;
        let q = p.bhh[r]!;
        for (let k = 0; k < I; k++) a += p.wih[r * I + k]! * p.x[(b * Tn + t) * I + k]!;
        for (let k = 0; k < H; k++) q += p.whh[r * H + k]! * h[k]!;
        gi.push(a);
        gh.push(q);
      }
      const hn = new Array<number>(H);
      for (let j = 0; j < H; j++) {
        if (p.mode === 'rnn_tanh') hn[j] = Math.tanh(gi[j]! + gh[j]!);
        else if (p.mode === 'rnn_relu') hn[j] = Math.max(0, gi[j]! + gh[j]!);
        else if (p.mode === 'lstm') {
          const i = sig(gi[j]! + gh[j]!);
          const f = sig(gi[H + j]! + gh[H + j]!);
          const g = Math.tanh(gi[2 * H + j]! + gh[2 * H + j]!);
          const o = sig(gi[3 * H + j]! + gh[3 * H + j]!);
          c[j] = f * c[j]! + i * g;
          hn[j] = o * Math.tanh(c[j]!);
        } else {
          const r = sig(gi[j]! + gh[j]!);
          const z = sig(gi[H + j]! + gh[H + j]!);
          const n = Math.tanh(gi[2 * H + j]! + r * gh[2 * H + j]!);
          hn[j] = (1 - z) * n + z * h[j]!;
        }
      }
      h = hn;
      y.set(h, (b * Tn + t) * H);
    }
    hN.set(h, b * H);
    cN.set(c, b * H);
  }
  return { y, hN, cN };
}

function gradCheck(b: NativeBackend, p: Problem) {
  const { B, T: Tn, H } = p;
  const ry = rand(B * Tn * H, 91);
  const rh = rand(B * H, 92);
  const rc = rand(B * H, 93);
  const loss = () => {
    const o = b.sequenceForward(args(p, false));
    let s = 0;
    (o.y as Float64Array).forEach((v, i) => (s += v * ry[i]!));
    (o.hN as Float64Array).forEach((v, i) => (s += v * rh[i]!));
    if (o.cN) (o.cN as Float64Array).forEach((v, i) => (s += v * rc[i]!));
    return s;
  };
  const a = args(p, true);
  const forward = b.sequenceForward(a);
  const g = b.sequenceBackward({ ...a, forward, dy: T(ry, [B, Tn, H]), dhN: T(rh, [B, H]), dcN: p.mode === 'lstm' ? T(rc, [B, H]) : null });
  const params: [string, Float64Array, Float64Array][] = [
    ['x', p.x, g.dx as Float64Array],
    ['h0', p.h0, g.dh0 as Float64Array],
    ['weightIh', p.wih, g.dWeightIh as Float64Array],
    ['weightHh', p.whh, g.dWeightHh as Float64Array],
    ['biasIh', p.bih, g.dBiasIh as Float64Array],
    ['biasHh', p.bhh, g.dBiasHh as Float64Array],
  ];
  if (p.mode === 'lstm') params.push(['c0', p.c0, g.dc0 as Float64Array]);
  else expect(g.dc0).toBeNull();
  expectGradsMatch(params, loss, `${p.mode}${p.reverse ? ' reverse' : ''}${p.lengths ? ' lengths' : ''}`);
}

/** Each `[name, values, gradient]`: the gradient within 1e-6 of central differences of `loss` (step 1e-6); `what` labels a failure. */
function expectGradsMatch(pairs: [string, Float64Array, Float64Array][], loss: () => number, what: string): void {
  const eps = 1e-6;
  for (const [name, v, grad] of pairs) {
    const fd = new Float64Array(v.length);
    for (let i = 0; i < v.length; i++) {
      const keep = v[i]!;
      v[i] = keep + eps;
      const lp = loss();
      v[i] = keep - eps;
      const lm = loss();
      v[i] = keep;
      fd[i] = (lp - lm) / (2 * eps);
    }
    expectClose(grad, fd, 1e-6, `${what} d${name}`);
  }
}

describeNative('native backend: fused kernels', (b) => {
  it('sequenceForward matches the equations for every mode, with lengths and reverse (float64 and float32)', () => {
    for (const mode of MODES)
      for (const reverse of [false, true])
        for (const withLengths of [false, true]) {
          const p = problem(mode, 4, 6, 3, 5, reverse, withLengths);
          const want = reference(p);
          const got = b.sequenceForward(args(p, true));
          const tag = `${mode} reverse=${reverse} lengths=${withLengths}`;
          expectClose(got.y as Float64Array, want.y, 1e-12, `${tag} y`);
          expectClose(got.hN as Float64Array, want.hN, 1e-12, `${tag} hN`);
          if (mode === 'lstm') expectClose(got.cN as Float64Array, want.cN, 1e-12, `${tag} cN`);
          else expect(got.cN).toBeNull();
          expect(got.reserve).not.toBeNull();
          const f32 = b.sequenceForward(args(p, false, true));
          expect(f32.y).toBeInstanceOf(Float32Array);
          expect(f32.reserve).toBeNull();
          expectClose(f32.y as Float32Array, want.y, 3e-6, `${tag} y f32`);
        }
  });

  it('padded steps give zero output and leave the state alone; reverse hN is the state after step 0', () => {
    const p = problem('lstm', 2, 5, 2, 3, true, false);
    p.lengths = new Int32Array([2, 5]);
    const o = b.sequenceForward(args(p, false));
    const y = o.y as Float64Array;
    for (let t = 2; t < 5; t++) for (let j = 0; j < 3; j++) expect(y[t * 3 + j]).toBe(0);
    expect(Array.from((o.hN as Float64Array).subarray(0, 3))).toEqual(Array.from(y.subarray(0, 3)));
  });

  it('sequenceBackward matches finite differences in float64 (every mode, lengths, reverse)', () => {
    for (const mode of MODES)
      for (const reverse of [false, true])
        for (const withLengths of [false, true]) gradCheck(b, problem(mode, 3, 4, 3, 4, reverse, withLengths, 5));
  });

  it('sequenceBackward treats null dy / dhN / dcN as zeros', () => {
    const p = problem('gru', 2, 3, 2, 3, false, false);
    const a = args(p, true);
    const forward = b.sequenceForward(a);
    const zeros = b.sequenceBackward({ ...a, forward, dy: null, dhN: null, dcN: null });
    for (const v of Object.values(zeros)) if (v) expect(Array.from(v as Float64Array).every((x) => x === 0)).toBe(true);
  });

  it('float32 backward agrees with float64', () => {
    for (const mode of MODES) {
      const p = problem(mode, 5, 7, 4, 19, mode === 'gru', true, 9);
      const dy = rand(5 * 7 * 19, 44);
      const run = (f32: boolean) => {
        const a = args(p, true, f32);
        const fw = b.sequenceForward(a);
        const c = (x: Float64Array) => (f32 ? Float32Array.from(x) : x);
        return b.sequenceBackward({ ...a, forward: fw, dy: T(c(dy), [5, 7, 19]), dhN: null, dcN: null });
      };
      const g64 = run(false);
      const g32 = run(true);
      for (const k of ['dx', 'dh0', 'dWeightIh', 'dWeightHh', 'dBiasIh', 'dBiasHh'] as const) {
        expectClose(g32[k] as Float32Array, g64[k] as Float64Array, 2e-4, `${mode} ${k}`);
      }
    }
  });

  it('async variants give the same numbers and do not block the event loop', async () => {
    const p = problem('lstm', 32, 200, 16, 128, false, false);
    const a = args(p, true, true);
    const sync = b.sequenceForward(a);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const pending = b.sequenceForwardAsync(a);
    const fw = await pending;
    const bw = await b.sequenceBackwardAsync({ ...a, forward: fw, dy: T(new Float32Array(32 * 200 * 128).fill(0.01), [32, 200, 128]), dhN: null, dcN: null });
    clearInterval(timer);
    expect(Array.from(fw.y as Float32Array)).toEqual(Array.from(sync.y as Float32Array));
    expect(bw.dWeightHh).toBeInstanceOf(Float32Array);
    expect(ticks).toBeGreaterThan(0);
    // errors reject the promise (with core's error class) instead of throwing synchronously or crashing
    const bad = { ...a, lengths: new Int32Array(32).fill(500) };
    await expect(b.sequenceForwardAsync(bad)).rejects.toThrow(/lengths\[0\] = 500 is out of range/);
  });

  it('disposeReserve releases the reserve; backward after it says so', () => {
    const p = problem('rnn_tanh', 2, 3, 2, 2, false, false);
    const a = args(p, true);
    const forward = b.sequenceForward(a);
    b.disposeReserve(forward.reserve);
    expect(() => b.sequenceBackward({ ...a, forward, dy: null, dhN: null, dcN: null })).toThrow(/released/);
  });

  it('treeLevelForward matches the equations and treeLevelBackward matches finite differences', () => {
    const [N, I, H] = [4, 3, 3];
    const v = {
      x: rand(N * I, 61),
      hL: rand(N * H, 62),
      cL: rand(N * H, 63),
      hR: rand(N * H, 64),
      cR: rand(N * H, 65),
      weight: rand(5 * H * I, 66, -0.5, 0.5),
      weightH: rand(10 * H * H, 67, -0.5, 0.5),
      bias: rand(5 * H, 68, -0.3, 0.3),
    };
    const targs = (training: boolean): TreeLevelArgs => ({
      x: T(v.x, [N, I]),
      hL: T(v.hL, [N, H]),
      cL: T(v.cL, [N, H]),
      hR: T(v.hR, [N, H]),
      cR: T(v.cR, [N, H]),
      weight: T(v.weight, [5 * H, I]),
      weightH: T(v.weightH, [5 * H, 2 * H]),
      bias: T(v.bias, [5 * H]),
      training,
    });
    const out = b.treeLevelForward(targs(true));
    for (let n = 0; n < N; n++)
      for (let j = 0; j < H; j++) {
        const a = (g: number) => {
          const r = g * H + j;
          let s = v.bias[r]!;
          for (let k = 0; k < I; k++) s += v.weight[r * I + k]! * v.x[n * I + k]!;
          for (let k = 0; k < H; k++) s += v.weightH[r * 2 * H + k]! * v.hL[n * H + k]! + v.weightH[r * 2 * H + H + k]! * v.hR[n * H + k]!;
          return s;
        };
        const c = sig(a(0)) * Math.tanh(a(4)) + sig(a(1)) * v.cL[n * H + j]! + sig(a(2)) * v.cR[n * H + j]!;
        expect((out.c as Float64Array)[n * H + j]).toBeCloseTo(c, 12);
        expect((out.h as Float64Array)[n * H + j]).toBeCloseTo(sig(a(3)) * Math.tanh(c), 12);
      }
    const rh = rand(N * H, 71);
    const rc = rand(N * H, 72);
    const g = b.treeLevelBackward({ ...targs(true), forward: out, dh: T(rh, [N, H]), dc: T(rc, [N, H]) });
    const loss = () => {
      const o = b.treeLevelForward(targs(false));
      let s = 0;
      (o.h as Float64Array).forEach((x, i) => (s += x * rh[i]! + (o.c as Float64Array)[i]! * rc[i]!));
      return s;
    };
    const pairs: [string, Float64Array, Float64Array][] = [
      ['x', v.x, g.dx as Float64Array],
      ['hL', v.hL, g.dhL as Float64Array],
      ['cL', v.cL, g.dcL as Float64Array],
      ['hR', v.hR, g.dhR as Float64Array],
      ['cR', v.cR, g.dcR as Float64Array],
      ['weight', v.weight, g.dWeight as Float64Array],
      ['weightH', v.weightH, g.dWeightH as Float64Array],
      ['bias', v.bias, g.dBias as Float64Array],
    ];
    expectGradsMatch(pairs, loss, 'tree');
  });

  it('adamStep updates param, m and v in place (through views) by PyTorch’s rule', () => {
    for (const decoupled of [false, true]) {
      const flat = rand(40, 81);
      const param = flat.subarray(3, 40);
      const grad = rand(37, 82);
      const m = rand(37, 83, 0, 0.1);
      const v = rand(37, 84, 0, 0.1);
      const [p0, m0, v0] = [param.slice(), m.slice(), v.slice()];
      const hp = { lr: 0.01, beta1: 0.9, beta2: 0.999, eps: 1e-8, step: 3, weightDecay: 0.1, decoupled };
      b.adamStep({ param: T(param, [37]), grad: T(grad, [37]), m: T(m, [37]), v: T(v, [37]), ...hp });
      for (let i = 0; i < 37; i++) {
        let p = p0[i]!;
        let gi = grad[i]!;
        if (decoupled) p *= 1 - hp.lr * hp.weightDecay;
        else gi += hp.weightDecay * p0[i]!;
        const mi = 0.9 * m0[i]! + 0.1 * gi;
        const vi = 0.999 * v0[i]! + 0.001 * gi * gi;
        p -= (hp.lr * (mi / (1 - 0.9 ** 3))) / (Math.sqrt(vi / (1 - 0.999 ** 3)) + hp.eps);
        expect(param[i]).toBeCloseTo(p, 12);
        expect(m[i]).toBeCloseTo(mi, 14);
        expect(v[i]).toBeCloseTo(vi, 14);
      }
      expect(flat[2]).toBe(rand(40, 81)[2]); // outside the view: untouched
    }
  });

  it('fused forward agrees with the composed primitives (one lstm step)', () => {
    const p = problem('lstm', 3, 1, 4, 5, false, false, 13);
    const o = b.sequenceForward(args(p, false));
    // gates = x W_ih^T + b_ih + h0 W_hh^T + b_hh, via matmul / binary primitives
    const t = (s: Float64Array, shape: number[]): BTensor => T(s, shape);
    const gx = b.matmul(t(p.x, [3, 4]), t(p.wih, [20, 4]), false, true) as Float64Array;
    const gh = b.matmul(t(p.h0, [3, 5]), t(p.whh, [20, 5]), false, true) as Float64Array;
    const pre = b.binary('add', t(gx, [3, 20]), t(gh, [3, 20]), [3, 20]) as Float64Array;
    const bsum = b.binary('add', t(p.bih, [20]), t(p.bhh, [20]), [20]) as Float64Array;
    const g = b.binary('add', t(pre, [3, 20]), t(bsum, [20]), [3, 20]) as Float64Array;
    const part = (k: number) => b.slice(t(g, [3, 4, 5]), [0, k, 0], [3, 1, 5]) as Float64Array;
    const [i, f, gg, oo] = [b.unary('sigmoid', t(part(0), [15])), b.unary('sigmoid', t(part(1), [15])), b.unary('tanh', t(part(2), [15])), b.unary('sigmoid', t(part(3), [15]))] as Float64Array[];
    const c = b.binary('add', t(b.binary('mul', t(f!, [15]), t(p.c0, [15]), [15]) as Float64Array, [15]), t(b.binary('mul', t(i!, [15]), t(gg!, [15]), [15]) as Float64Array, [15]), [15]) as Float64Array;
    const h = b.binary('mul', t(oo!, [15]), t(b.unary('tanh', t(c, [15])) as Float64Array, [15]), [15]) as Float64Array;
    expectClose(o.hN as Float64Array, h, 1e-14, 'hN');
    expectClose(o.cN as Float64Array, c, 1e-14, 'cN');
  });
});
