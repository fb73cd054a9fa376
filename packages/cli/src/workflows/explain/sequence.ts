import type { Tensor } from '@rnn/core';
import {
  gradientTimesInput, integratedGradients, occlusion, recordSequential, sequentialView, type Sequential,
} from '@rnn/layers';
import { attributionScene, gatesScene, tokensScene } from '../../plot/index.js';
import type { Picture } from './report.js';

/** What a workflow hands over to explain a batch of sequences with a `Sequential`. */
export interface SequenceInput {
  model: Sequential;
  /** `[B, T, F]` features, or `[B, T]` token ids. */
  x: Tensor;
  lengths: number[] | null;
  /** Names of the F features (unused for token ids). */
  features: readonly string[];
  /** The tokens of each row (token-id models): what the coloured sentence shows. */
  tokens?: readonly (readonly string[])[];
  /** The input each row's curve shows, `[T][F]` (default: x itself), e.g. in the series' units. */
  curves?: readonly (readonly (readonly number[])[])[];
  stepLabel?: (t: number) => string;
  target?: number[];
  /** One line naming what row b's explained number is (`the forecast 1 step after 1960-12`). */
  describe: (b: number, target: number, step: number | null) => string;
  /** Rows that get pictures (the JSON has every row). Default 1. */
  pictured?: number;
}

export interface SequenceOptions {
  steps: number;
  window: number;
}

const rows2 = (a: Float64Array | ArrayLike<number>, off: number, T: number, F: number): number[][] =>
  Array.from({ length: T }, (_, t) => Array.from({ length: F }, (_, f) => a[off + t * F + f]!));

