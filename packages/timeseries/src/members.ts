import type { Tensor } from '@rnn/core';
import type { Callback } from '@rnn/layers';
import { trainPass } from './batched.js';
import { memberSpecs, type Member, type MemberSpec } from './ensemble.js';
import type { SeriesData } from './input.js';
import type { ResolvedForecastOptions } from './options.js';
import { MIN_TRAIN_WINDOWS, OPTION_KEYS, averagedEpochs, planForecast, type ForecastPlan, type OptionNames } from './plan.js';

/**
 * Members per batched pass at most: the block-diagonal matrices are stored dense, so a pass of K
 * does K² times one member's recurrent work; past 3 a pass cost more than its members one by one
 * in the micro-benchmark of BENCHMARKS.md ("Issue 18, third part").
 */
export const PASS_MEMBERS = 3;

/** The batched passes of some members: indices into `specs`, grouped by window, at most PASS_MEMBERS a pass, in order. */
export function memberPasses(specs: readonly MemberSpec[]): number[][] {
  return [...new Set(specs.map((s) => s.window))].flatMap((w) => {
    const same = specs.flatMap((s, i) => (s.window === w ? [i] : []));
    return Array.from({ length: Math.ceil(same.length / PASS_MEMBERS) }, (_, i) => same.slice(i * PASS_MEMBERS, (i + 1) * PASS_MEMBERS));
  });
}

/** What `trainMembers` reports after each member, for a progress line. */
export interface MemberDone {
  index: number;
  of: number;
  member: Member;
  seconds: number;
}

/**
 * Train members 1..K−1 (K: `plan.members`) of the ensemble whose member 0 is `plan` (already trained): each is the
 * same recipe with its own seed, window and loss (see `memberSpecs`), and the same split, scaler
 * and transform. Deterministic given the options, so a run resumed from a checkpoint of member 0
 * ends with the same ensemble as a straight run.
 */
export async function trainMembers(
  plan: ForecastPlan,
  series: SeriesData,
  o: ResolvedForecastOptions,
  names: OptionNames = OPTION_KEYS,
  hooks: { callbacks?: (index: number) => Callback[]; onMember?: (d: MemberDone) => void; deadline?: number; plan?: (o: ResolvedForecastOptions & { loss: 'mse' | 'mae' }) => ForecastPlan } = {},
): Promise<Member[]> {
  const { split, lag, horizon, window } = plan.meta;
  const fits = (w: number) => split.train - lag - w - horizon + 1 >= MIN_TRAIN_WINDOWS;
  const specs = memberSpecs(plan.members, o.seed, window, o.window === undefined, fits);
  const first: Member = { ...specs[0]!, model: plan.model, bestEpoch: plan.best.bestEpoch };
  const members: Member[] = [first];
  const planOf = (spec: MemberSpec, budget = {}) => {
    const opts = { ...o, window: spec.window, seed: spec.seed, loss: spec.loss, ...budget };
    // a global model's members see all its series (hooks.plan); a single series' the one
    return hooks.plan ? hooks.plan(opts) : planForecast(series, opts, names);
  };
  // batched passes (batched.ts) unless something needs the members one at a time: the CLI's deadline or
  // per-member callbacks (parseForecastOptions refuses batchMembers with minutes or augment)
  const batched = o.batchMembers && hooks.deadline === undefined && !hooks.callbacks;
  if (batched) {
    const rest = specs.slice(1).map((spec, i) => ({ spec, k: i + 1 }));
    const done = new Map<number, Member>();
    for (const group of memberPasses(rest.map((r) => r.spec)).map((p) => p.map((i) => rest[i]!))) {
      const t0 = performance.now();
      const plans = group.map((r) => planOf(r.spec));
      const p0 = plans[0]!;
      const shape = { cell: o.cell, hidden: o.hidden, layers: o.layers, features: series.columns.length, outputs: p0.y.shape[1]!, horizon: p0.meta.strategy === 'recursive' ? 1 : p0.meta.horizon, intervals: o.intervals };
      const val = p0.fitOptions.validationData as [Tensor, Tensor] | undefined;
      const epochs = await trainPass(
        plans.map((p, i) => ({ model: p.model, loss: group[i]!.spec.loss })),
        shape,
        { x: p0.x, y: p0.y, ...(val ? { val } : {}) },
        { lr: o.lr, clipNorm: o.clipNorm, epochs: o.epochs, batchSize: o.batchSize, seed: group[0]!.spec.seed, patience: o.patience, warmup: o.warmup, average: averagedEpochs(o.averageEpochs, p0.meta.strategy) },
      );
      const seconds = (performance.now() - t0) / 1000 / group.length;
      group.forEach((r, i) => {
        const member: Member = { ...r.spec, model: plans[i]!.model, bestEpoch: epochs[i]! };
        done.set(r.k, member);
        hooks.onMember?.({ index: r.k, of: specs.length, member, seconds });
      });
    }
    return [first, ...rest.map((r) => done.get(r.k)!)];
  }
  for (let k = 1; k < specs.length; k++) {
    const spec = specs[k]!;
    const t0 = performance.now();
    // a caller's deadline (the CLI's --minutes, which the first member started on): an equal share of what is left
    let budget = {};
    if (hooks.deadline !== undefined) {
      const left = hooks.deadline - t0;
      if (left <= 0) break;
      budget = { minutes: left / (specs.length - k) / 60_000, members: 1 };
    }
    const p = planOf(spec, budget);
    await p.model.fit(p.x, p.y, { ...p.fitOptions, callbacks: [...(hooks.callbacks?.(k) ?? []), ...p.callbacks] });
    const member: Member = { ...spec, model: p.model, bestEpoch: p.best.bestEpoch };
    members.push(member);
    hooks.onMember?.({ index: k, of: specs.length, member, seconds: (performance.now() - t0) / 1000 });
  }
  return members;
}
