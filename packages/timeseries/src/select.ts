import type { Callback, History } from '@rnn/layers';
import { SEASON } from './dates.js';
import { evaluatePart } from './evaluation.js';
import type { SeriesData } from './input.js';
import type { TimeseriesMeta } from './meta.js';
import type { ResolvedForecastOptions } from './options.js';
import { MIN_TRAIN_WINDOWS, OPTION_KEYS, planForecast, type ForecastPlan, type OptionNames } from './plan.js';
import { combineOf, memberSpecs, type Combine } from './ensemble.js';
import { predictFrom } from './predict.js';
import { isSeasonal } from './seasonality.js';
import { splitSeries } from './split.js';

type Transform = TimeseriesMeta['transform'];
type Strategy = 'direct' | 'recursive';

/**
 * Without a season the transform stays one-step differences (levels, `none`, only by
 * `transform: 'none'`): `transform: 'auto'` has meant differences there since the first version.
 * The validation part would often prefer levels (Nile, LakeHuron, Lynx), but a network on levels
 * cannot forecast past the range it was trained on, and on a trending series the validation part
 * does not show it: on wwwusage three networks scored levels, recursive 2.28 on the validation part
 * against the recursive differences' 3.44, and its ensembles then scored 2.0–3.1 on the test part
 * (spread 1.55 over seeds 0–9; levels, direct: 8.4–9.3, worse than naive's 7.4) against the
 * differences' 1.8–2.3 (docs/time-series-forecasting.md, "Seed spread").
 */
export const NO_LEVELS = true;

/** One recipe the validation part may pick: what the network predicts and how it reaches the horizon. */
export interface Candidate {
  transform: Transform;
  strategy: Strategy;
}

/** A candidate and its validation MASE (null: not finite, e.g. a part too short to score). */
export type ScoredCandidate = Candidate & { mase: number | null };

/**
 * The recipes worth a network each: with `transform: 'auto'` and a season, the autocorrelation
 * test's pick (seasonal or one-step differences), the other one and, for a positive seasonal target alone, the ES-RNN hybrid (direct only); with `strategy: 'auto'` and a horizon past one step on the target alone, direct and
 * recursive. The first is the pick of earlier versions and wins ties. Fixed options leave one.
 */
export function candidateRecipes(series: SeriesData, o: ResolvedForecastOptions, names: OptionNames = OPTION_KEYS): Candidate[] {
  const season = o.season ?? SEASON[series.frequency];
  let transforms: Transform[];
  if (o.transform !== 'auto') transforms = [o.transform];
  else if (season > 1) {
    const split = splitSeries(series.length, o.valSplit, o.testSplit, names);
    transforms = isSeasonal(series.values[0]!, split.train, season).seasonal ? ['seasonal', 'diff'] : ['diff', 'seasonal'];
  } else transforms = NO_LEVELS ? ['diff'] : ['diff', 'none'];
  const recursiveOk = o.horizon > 1 && series.columns.length === 1;
  const strategies: Strategy[] = o.strategy === 'auto' ? (recursiveOk ? ['direct', 'recursive'] : ['direct']) : [o.strategy];
  // es forecasts every step at once: direct only (an explicit recursive is refused by planForecast)
  const out = transforms.flatMap((transform) => (transform === 'es' && o.strategy === 'auto' ? ['direct' as const] : strategies).map((strategy) => ({ transform, strategy })));
  // the ES-RNN hybrid: a positive seasonal target alone, direct (es.ts)
  const y = series.values[0]!;
  if (o.transform === 'auto' && o.strategy !== 'recursive' && season > 1 && series.columns.length === 1 && y.every((v) => v > 0)) out.push({ transform: 'es', strategy: 'direct' });
  return out;
}