/** Attributions (integrated gradients, gradient × input, occlusion) and recorded gates for every row; pictures for the first rows. */
export function explainSequences(s: SequenceInput, o: SequenceOptions): { json: Record<string, unknown>; pictures: Picture[]; summary: string[] } {
  const view = sequentialView(s.model, s.x, { lengths: s.lengths, ...(s.target ? { target: s.target } : {}) });
  const [B, T, F] = view.input.shape as [number, number, number];
  const ig = integratedGradients(view.f, view.input, { steps: o.steps });
  const gi = gradientTimesInput(view.f, view.input);
  const occ = occlusion(view.f, view.input, { window: Math.min(o.window, T) });
  const { traces } = recordSequential(s.model, s.x, s.lengths);
  const input = view.input.data();
  const perStep = (a: Float64Array, b: number) => Array.from({ length: T }, (_, t) => {
    let v = 0;
    for (let f = 0; f < F; f++) v += a[(b * T + t) * F + f]!;
    return v;
  });
  const rows = Array.from({ length: B }, (_, b) => {
    const L = s.lengths ? s.lengths[b]! : T;
    const step = view.step ? view.step[b]! : null;
    return {
      explains: s.describe(b, view.target[b]!, step),
      output: ig.output[b],
      target: view.target[b],
      ...(step !== null ? { step } : {}),
      length: L,
      integratedGradients: {
        steps: ig.steps,
        baselineOutput: ig.baselineOutput[b],
        completenessError: ig.completenessError[b],
        perStep: perStep(ig.attributions, b).slice(0, L),
        ...(view.embedded ? {} : { attributions: rows2(ig.attributions, b * T * F, L, F) }),
      },
      gradientTimesInput: {
        perStep: perStep(gi.attributions, b).slice(0, L),
        ...(view.embedded ? {} : { attributions: rows2(gi.attributions, b * T * F, L, F) }),
      },
      occlusion: { window: occ.window, starts: occ.starts, scores: Array.from(occ.scores.subarray(b * occ.starts.length, (b + 1) * occ.starts.length)) },
    };
  });
  const traceJson = traces.map((t) => {
    const H = t.h.shape[2]!;
    const G = t.gateNames.length;
    const h = t.h.data(), g = t.gates?.data(), c = t.cells?.data();
    return {
      layer: t.layer, depth: t.depth, direction: t.direction, cell: t.cell, gateNames: t.gateNames, hidden: H,
      rows: Array.from({ length: B }, (_, b) => {
        const L = s.lengths ? s.lengths[b]! : T;
        return {
          h: rows2(h, b * T * H, L, H),
          ...(g ? { gates: rows2(g, b * T * G * H, L, G * H) } : {}),
          ...(c ? { cells: rows2(c, b * T * H, L, H) } : {}),
        };
      }),
    };
  });
  const worst = Math.max(...ig.completenessError);
  const summary = [
    `explained ${B} ${B === 1 ? 'sequence' : 'sequences'} of ${T} steps: integrated gradients (${ig.steps} steps), gradient × input, occlusion (window ${occ.window})`,
    `completeness of integrated gradients: Σ attributions vs f(x) − f(baseline), worst relative error ${(worst * 100).toFixed(3)} %${worst > 0.01 ? ' (above 1 %: raise --steps)' : ''}`,
    ...rows.slice(0, Math.min(B, 5)).map((r, b) => {
      const top = r.integratedGradients.perStep.map((v, t) => [v, t] as const).sort((a, z) => Math.abs(z[0]) - Math.abs(a[0])).slice(0, 3);
      const label = (t: number) => (s.tokens ? JSON.stringify(s.tokens[b]![t] ?? '') : s.stepLabel ? s.stepLabel(t) : `step ${t}`);
      return `row ${b}: ${r.explains} = ${(r.output as number).toPrecision(5)}; most attributed: ${top.map(([v, t]) => `${label(t)} (${v >= 0 ? '+' : ''}${v.toPrecision(3)})`).join(', ')}`;
    }),
  ];
  const pictures: Picture[] = [];
  for (let b = 0; b < Math.min(B, s.pictured ?? 1); b++) {
    const L = s.lengths ? s.lengths[b]! : T;
    const r = rows[b]!;
    const sub = `${r.explains} = ${(r.output as number).toPrecision(5)}; integrated gradients, completeness error ${((r.integratedGradients.completenessError as number) * 100).toFixed(3)} %`;
    if (view.embedded) {
      pictures.push({
        name: `tokens-${b}`,
        caption: `Row ${b}: each token coloured by its integrated-gradients attribution (summed over its embedding vector); blue raised ${r.explains}, red lowered it.`,
        scene: tokensScene({ title: `Which tokens made it: row ${b}`, subtitle: sub, tokens: s.tokens?.[b]?.slice(0, L) ?? Array.from({ length: L }, (_, t) => String(t)), scores: r.integratedGradients.perStep }),
      });
    } else {
      pictures.push({
        name: `attributions-${b}`,
        caption: `Row ${b}: the input (curves, each feature on its own scale) over the integrated-gradients attribution of each step and feature.`,
        scene: attributionScene({
          title: `Attributions over time × features: row ${b}`,
          subtitle: sub,
          values: s.curves?.[b]?.slice(0, L) ?? rows2(input, b * T * F, L, F),
          attributions: r.integratedGradients.attributions!,
          features: s.features,
          ...(s.stepLabel ? { stepLabel: s.stepLabel } : {}),
        }),
      });
    }
    traceJson.forEach((t, k) => {
      const gates = t.rows[b]!.gates;
      if (!gates) return;
      pictures.push({
        name: `gates-${b}-${k}`,
        caption: `Row ${b}: the gate activations of ${t.layer} (layer ${t.depth}, ${t.direction}) at every step.`,
        scene: gatesScene({ title: `Gates of ${t.layer} (layer ${t.depth}, ${t.direction}): row ${b}`, subtitle: `${t.cell}: ${t.gateNames.join(', ')}`, gateNames: t.gateNames, gates, hidden: t.hidden }),
      });
    });
  }
  return { json: { rows, traces: traceJson }, pictures, summary };
}
