import { ConfigError, type Tensor } from '@rnn/core';
import type { Callback } from '@rnn/layers';

/**
 * Data augmentation for time series (Um et al. 2017; Le Guennec et al. 2016; Zhang et al. 2018 for
 * mixup; Iwana & Uchida 2021 survey them), applied on the fly: at the start of every epoch each
 * training window is redrawn from its clean copy, every method touching it with probability 1/2.
 * Validation windows are never touched. The windows are already standardised (scaled differences),
 * so the strengths are in units of the training part's standard deviation:
 *
 * - `jitter` σ (default 0.05): Gaussian noise of sd σ on every input value.
 * - `scale` σ (0.1): the target's inputs and its future multiplied by one factor ~ N(1, σ).
 * - `magnitude-warp` σ (0.2): ... by a smooth curve through 4 knots ~ N(1, σ) spanning window and horizon.
 * - `time-warp` σ (0.2): the input window resampled along a smooth time distortion (4 knots of speed ~ N(1, σ)); the future kept.
 * - `window-slice` r (0.9): a random fraction r of the input window stretched back to its length; the future kept.
 * - `mixup` α (0.2): the window and its future blended with another's, λ ~ Beta(α, α).
 */
export const AUGMENTATIONS = { jitter: 0.05, scale: 0.1, 'magnitude-warp': 0.2, 'time-warp': 0.2, 'window-slice': 0.9, mixup: 0.2 } as const;
export type AugmentName = keyof typeof AUGMENTATIONS;
export type Augment = Partial<Record<AugmentName, number>>;

/** `jitter,scale=0.2,mixup` (the CLI's `--augment`) as methods and strengths; unknown names and bad strengths refused by name. */
export function parseAugment(list: readonly string[], flag = '--augment'): Augment {
  const out: Augment = {};
  const names = Object.keys(AUGMENTATIONS) as AugmentName[];
  for (const item of list) {
    const [name, value] = item.split('=').map((s) => s.trim()) as [string, string | undefined];
    if (!names.includes(name as AugmentName)) throw new ConfigError(`${flag}: unknown augmentation '${name}'; the methods are ${names.join(', ')} (each NAME or NAME=STRENGTH)`);
    const v = value === undefined ? AUGMENTATIONS[name as AugmentName] : Number(value);
    checkStrength(name as AugmentName, v, flag);
    out[name as AugmentName] = v;
  }
  return out;
}

export function checkStrength(name: AugmentName, v: number, where: string): void {
  const ok = name === 'window-slice' ? v > 0 && v < 1 : Number.isFinite(v) && v > 0 && v <= 10;
  if (!ok) throw new ConfigError(`${where}: ${name} strength must be ${name === 'window-slice' ? 'a fraction in (0, 1)' : 'a number in (0, 10]'}, found ${v}`);
}