/**
 * The seed every candidate network is trained with, whatever the ensemble's: the recipe is then the
 * data's choice, the same for every seed of the ensemble (chosen per seed, single networks' luck made
 * different seeds pick different recipes: on UKDriverDeaths one seed's ES-RNN scored 0.69, two
 * others' recursive one-step differences 1.20 and 1.28).
 */
export const SELECTION_SEED = 0;

/**
 * The epochs each candidate trains at most (with the run's early stopping), whatever `epochs` and
 * `minutes` are: the choice must not depend on them, or a run checkpointed at 4 epochs and resumed
 * to 8 would have chosen another recipe than the run of 8 (on AirPassengers at lr 1 it did).
 */
export const SELECTION_EPOCHS = 100;

/**
 * Networks that score each candidate (at most; never more than the ensemble's `members`): the first
 * SELECTION_MEMBERS members of the ensemble the recipe is for (seeds from SELECTION_SEED, the base
 * window, half and three quarters of it), combined as the ensemble combines them. One network read
 * the base window only, and the windows disagree: on Lynx one network (window 8) preferred the
 * recursive differences (validation MASE 0.908 against direct's 1.066) where the three preferred
 * direct (0.999 against 1.036); the recursive ensembles then scored 0.37–0.87 on the test part over
 * seeds 0–9, the direct ones 0.87–1.00 (docs/time-series-forecasting.md, "Seed spread").
 */
export const SELECTION_MEMBERS = 3;

/** Validation origins (H-step forecasts inside the validation part) a choice of recipe needs; fewer keep the first candidate. */
export const MIN_CHOICE_ORIGINS = 2;

/** What `selectRecipe` returns: the winner's plan with its network trained (seed SELECTION_SEED, SELECTION_EPOCHS), and every candidate's score. */
export interface Selection {
  plan: ForecastPlan;
  history: History;
  scored: ScoredCandidate[];
  /** The winner among `scored`. */
  chosen: Candidate;
}

/** The validation MASE of trained networks of one recipe (each reading its own window), combined by `how`; null where it cannot be scored. */
function validationMase(plans: readonly ForecastPlan[], series: SeriesData, how: Combine): number | null {
  const { split, season } = plans[0]!.meta;
  const n = series.length;
  // every origin the longest window can read, as Forecaster's choice of Theta scores the ensemble
  const meta = { ...plans[0]!.meta, window: Math.max(...plans.map((p) => p.meta.window)) };
  try {
    const e = evaluatePart((v, ts) => combineOf(plans.map((p) => predictFrom(p.model, p.meta, v, ts)), how), meta, series.values, n - split.test - split.val, n - split.test, season, 'validation');
    return Number.isFinite(e.scores.model.mase) ? e.scores.model.mase : null;
  } catch {
    return null;
  }
}

/**
 * Train SELECTION_MEMBERS networks (the ensemble's first members' windows and losses, seeds from SELECTION_SEED, at most
 * SELECTION_EPOCHS) per candidate recipe and keep the one whose combined forecasts score the lowest MASE on the validation part: the recursive or direct strategy and the transform are
 * then the data's choice, not a guess. With one candidate (fixed options), no validation part or one of
 * fewer than MIN_CHOICE_ORIGINS origins it trains just the first. `callbacks(i)` adds callbacks to candidate i's training; `onCandidate`
 * hears each score (a progress line). The winner's network is not the ensemble's member 0, which
 * trains with the run's own seed and epochs (see `Forecaster.fit`).
 */
