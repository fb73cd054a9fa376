import { FormatError, decodeFloats, encodeFloats } from '@rnn/core';
import type { Sequential } from '@rnn/layers';
import { z } from 'zod';
import type { TimeseriesMeta } from './meta.js';
import { forecastModel, type CellName } from './model.js';
import { modelSteps } from './predict.js';

/**
 * An ensemble member differs from the first in its seed, the window it reads and its training
 * loss (N-BEATS's recipe: seeds × lookbacks × losses), so the members err differently and their
 * median is steadier than any one of them. Member 0 is the single model of `members: 1`.
 */
export interface MemberSpec {
  seed: number;
  window: number;
  loss: 'mse' | 'mae';
}

/** A trained member: its network and what it reads. */
export interface Member extends MemberSpec {
  model: Sequential;
  bestEpoch: number;
}

/** The model-file metadata key holding members 1..K−1 (member 0's weights are the file's tensors). */
export const MEMBERS_KEY = 'rnn.timeseries.members';

/** Seeds far apart so that ensembles fitted with seeds s and s+1 share no member. */
const SEED_STRIDE = 7919;

/**
 * The members of a K-ensemble: windows cycle through the base window, half and three quarters of
 * it (never longer, so that the ensemble forecasts from every origin member 0 can; only the base
 * window when the user fixed it), then the loss alternates mse / mae, and every member has its own seed.
 */
export function memberSpecs(k: number, seed: number, window: number, vary: boolean, fits: (w: number) => boolean): MemberSpec[] {
  const windows = [window];
  if (vary) for (const w of [Math.max(4, Math.round(window / 2)), Math.max(4, Math.round((window * 3) / 4))]) if (fits(w) && !windows.includes(w)) windows.push(w);
  return Array.from({ length: k }, (_, i) => ({
    seed: seed + i * SEED_STRIDE,
    window: windows[i % windows.length]!,
    loss: Math.floor(i / windows.length) % 2 === 0 ? 'mse' : 'mae',
  }));
}

/**
 * How the members' forecasts are combined at each (origin, step): `iqm`, the interquartile mean (the
 * default since the seed-spread work of issue 18), or `median` (model files before it, which have
 * no `combine` in their metadata). See `interquartileMeanOf` for why.
 */
export const COMBINE = ['iqm', 'median'] as const;
export type Combine = (typeof COMBINE)[number];

/** The members' forecasts `[member][origin][step]` combined by `how` into the ensemble's `[origin][step]`. */
export function combineOf(runs: readonly number[][][], how: Combine): number[][] {
  return how === 'iqm' ? interquartileMeanOf(runs) : medianOf(runs);
}

/**
 * The interquartile mean of each column: the members sorted, ⌊(K+1)/4⌋ dropped at each end (a
 * quarter, rounded), the rest averaged; with K ≤ 4 that is the median. The members' forecasts of a
 * short series are far from normal (on wwwusage the members' test MASE ran from 1.2 to 8, in two
 * clusters), and the median of such a sample sits wherever the gap between the clusters happens to
 * fall for that draw: its variance grows as the density at the median shrinks. Averaging the middle
 * half keeps the median's robustness to the wild members and steadies it; trimmed means are also
 * what combined forecasts best in Jose & Winkler (2008, "Simple robust averages of forecasts",
 * International Journal of Forecasting 24). On wwwusage's validation part (64 members, seeds 0–9)
 * it scored a little lower than the median and spread about as much; on its test part it spread
 * less (docs/time-series-forecasting.md, "Seed spread").
 */
export function interquartileMeanOf(runs: readonly number[][][]): number[][] {
  const k = runs.length;
  if (k === 1) return runs[0]!;
  const drop = Math.floor((k + 1) / 4);
  return runs[0]!.map((row, b) =>
    row.map((_, h) => {
      const v = runs.map((r) => r[b]![h]!).sort((p, q) => p - q);
      let sum = 0;
      for (let i = drop; i < k - drop; i++) sum += v[i]!;
      return sum / (k - 2 * drop);
    }),
  );
}

/** The median of each column: the ensemble's forecast from the members' `[member][origin][step]`. */
export function medianOf(runs: readonly number[][][]): number[][] {
  if (runs.length === 1) return runs[0]!;
  return runs[0]!.map((row, b) =>
    row.map((_, h) => {
      const v = runs.map((r) => r[b]![h]!).sort((p, q) => p - q);
      const m = v.length >> 1;
      return v.length % 2 ? v[m]! : (v[m - 1]! + v[m]!) / 2;
    }),
  );
}

const storedSchema = z.array(
  z.strictObject({
    seed: z.number().int(),
    window: z.number().int().positive(),
    loss: z.enum(['mse', 'mae']),
    bestEpoch: z.number().int(),
    tensors: z.record(z.string(), z.strictObject({ dtype: z.enum(['F32', 'F64']), base64: z.string() })),
  }),
);

/** Members 1..K−1 as model-file metadata (JSON text). */
export function membersToMetadata(members: readonly Member[]): string {
  return JSON.stringify(
    members.slice(1).map((m) => ({
      seed: m.seed,
      window: m.window,
      loss: m.loss,
      bestEpoch: m.bestEpoch,
      tensors: Object.fromEntries([...m.model.params!.toHost()].map(([name, d]) => [name, encodeFloats(d as Float32Array)])),
    })),
  );
}

/** The members stored by `membersToMetadata`, rebuilt on member 0's architecture; `[]` when none. */
export function membersFromMetadata(model: Sequential, meta: TimeseriesMeta, where: string): Member[] {
  const text = model.metadata[MEMBERS_KEY];
  if (text === undefined) return [];
  let parsed: z.infer<typeof storedSchema>;
  try {
    parsed = storedSchema.parse(JSON.parse(text));
  } catch (err) {
    throw new FormatError(`${where}: metadata "${MEMBERS_KEY}" is not a list of ensemble members (${(err as Error).message.split('\n')[0]})`);
  }
  const first = model.config().layers[0] as { type: CellName; hiddenSize: number; numLayers: number };
  return parsed.map((p, i) => {
    const m = forecastModel({ cell: first.type, hidden: first.hiddenSize, layers: first.numLayers, horizon: modelSteps(meta) * (meta.quantiles?.length ?? 1), features: meta.columns.length, seed: p.seed });
    const names = new Set([...m.params!.toHost().keys()]);
    for (const [name, d] of Object.entries(p.tensors)) {
      if (!names.delete(name)) throw new FormatError(`${where}: ensemble member ${i + 1} has a tensor '${name}' the model does not have`);
      m.params!.set(name, decodeFloats(d));
    }
    if (names.size) throw new FormatError(`${where}: ensemble member ${i + 1} lacks the tensor '${[...names][0]}'`);
    return { seed: p.seed, window: p.window, loss: p.loss, bestEpoch: p.bestEpoch, model: m };
  });
}
