import { shade } from './heatmap.js';
import { textWidth, type Prim, type Scene } from './scene.js';

/**
 * The pictures of `rnn explain`: attributions over time × features under the input curve, gate
 * activations over time, tokens coloured by attribution, a tree coloured by predicted sentiment.
 * Scenes, so each is written as SVG or PNG by the same writers as every other chart.
 */

const INK = '#222222';
const FONT = 11;

/** Diverging colour for a signed score scaled to [-1, 1]: red negative, white 0, blue positive. */
export function diverging(v: number): string {
  const t = Math.min(1, Math.max(-1, v));
  const [r0, g0, b0] = t >= 0 ? [33, 102, 172] : [178, 24, 43];
  const a = Math.abs(t);
  const mix = (to: number) => Math.round(255 + (to - 255) * a);
  return `#${((1 << 24) | (mix(r0) << 16) | (mix(g0) << 8) | mix(b0)).toString(16).slice(1)}`;
}

const maxAbs = (xs: Iterable<number>) => {
  let m = 0;
  for (const x of xs) m = Math.max(m, Math.abs(x));
  return m || 1;
};

function title(items: Prim[], text: string, sub?: string): void {
  items.push({ kind: 'text', x: 16, y: 18, text, size: 14, color: INK, anchor: 'start', bold: true });
  if (sub) items.push({ kind: 'text', x: 16, y: 38, text: sub, size: FONT, color: '#555555', anchor: 'start' });
}

/**
 * The input as curves (each feature scaled to its own range) over a heat map of attributions, a
 * row per feature and a column per time step, on one time axis.
 */
export function attributionScene(o: {
  title: string;
  subtitle?: string;
  /** `[T][F]` the input values and their attributions. */
  values: readonly (readonly number[])[];
  attributions: readonly (readonly number[])[];
  features: readonly string[];
  /** Labels of some time steps (e.g. lags or dates), by index. */
  stepLabel?: (t: number) => string;
}): Scene {
  const T = o.values.length;
  const F = o.features.length;
  const items: Prim[] = [];
  title(items, o.title, o.subtitle);
  const left = 16 + Math.max(...o.features.map((f) => textWidth(f, FONT)), 40) + 8;
  const cell = Math.max(4, Math.min(24, Math.floor(760 / Math.max(T, 1))));
  const top = 56;
  const curveH = 110;
  const gridTop = top + curveH + 12;
  const rowH = 18;
  // the input curves
  items.push({ kind: 'rect', x: left, y: top, w: T * cell, h: curveH, stroke: '#bbbbbb' });
  const colours = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
  for (let f = 0; f < F; f++) {
    const col = o.values.map((r) => r[f]!);
    const lo = Math.min(...col);
    const hi = Math.max(...col);
    const y = (v: number) => top + curveH - 6 - ((v - lo) / (hi - lo || 1)) * (curveH - 12);
    items.push({ kind: 'path', points: col.map((v, t) => [left + t * cell + cell / 2, y(v)]), stroke: colours[f % colours.length]!, width: 1.6 });
  }
  items.push({ kind: 'text', x: left - 6, y: top + curveH / 2, text: 'input', size: FONT, color: INK, anchor: 'end' });
  // the attributions
  const m = maxAbs(o.attributions.flat());
  for (let f = 0; f < F; f++) {
    items.push({ kind: 'text', x: left - 6, y: gridTop + f * rowH + rowH / 2, text: o.features[f]!, size: FONT, color: colours[f % colours.length]!, anchor: 'end' });
    for (let t = 0; t < T; t++) items.push({ kind: 'rect', x: left + t * cell, y: gridTop + f * rowH, w: cell, h: rowH, fill: diverging(o.attributions[t]![f]! / m) });
  }
  items.push({ kind: 'rect', x: left, y: gridTop, w: T * cell, h: F * rowH, stroke: '#888888' });
  const every = Math.max(1, Math.ceil((T * 40) / (T * cell)));
  for (let t = 0; t < T; t += every) {
    items.push({ kind: 'text', x: left + t * cell + cell / 2, y: gridTop + F * rowH + 12, text: o.stepLabel ? o.stepLabel(t) : String(t), size: 9, color: '#555555', anchor: 'middle' });
  }
  const keyY = gridTop + F * rowH + 30;
  items.push({ kind: 'text', x: left, y: keyY, text: `attribution: red lowers the output, blue raises it (|max| ${m.toPrecision(3)})`, size: FONT, color: '#555555', anchor: 'start' });
  return { width: Math.max(left + T * cell + 24, 420), height: keyY + 16, background: '#ffffff', items };
}

