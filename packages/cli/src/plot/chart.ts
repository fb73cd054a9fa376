import { freeSpot, type Box } from './legend.js';
import { textWidth, type Prim, type Scene } from './scene.js';
import { logTickLabel, logTicks, niceTicks, tickLabel } from './ticks.js';

export interface LineSeries {
  name: string;
  x: readonly number[];
  /** NaN leaves a gap. */
  y: readonly number[];
  color: string;
  width?: number;
  dash?: boolean;
}

/** A shaded span of the x axis (e.g. the test part), labelled at the top. */
export interface Band {
  from: number;
  to: number;
  label: string;
  color: string;
}

export interface LineChartSpec {
  title: string;
  subtitle?: string;
  xLabel?: string;
  yLabel?: string;
  series: LineSeries[];
  bands?: Band[];
  /** Vertical dashed lines, labelled. */
  markers?: { x: number; label: string }[];
  /** 'year': x is a decimal year and ticks are whole years. */
  xAxis?: 'number' | 'year';
  yLog?: boolean;
  width?: number;
  height?: number;
}

/** Colours that stay apart for colour-blind readers (Okabe–Ito). */
export const PALETTE = ['#000000', '#0072b2', '#d55e00', '#009e73', '#cc79a7', '#e69f00', '#56b4e9'];

function yearTicks(lo: number, hi: number): number[] {
  const span = hi - lo;
  const step = span <= 8 ? 1 : span <= 20 ? 2 : span <= 50 ? 5 : span <= 100 ? 10 : 20;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(v);
  return out;
}