/** mulberry32: small, seedable, good enough for noise. */
function rng(seed: number) {
  let a = seed >>> 0;
  const u = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
  // Marsaglia & Tsang (2000); shape < 1 by the boost Gamma(a) = Gamma(a + 1)·U^(1/a)
  const gamma = (k: number): number => {
    if (k < 1) return gamma(k + 1) * Math.pow(1 - u(), 1 / k);
    const d = k - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      const x = normal();
      const v = (1 + c * x) ** 3;
      if (v > 0 && Math.log(1 - u()) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  };
  return { u, normal, beta: (a: number) => { const x = gamma(a); return x / (x + gamma(a)); } };
}

/** A smooth curve of `n` points through `knots` values, linearly interpolated (piecewise, cheap and smooth enough at these lengths). */
function curve(n: number, knots: number[]): number[] {
  const k = knots.length - 1;
  return Array.from({ length: n }, (_, i) => {
    const p = n === 1 ? 0 : (i / (n - 1)) * k;
    const j = Math.min(k - 1, Math.floor(p));
    const f = p - j;
    return knots[j]! * (1 - f) + knots[j + 1]! * f;
  });
}

/** Value of `src` (one column, `stride` apart from `at`) at fractional position p in [0, len − 1]. */
function interp(src: Float32Array, at: number, stride: number, len: number, p: number): number {
  const j = Math.min(len - 2, Math.max(0, Math.floor(p)));
  const f = Math.min(1, Math.max(0, p - j));
  return src[at + j * stride]! * (1 - f) + src[at + (j + 1) * stride]! * f;
}

/**
 * The windows of one epoch: `x0 [N, W, F]` and `y0 [N, K·H]` (K copies of the H future values, one
 * per quantile head) augmented by `methods`, drawn from `seed`. Pure: the clean arrays are not changed.
 */
export function augmentWindows(x0: Float32Array, y0: Float32Array, n: number, W: number, F: number, H: number, methods: Augment, seed: number): [Float32Array, Float32Array] {
  const x = Float32Array.from(x0);
  const y = Float32Array.from(y0);
  const K = y0.length / n / H;
  const r = rng(seed);
  const half = () => r.u() < 0.5;
  const scaleTarget = (b: number, f: (t: number) => number) => {
    for (let s = 0; s < W; s++) x[(b * W + s) * F] = x[(b * W + s) * F]! * f(s);
    for (let k = 0; k < K; k++) for (let h = 0; h < H; h++) y[b * K * H + k * H + h] = y[b * K * H + k * H + h]! * f(W + h);
  };
  const resample = (b: number, pos: (s: number) => number) => {
    const src = x.slice(b * W * F, (b + 1) * W * F);
    for (let s = 0; s < W; s++) for (let c = 0; c < F; c++) x[(b * W + s) * F + c] = interp(src, c, F, W, pos(s));
  };
  for (let b = 0; b < n; b++) {
    const m = methods;
    if (m['mixup'] !== undefined && half()) {
      const p = Math.floor(r.u() * n);
      const l = Math.max(r.beta(m['mixup']), 0);
      for (let i = 0; i < W * F; i++) x[b * W * F + i] = l * x[b * W * F + i]! + (1 - l) * x0[p * W * F + i]!;
      for (let i = 0; i < K * H; i++) y[b * K * H + i] = l * y[b * K * H + i]! + (1 - l) * y0[p * K * H + i]!;
    }
    if (m['window-slice'] !== undefined && W > 2 && half()) {
      const len = Math.max(2, Math.round(m['window-slice'] * W));
      const start = Math.floor(r.u() * (W - len + 1));
      resample(b, (s) => start + (s / (W - 1)) * (len - 1));
    }
    if (m['time-warp'] !== undefined && W > 2 && half()) {
      const speed = curve(W, Array.from({ length: 4 }, () => Math.max(0.1, 1 + m['time-warp']! * r.normal())));
      const cum = [0];
      for (let s = 1; s < W; s++) cum.push(cum[s - 1]! + speed[s]!);
      resample(b, (s) => (cum[s]! / cum[W - 1]!) * (W - 1));
    }
    if (m['magnitude-warp'] !== undefined && half()) {
      const c = curve(W + H, Array.from({ length: 4 }, () => 1 + m['magnitude-warp']! * r.normal()));
      scaleTarget(b, (t) => c[t]!);
    }
    if (m['scale'] !== undefined && half()) {
      const a = 1 + m['scale'] * r.normal();
      scaleTarget(b, () => a);
    }
    if (m['jitter'] !== undefined && half()) for (let i = 0; i < W * F; i++) x[b * W * F + i] = x[b * W * F + i]! + m['jitter'] * r.normal();
  }
  return [x, y];
}

/**
 * The callback that redraws the training tensors `x` and `y` in place at every epoch's start (the
 * Trainer gathers its batches from them) and puts the clean windows back when training ends.
 */
export function augmentation(x: Tensor, y: Tensor, methods: Augment, seed: number, horizon: number): Callback {
  const [n, W, F] = x.shape as [number, number, number];
  const x0 = x.data() as Float32Array;
  const y0 = y.data() as Float32Array;
  const put = (t: Tensor, d: Float32Array) => t.backend.assign(t, { storage: t.backend.write(d), shape: t.shape, dtype: t.dtype });
  return {
    onEpochBegin(epoch: number) {
      const [xa, ya] = augmentWindows(x0, y0, n, W, F, horizon, methods, seed * 100_003 + epoch);
      put(x, xa);
      put(y, ya);
    },
    onTrainEnd() {
      put(x, x0);
      put(y, y0);
    },
  };
}
