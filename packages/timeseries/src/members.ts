import type { Callback } from '@rnn/layers';
import { memberSpecs, type Member } from './ensemble.js';
import type { SeriesData } from './input.js';
import type { ResolvedForecastOptions } from './options.js';
import { MIN_TRAIN_WINDOWS, OPTION_KEYS, planForecast, type ForecastPlan, type OptionNames } from './plan.js';

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
  const members = [first];
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
    const opts = { ...o, window: spec.window, seed: spec.seed, loss: spec.loss, ...budget };
    // a global model's members see all its series (hooks.plan); a single series' the one
    const p = hooks.plan ? hooks.plan(opts) : planForecast(series, opts, names);
    await p.model.fit(p.x, p.y, { ...p.fitOptions, callbacks: [...(hooks.callbacks?.(k) ?? []), ...p.callbacks] });
    const member: Member = { ...spec, model: p.model, bestEpoch: p.best.bestEpoch };
    members.push(member);
    hooks.onMember?.({ index: k, of: specs.length, member, seconds: (performance.now() - t0) / 1000 });
  }
  return members;
}
