import { textWidth, type Prim, type Scene } from './scene.js';

/**
 * Attention weights as heat maps, one panel per sequence pair: a column per source token, a row
 * per output token, each cell shaded by the weight the output step put on that source token (0
 * white, 1 dark blue). What people look at first in an attention model: a good G2P model draws a
 * near-diagonal band (each phone reads the letters that spell it).
 */
export interface HeatmapPanel {
  title: string;
  /** Source tokens, left to right. */
  columns: readonly string[];
  /** Output tokens, top to bottom. */
  rows: readonly string[];
  /** weights[row][column], each in [0, 1]. */
  weights: readonly (readonly number[])[];
}

const CELL = 22;
const FONT = 11;
const GAP = 36;
const INK = '#222222';

/** A shade from white (0) to dark blue (1), as #rrggbb. */
export function shade(w: number): string {
  const t = Math.min(1, Math.max(0, w));
  const mix = (a: number, b: number) => Math.round(a + (b - a) * t);
  const [r, g, b] = [mix(255, 8), mix(255, 48), mix(255, 107)];
  return `#${((1 << 24) | (r << 16) | (g << 8) | b).toString(16).slice(1)}`;
}

/** Lay out the panels left to right, wrapping after `perRow`; a title and a colour key above. */
export function heatmapScene(panels: readonly HeatmapPanel[], o: { title: string; subtitle?: string; perRow?: number }): Scene {
  const perRow = o.perRow ?? 3;
  const items: Prim[] = [];
  const label = (p: HeatmapPanel) => Math.max(...p.rows.map((r) => textWidth(r, FONT)), 10) + 8;
  const size = (p: HeatmapPanel) => ({ w: label(p) + p.columns.length * CELL, h: 20 + FONT + 8 + p.rows.length * CELL });
  const top = 64;
  let x = 16;
  let y = top;
  let rowH = 0;
  let width = 0;
  panels.forEach((p, i) => {
    if (i > 0 && i % perRow === 0) {
      x = 16;
      y += rowH + GAP;
      rowH = 0;
    }
    const s = size(p);
    const left = x + label(p);
    items.push({ kind: 'text', x: left, y: y + 6, text: p.title, size: FONT + 1, color: INK, anchor: 'start', bold: true });
    // source tokens along the top, output tokens down the left
    const gridTop = y + 20 + FONT;
    p.columns.forEach((c, j) => items.push({ kind: 'text', x: left + j * CELL + CELL / 2, y: gridTop - FONT / 2 - 2, text: c, size: FONT, color: INK, anchor: 'middle' }));
    p.rows.forEach((r, k) => {
      items.push({ kind: 'text', x: left - 6, y: gridTop + k * CELL + CELL / 2, text: r, size: FONT, color: INK, anchor: 'end' });
      p.columns.forEach((_, j) => items.push({ kind: 'rect', x: left + j * CELL, y: gridTop + k * CELL, w: CELL, h: CELL, fill: shade(p.weights[k]?.[j] ?? 0) }));
    });
    items.push({ kind: 'rect', x: left, y: gridTop, w: p.columns.length * CELL, h: p.rows.length * CELL, stroke: '#888888' });
    x += s.w + GAP;
    width = Math.max(width, x);
    rowH = Math.max(rowH, s.h);
  });
  // the colour key: 0 to 1 in ten steps
  const keyX = 16;
  for (let k = 0; k <= 10; k++) items.push({ kind: 'rect', x: keyX + 70 + k * 12, y: 40, w: 12, h: 10, fill: shade(k / 10) });
  items.push({ kind: 'text', x: keyX, y: 45, text: 'weight 0', size: FONT - 1, color: INK, anchor: 'start' });
  items.push({ kind: 'text', x: keyX + 70 + 11 * 12 + 6, y: 45, text: '1', size: FONT - 1, color: INK, anchor: 'start' });
  items.push({ kind: 'text', x: 16, y: 14, text: o.title, size: 14, color: INK, anchor: 'start', bold: true });
  if (o.subtitle) items.push({ kind: 'text', x: 16, y: 30, text: o.subtitle, size: FONT, color: '#555555', anchor: 'start' });
  const w = Math.max(width, textWidth(o.title, 14) + 32, o.subtitle ? textWidth(o.subtitle, FONT) + 32 : 0, 260);
  return { width: Math.ceil(w), height: Math.ceil(y + rowH + 16), background: '#ffffff', items };
}