/** Lay out a line chart: title, axes with ticks and grid, shaded bands, lines and a legend where the data is not. */
export function lineChart(spec: LineChartSpec): Scene {
  const W = spec.width ?? 900;
  const H = spec.height ?? 480;
  const items: Prim[] = [];
  const finite = (a: readonly number[]) => a.filter((v) => Number.isFinite(v) && (!spec.yLog || v > 0));
  const xs = spec.series.flatMap((s) => finite(s.x));
  const ys = spec.series.flatMap((s) => finite(s.y));
  for (const b of spec.bands ?? []) xs.push(b.from, b.to);
  let x0 = Math.min(...xs);
  let x1 = Math.max(...xs);
  if (!(x1 > x0)) (x0 -= 1), (x1 += 1);
  let y0 = Math.min(...ys);
  let y1 = Math.max(...ys);
  if (!Number.isFinite(y0)) (y0 = 0), (y1 = 1);
  let yTicks: number[];
  if (spec.yLog) {
    y0 = y0 / 1.15;
    y1 = y1 * ((spec.bands ?? []).length ? 1.5 : 1.15);
    yTicks = logTicks(y0, y1, 5); // at least 5 labels over a decade or more
  } else {
    const pad = (y1 - y0 || Math.abs(y0) || 1) * 0.06;
    y0 -= pad;
    y1 += (spec.bands ?? []).length ? 2.5 * pad : pad; // room for the band labels
    yTicks = niceTicks(y0, y1, 6).filter((v) => v >= y0 && v <= y1);
  }
  const xTicks = spec.xAxis === 'year' ? yearTicks(x0, x1) : niceTicks(x0, x1, 8).filter((v) => v >= x0 - 1e-9 && v <= x1 + 1e-9);
  const yLabels = yTicks.map((v) => (spec.yLog ? logTickLabel(v) : tickLabel(v, yTicks)));
  const left = 24 + (spec.yLabel ? 22 : 0) + Math.max(...yLabels.map((l) => textWidth(l, 12)));
  const top = spec.subtitle ? 62 : 44;
  const bottom = spec.xLabel ? 58 : 38;
  const ph = H - top - bottom;
  const ty = (v: number) => (spec.yLog ? Math.log(v) - Math.log(y0) : v - y0) / (spec.yLog ? Math.log(y1) - Math.log(y0) : y1 - y0);
  const Y = (v: number) => top + ph - ty(v) * ph;
  const bandTop = (spec.bands ?? []).length ? 26 : 10; // below the band labels

  // The plot's width depends on where the legend goes: inside, in a corner (or the middle of the
  // top or bottom edge) with no data or label under it, or, when each would hide something,
  // outside on the right.
  const legendW = 42 + Math.max(...spec.series.map((s) => textWidth(s.name, 12)));
  const legendH = spec.series.length * 18 + 8;
  const frame = (right: number) => {
    const pw = W - left - right;
    const X = (v: number) => left + ((v - x0) / (x1 - x0)) * pw;
    // each series as runs of points without gaps
    const runs = spec.series.map((s) => {
      const out: [number, number][][] = [[]];
      s.x.forEach((xv, i) => {
        const yv = s.y[i]!;
        if (Number.isFinite(xv) && Number.isFinite(yv) && (!spec.yLog || yv > 0)) out[out.length - 1]!.push([X(xv), Y(yv)]);
        else if (out[out.length - 1]!.length) out.push([]);
      });
      return out.filter((r) => r.length > 0);
    });
    return { pw, X, runs };
  };
  let { pw, X, runs } = frame(24);
  const labels: Box[] = [
    ...(spec.bands ?? []).map((b) => ({ x: (X(Math.max(b.from, x0)) + X(Math.min(b.to, x1))) / 2 - textWidth(b.label, 11) / 2 - 4, y: top + 5, w: textWidth(b.label, 11) + 8, h: 14 })),
    ...(spec.markers ?? []).map((m) => ({ x: X(m.x) + 4, y: top + ph - 17, w: textWidth(m.label, 11), h: 14 })),
  ];
  const markerLines = (spec.markers ?? []).map((m): [number, number][] => [[X(m.x), top], [X(m.x), top + ph]]);
  const spot = (across: 0 | 0.5 | 1, low: boolean): Box => ({
    x: left + 10 + across * (pw - 20 - legendW),
    y: low ? top + ph - 10 - legendH : top + bandTop,
    w: legendW,
    h: legendH,
  });
  // the corners first, then the middle of the bottom and top edges
  const spots = [spot(0, false), spot(1, false), spot(0, true), spot(1, true), spot(0.5, true), spot(0.5, false)];
  let legend = freeSpot(spots, [...runs.flat(), ...markerLines], labels);
  if (!legend) {
    ({ pw, X, runs } = frame(24 + legendW + 12));
    legend = { x: left + pw + 12, y: top, w: legendW, h: legendH };
  }

  items.push({ kind: 'text', x: left, y: 20, text: spec.title, size: 16, color: '#111111', anchor: 'start', bold: true });
  if (spec.subtitle) items.push({ kind: 'text', x: left, y: 42, text: spec.subtitle, size: 12, color: '#555555', anchor: 'start' });
  for (const b of spec.bands ?? []) {
    const a = X(Math.max(b.from, x0));
    const e = X(Math.min(b.to, x1));
    items.push({ kind: 'rect', x: a, y: top, w: e - a, h: ph, fill: b.color, opacity: 1 });
  }
  yTicks.forEach((v, i) => {
    items.push({ kind: 'path', points: [[left, Y(v)], [left + pw, Y(v)]], stroke: '#e3e3e3', width: 1 });
    items.push({ kind: 'text', x: left - 8, y: Y(v), text: yLabels[i]!, size: 12, color: '#333333', anchor: 'end' });
  });
  for (const v of xTicks) {
    items.push({ kind: 'path', points: [[X(v), top], [X(v), top + ph]], stroke: '#efefef', width: 1 });
    items.push({ kind: 'path', points: [[X(v), top + ph], [X(v), top + ph + 5]], stroke: '#333333', width: 1 });
    items.push({ kind: 'text', x: X(v), y: top + ph + 17, text: spec.xAxis === 'year' ? String(Math.round(v)) : tickLabel(v, xTicks), size: 12, color: '#333333', anchor: 'middle' });
  }
  for (const b of spec.bands ?? []) {
    const mid = (X(Math.max(b.from, x0)) + X(Math.min(b.to, x1))) / 2;
    items.push({ kind: 'rect', x: mid - textWidth(b.label, 11) / 2 - 4, y: top + 5, w: textWidth(b.label, 11) + 8, h: 14, fill: b.color });
    items.push({ kind: 'text', x: mid, y: top + 12, text: b.label, size: 11, color: '#555555', anchor: 'middle' });
  }
  items.push({ kind: 'rect', x: left, y: top, w: pw, h: ph, stroke: '#333333' });
  if (spec.xLabel) items.push({ kind: 'text', x: left + pw / 2, y: H - 14, text: spec.xLabel, size: 12, color: '#333333', anchor: 'middle' });
  if (spec.yLabel) items.push({ kind: 'text', x: 16, y: top + ph / 2, text: spec.yLabel, size: 12, color: '#333333', anchor: 'middle', vertical: true });
  for (const m of spec.markers ?? []) {
    items.push({ kind: 'path', points: [[X(m.x), top], [X(m.x), top + ph]], stroke: '#777777', width: 1, dash: [4, 4] });
    items.push({ kind: 'text', x: X(m.x) + 4, y: top + ph - 10, text: m.label, size: 11, color: '#555555', anchor: 'start' });
  }
  spec.series.forEach((s, k) => {
    for (const run of runs[k]!) {
      if (run.length > 1) items.push({ kind: 'path', points: run, stroke: s.color, width: s.width ?? 2, dash: s.dash ? [7, 4] : undefined });
      else items.push({ kind: 'rect', x: run[0]![0] - 2, y: run[0]![1] - 2, w: 4, h: 4, fill: s.color });
    }
  });
  const { x: lx, y: ly } = legend;
  items.push({ kind: 'rect', x: lx, y: ly, w: legendW, h: legendH, fill: '#ffffff', stroke: '#cccccc', opacity: 0.92 });
  spec.series.forEach((s, i) => {
    const yy = ly + 13 + i * 18;
    items.push({ kind: 'path', points: [[lx + 8, yy], [lx + 30, yy]], stroke: s.color, width: s.width ?? 2, dash: s.dash ? [7, 4] : undefined });
    items.push({ kind: 'text', x: lx + 36, y: yy, text: s.name, size: 12, color: '#222222', anchor: 'start' });
  });
  return { width: W, height: H, background: '#ffffff', items };
}