/** Gate activations over time: one panel per gate, a row per unit (the first `maxUnits`), a column per step. */
export function gatesScene(o: { title: string; subtitle?: string; gateNames: readonly string[]; gates: readonly (readonly number[])[]; hidden: number; maxUnits?: number }): Scene {
  const T = o.gates.length;
  const G = o.gateNames.length;
  const U = Math.min(o.hidden, o.maxUnits ?? 32);
  const items: Prim[] = [];
  title(items, o.title, o.subtitle);
  const cell = Math.max(3, Math.min(16, Math.floor(700 / Math.max(T, 1))));
  const unitH = Math.max(3, Math.min(10, Math.floor(160 / U)));
  let y = 56;
  for (let g = 0; g < G; g++) {
    const name = o.gateNames[g]!;
    // tanh gates (g, n) and plain h run in [-1, 1]; the sigmoid gates in [0, 1]
    const signed = name === 'g' || name === 'n' || name === 'h';
    items.push({ kind: 'text', x: 16, y: y + (U * unitH) / 2, text: name, size: 13, color: INK, anchor: 'start', bold: true });
    for (let u = 0; u < U; u++) {
      for (let t = 0; t < T; t++) {
        const v = o.gates[t]![g * o.hidden + u]!;
        items.push({ kind: 'rect', x: 40 + t * cell, y: y + u * unitH, w: cell, h: unitH, fill: signed ? diverging(v) : shade(v) });
      }
    }
    items.push({ kind: 'rect', x: 40, y, w: T * cell, h: U * unitH, stroke: '#888888' });
    y += U * unitH + 14;
  }
  const key = `time steps 0..${T - 1} left to right; units 0..${U - 1} top to bottom; σ gates white 0 → blue 1, tanh gates red −1 → blue 1`;
  items.push({ kind: 'text', x: 40, y: y + 4, text: key, size: 10, color: '#555555', anchor: 'start' });
  return { width: Math.max(40 + T * cell + 24, 60 + textWidth(key, 10)), height: y + 20, background: '#ffffff', items };
}

/** Tokens in reading order, each on a background coloured by its attribution. */
export function tokensScene(o: { title: string; subtitle?: string; tokens: readonly string[]; scores: readonly number[]; width?: number }): Scene {
  const items: Prim[] = [];
  title(items, o.title, o.subtitle);
  const W = o.width ?? 760;
  const m = maxAbs(o.scores);
  let x = 16;
  let y = 56;
  const size = 14;
  o.tokens.forEach((tok, i) => {
    const shown = tok === ' ' ? '␣' : tok === '\n' ? '↵' : tok;
    const w = Math.max(textWidth(shown, size) + 6, 10);
    if (x + w > W - 16) {
      x = 16;
      y += 26;
    }
    items.push({ kind: 'rect', x, y, w, h: 22, fill: diverging(o.scores[i]! / m) });
    items.push({ kind: 'text', x: x + w / 2, y: y + 11, text: shown, size, color: INK, anchor: 'middle' });
    x += w + 1;
  });
  return { width: W, height: y + 40, background: '#ffffff', items };
}

/** Five sentiment classes from very negative (red) to very positive (green); other counts spread the same way. */
export function sentimentColour(p: readonly number[]): string {
  const C = p.length;
  const e = p.reduce((s, q, c) => s + q * (C > 1 ? c / (C - 1) : 0.5), 0); // expected class in [0, 1]
  const t = e * 2 - 1;
  const [r, g, b] = t < 0 ? [215, 48, 39] : [26, 152, 80];
  const a = Math.abs(t);
  const mix = (to: number) => Math.round(245 + (to - 245) * a);
  return `#${((1 << 24) | (mix(r) << 16) | (mix(g) << 8) | mix(b)).toString(16).slice(1)}`;
}

/** A tree with the words at the bottom and each node a box coloured by its predicted sentiment. */
export function treeScene(o: {
  title: string;
  subtitle?: string;
  nodes: readonly { children: readonly number[]; word: string | null; probs: readonly number[]; predicted: number; attribution: number }[];
  root: number;
}): Scene {
  const items: Prim[] = [];
  title(items, o.title, o.subtitle);
  const xs = new Map<number, number>();
  const depth = new Map<number, number>();
  let next = 0;
  const gap = 58;
  // leaves left to right; a parent centred over its children; depth from the root
  const place = (n: number, d: number): number => {
    depth.set(n, d);
    const kids = o.nodes[n]!.children;
    const x = kids.length === 0 ? 30 + gap * next++ : kids.map((c) => place(c, d + 1)).reduce((a, b) => a + b, 0) / kids.length;
    xs.set(n, x);
    return x;
  };
  place(o.root, 0);
  const maxDepth = Math.max(...depth.values());
  const levelH = 34;
  const yOf = (n: number) => 60 + (o.nodes[n]!.children.length === 0 ? maxDepth : depth.get(n)!) * levelH;
  for (const [n, x] of xs) for (const c of o.nodes[n]!.children) items.push({ kind: 'path', points: [[x, yOf(n) + 8], [xs.get(c)!, yOf(c) - 8]], stroke: '#999999', width: 1 });
  for (const [n, x] of xs) {
    const node = o.nodes[n]!;
    items.push({ kind: 'rect', x: x - 11, y: yOf(n) - 8, w: 22, h: 16, fill: sentimentColour(node.probs), stroke: '#555555' });
    items.push({ kind: 'text', x, y: yOf(n), text: String(node.predicted), size: 10, color: INK, anchor: 'middle' });
    if (node.word !== null && node.children.length === 0) items.push({ kind: 'text', x, y: yOf(n) + 20, text: node.word, size: FONT, color: INK, anchor: 'middle' });
  }
  const bottom = 60 + maxDepth * levelH + 40;
  items.push({ kind: 'text', x: 16, y: bottom, text: 'boxes: predicted class at each node (red negative → green positive)', size: 10, color: '#555555', anchor: 'start' });
  return { width: Math.max(60 + gap * next, 420), height: bottom + 14, background: '#ffffff', items };
}
