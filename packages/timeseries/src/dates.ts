/**
 * Date columns: enough parsing to order rows, infer the sampling interval (and so the seasonal
 * period: monthly data repeats every 12 steps), place points on a chart's x axis, and write the
 * dates of forecast steps in the same style as the file's own.
 */

export type Frequency = 'hour' | 'day' | 'week' | 'month' | 'quarter' | 'year' | 'unknown';

/** Seasonal period in steps for each sampling interval (1: no seasonal pattern assumed). */
export const SEASON: Record<Frequency, number> = { hour: 24, day: 7, week: 52, month: 12, quarter: 4, year: 1, unknown: 1 };

const DAY = 86_400_000;

/** Milliseconds since the epoch (UTC), or NaN. Takes YYYY, YYYY-MM, YYYY-Qn, ISO dates and times, and `Jan 1 2000`. */
export function parseDate(s: string): number {
  s = s.trim();
  let m = /^(\d{4})$/.exec(s);
  if (m) return Date.UTC(+m[1]!, 0, 1);
  m = /^(\d{4})-(\d{1,2})$/.exec(s);
  if (m) return +m[2]! >= 1 && +m[2]! <= 12 ? Date.UTC(+m[1]!, +m[2]! - 1, 1) : NaN;
  m = /^(\d{4})-?Q([1-4])$/i.exec(s);
  if (m) return Date.UTC(+m[1]!, (+m[2]! - 1) * 3, 1);
  if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(s)) {
    return Date.parse(s.length === 10 ? s : `${s.replace(' ', 'T')}Z`);
  }
  if (!/[a-z]/i.test(s)) return NaN; // plain numbers are not dates
  const d = new Date(s); // "Jan 1 2000": parsed as local time, re-read as UTC
  if (Number.isNaN(d.getTime())) return NaN;
  return Date.UTC(d.getFullYear(), d.getMonth(), d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds());
}

/** The sampling interval of a series of timestamps, from the median gap between them. */
export function inferFrequency(ts: readonly number[]): Frequency {
  if (ts.length < 2 || ts.some((t) => Number.isNaN(t))) return 'unknown';
  const gaps = ts.slice(1).map((t, i) => t - ts[i]!).sort((a, b) => a - b);
  const days = gaps[Math.floor(gaps.length / 2)]! / DAY;
  if (Math.abs(days - 1 / 24) < 0.1 / 24) return 'hour';
  if (Math.abs(days - 1) < 0.1) return 'day';
  if (Math.abs(days - 7) < 0.5) return 'week';
  if (days >= 28 && days <= 31) return 'month';
  if (days >= 89 && days <= 92) return 'quarter';
  if (days >= 365 && days <= 366) return 'year';
  return 'unknown';
}

/** A timestamp as a decimal year (1949.0 for January 1949), the x axis of date charts. */
export function decimalYear(t: number): number {
  const d = new Date(t);
  const y = d.getUTCFullYear();
  const start = Date.UTC(y, 0, 1);
  return y + (t - start) / (Date.UTC(y + 1, 0, 1) - start);
}

type Style = 'year' | 'year-month' | 'quarter' | 'iso-date' | 'iso-time' | 'other';

function styleOf(s: string): Style {
  s = s.trim();
  if (/^\d{4}$/.test(s)) return 'year';
  if (/^\d{4}-\d{1,2}$/.test(s)) return 'year-month';
  if (/^\d{4}-?Q[1-4]$/i.test(s)) return 'quarter';
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return 'iso-date';
  if (/^\d{4}-\d{2}-\d{2}[T ]/.test(s)) return 'iso-time';
  return 'other';
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function format(t: number, style: Style, freq: Frequency): string {
  const d = new Date(t);
  const y = d.getUTCFullYear();
  const mo = d.getUTCMonth();
  switch (style) {
    case 'year':
      return String(y);
    case 'year-month':
      return `${y}-${pad(mo + 1)}`;
    case 'quarter':
      return `${y}-Q${Math.floor(mo / 3) + 1}`;
    case 'iso-time':
      return d.toISOString().slice(0, 19);
    default:
      return freq === 'hour' ? d.toISOString().slice(0, 19) : d.toISOString().slice(0, 10);
  }
}

/** The `k` dates after `last`, one sampling interval apart, written like `last` (ISO when its style is not kept). */
export function nextDates(last: string, freq: Frequency, k: number): string[] {
  const t0 = parseDate(last);
  if (Number.isNaN(t0) || freq === 'unknown') return Array.from({ length: k }, (_, i) => `+${i + 1}`);
  const d = new Date(t0);
  const style = styleOf(last);
  const out: string[] = [];
  for (let i = 1; i <= k; i++) {
    let t: number;
    if (freq === 'month' || freq === 'quarter' || freq === 'year') {
      const months = i * (freq === 'month' ? 1 : freq === 'quarter' ? 3 : 12);
      t = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + months, d.getUTCDate(), d.getUTCHours());
    } else t = t0 + i * (freq === 'hour' ? DAY / 24 : freq === 'day' ? DAY : 7 * DAY);
    out.push(format(t, style, freq));
  }
  return out;
}
