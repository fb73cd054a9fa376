/** Round tick positions ("nice numbers": 1, 2, 5 × 10^k) covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, target = 6): number[] {
  if (!(hi > lo)) {
    const d = Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1;
    return niceTicks(lo - d, hi + d, target);
  }
  const raw = (hi - lo) / Math.max(1, target);
  const p = 10 ** Math.floor(Math.log10(raw));
  const f = raw / p;
  const step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * p;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step - 1e-9) * step; v <= hi + step * 1e-9; v += step) out.push(Math.abs(v) < step * 1e-9 ? 0 : v);
  return out;
}

/** Mantissas per decade, coarsest first: what a log axis tries until it has enough ticks. */
const LOG_STEPS = [[1], [1, 2, 5], [1, 2, 3, 5, 7], [1, 2, 3, 4, 5, 6, 7, 8, 9]];

/**
 * Ticks for a log axis with at least `min` of them: powers of ten (every k-th when there are
 * many decades), else 1-2-5, 1-2-3-5-7 or every digit within each decade, whichever is the
 * coarsest with enough; over less than a decade where even that is too few, round linear steps.
 */
export function logTicks(lo: number, hi: number, min = 2): number[] {
  const a = Math.floor(Math.log10(lo));
  const b = Math.ceil(Math.log10(hi));
  for (const mult of LOG_STEPS) {
    const every = mult.length === 1 ? Math.max(1, Math.ceil((b - a) / 10)) : 1;
    const out: number[] = [];
    for (let e = a; e <= b; e++) {
      if ((e - a) % every) continue;
      for (const m of mult) {
        const v = +(m * 10 ** e).toPrecision(12);
        if (v >= lo * 0.999 && v <= hi * 1.001) out.push(v);
      }
    }
    if (out.length >= min) return out;
  }
  const lin = niceTicks(lo, hi, min)
    .map((v) => +v.toPrecision(12))
    .filter((v) => v >= lo * 0.999 && v <= hi * 1.001 && v > 0);
  return lin.length >= 2 ? lin : [lo, hi];
}

/** A log-axis tick label: up to three significant digits (0.05, 0.2, 1, 20, 0.25). */
export function logTickLabel(v: number): string {
  return Math.abs(v) >= 1e5 || Math.abs(v) < 1e-3 ? v.toExponential(0).replace('e+', 'e') : String(+v.toPrecision(3));
}

/** A tick label: as few digits as the step needs. */
export function tickLabel(v: number, ticks: readonly number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : Math.abs(v) || 1;
  if (Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0)) return v.toExponential(step >= Math.abs(v) ? 0 : 1).replace('e+', 'e');
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toFixed(Math.min(digits, 6));
}