export async function selectRecipe(
  series: SeriesData,
  o: ResolvedForecastOptions,
  names: OptionNames = OPTION_KEYS,
  hooks: { callbacks?: (index: number) => Callback[]; onCandidate?: (c: ScoredCandidate, index: number, of: number) => void } = {},
): Promise<Selection> {
  const all = candidateRecipes(series, o, names);
  // one H-step forecast is too little to choose on (ldeaths and usaccdeaths in tools/forecast-eval: a
  // validation part of exactly H steps chose the recursive differences on ldeaths, whose ensembles then
  // beat Theta there on some seeds and not on others, spread 2.1): with fewer than two origins the
  // first candidate, the autocorrelation test's pick, is kept, as without a validation part
  const list = splitSeries(series.length, o.valSplit, o.testSplit, names).val >= o.horizon + MIN_CHOICE_ORIGINS - 1 ? all : all.slice(0, 1);
  let best: { plan: ForecastPlan; history: History; mase: number; candidate: Candidate } | null = null;
  const scored: ScoredCandidate[] = [];
  let networks = 1;
  for (const [i, c] of list.entries()) {
    // each candidate at its best epoch, without checkpoint averaging: the recipes are compared alike (a recursive
    // network never averages, see averagedEpochs, and an average scores worse on the part that picked its window)
    const base = { ...o, ...c, seed: SELECTION_SEED, epochs: SELECTION_EPOCHS, minutes: undefined, averageEpochs: 0 };
    const plan = planForecast(series, base, names);
    const history = await plan.model.fit(plan.x, plan.y, { ...plan.fitOptions, callbacks: [...(hooks.callbacks?.(i) ?? []), ...plan.callbacks] });
    const plans = [plan];
    if (list.length > 1) {
      // the ensemble's first members (trainMembers' specs): the windows it will read, not the base one alone
      const { split, lag, horizon, window } = plan.meta;
      const fits = (w: number) => split.train - lag - w - horizon + 1 >= MIN_TRAIN_WINDOWS;
      for (const spec of memberSpecs(Math.min(SELECTION_MEMBERS, plan.members), SELECTION_SEED, window, o.window === undefined, fits).slice(1)) {
        const p = planForecast(series, { ...base, window: spec.window, seed: spec.seed, loss: spec.loss }, names);
        await p.model.fit(p.x, p.y, { ...p.fitOptions, callbacks: [...(hooks.callbacks?.(i) ?? []), ...p.callbacks] });
        plans.push(p);
      }
    }
    const mase = list.length > 1 ? validationMase(plans, series, o.combine) : null;
    networks = plans.length;
    scored.push({ ...c, mase });
    hooks.onCandidate?.(scored[i]!, i, list.length);
    const m = mase ?? Infinity;
    if (!best || m < best.mase) best = { plan, history, mase: m, candidate: c };
  }
  const chosen = best!;
  if (list.length > 1 && networks > 1) chosen.plan.meta.candidateNetworks = networks;
  if (list.length > 1) chosen.plan.meta.candidates = [scored.find((s) => s.transform === chosen.candidate.transform && s.strategy === chosen.candidate.strategy)!, ...scored.filter((s) => s.transform !== chosen.candidate.transform || s.strategy !== chosen.candidate.strategy)];
  return { plan: chosen.plan, history: chosen.history, scored, chosen: chosen.candidate };
}

const RECIPE: Record<Transform, string> = { seasonal: 'seasonal differences', diff: 'one-step differences', none: 'levels', es: 'exponential smoothing + network (ES-RNN)' };

/** A candidate in words: `seasonal differences, direct`. */
export const recipeText = (c: Candidate): string => `${RECIPE[c.transform]}, ${c.strategy}`;

const NETWORKS: Record<number, string> = { 1: 'one network', 2: 'two networks', 3: 'three networks' };

/** Why the recipe was kept, in a sentence (null without a choice): the winner's validation MASE and the others'. */
export function candidatesNote(meta: TimeseriesMeta): string | null {
  const c = meta.candidates;
  if (!c || c.length < 2) return null;
  const m = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3));
  return `recipe chosen on the validation part: ${recipeText(c[0]!)} (MASE ${m(c[0]!.mase)}), over ${c
    .slice(1)
    .map((s) => `${recipeText(s)} ${m(s.mase)}`)
    .join('; ')} (${NETWORKS[meta.candidateNetworks ?? 1] ?? `${meta.candidateNetworks} networks`} each)`;
}
