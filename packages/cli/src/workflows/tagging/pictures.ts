import { entitiesOf, type Entity, type TagScores } from '@rnn/layers';
import { PALETTE } from '../../plot/index.js';
import { textWidth, type Prim, type Scene } from '../../plot/scene.js';

/**
 * The pictures of `rnn evaluate --tagging --report DIR`: a sentence with its predicted entities
 * highlighted (an SVG scene, and the whole test file as one self-contained HTML page), and the
 * CRF's learned transition scores as a heat map. Scenes go through the CLI's chart writers
 * (plot/), so the SVG and the PNG show the same picture.
 */

/** A colour per entity type (types sorted, so every picture of a file agrees), from the colour-blind-safe palette. */
export function typeColors(types: Iterable<string>): Map<string, string> {
  const colors = PALETTE.slice(1);
  return new Map([...new Set(types)].sort().map((t, i) => [t, colors[i % colors.length]!]));
}

/** Every entity type of the sentences, gold and predicted. */
export function typesOf(views: readonly SentenceView[]): string[] {
  return views.flatMap((s) => [...entitiesOf(s.predicted), ...(s.gold ? entitiesOf(s.gold) : [])].map((e) => e.type));
}

/** Tags in reading order: O first, then each type's B-, I-, E-, S- together, types sorted. */
export function tagOrder(tags: readonly string[]): number[] {
  const rank = (t: string) => {
    const m = /^([BIES])-(.+)$/.exec(t);
    return m ? [m[2]!, 'BIES'.indexOf(m[1]!)] as const : ([t === 'O' ? '' : t, -1] as const);
  };
  return tags
    .map((t, i) => ({ i, r: rank(t) }))
    .sort((a, b) => (a.r[0] < b.r[0] ? -1 : a.r[0] > b.r[0] ? 1 : a.r[1] - b.r[1]))
    .map((x) => x.i);
}

const key = (e: Entity) => `${e.type}\u0000${e.start}\u0000${e.end}`;
const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export interface SentenceView {
  tokens: readonly string[];
  predicted: readonly string[];
  /** The gold tags, when known: missed entities are shown, and wrong ones marked. */
  gold?: readonly string[] | null;
}

/**
 * One sentence, its words wrapped to `width`: each predicted entity on a tinted box in its type's
 * colour with the type above it (a red dashed outline when no gold entity has that span and
 * type), and each gold entity underlined in its colour.
 */
export function sentenceScene(s: SentenceView, o: { width?: number; title?: string; colors?: Map<string, string> } = {}): Scene {
  const W = o.width ?? 900;
  const size = 16;
  const pad = 20;
  const lineH = 58;
  const predicted = entitiesOf(s.predicted);
  const gold = s.gold ? entitiesOf(s.gold) : [];
  const colors = o.colors ?? typeColors([...predicted, ...gold].map((e) => e.type));
  const goldKeys = new Set(gold.map(key));
  // lay the words out: x, and the line each sits on
  const space = textWidth(' ', size) + 4;
  const pos: { x: number; line: number; w: number }[] = [];
  let x = pad;
  let line = 0;
  for (const t of s.tokens) {
    const w = textWidth(t, size);
    if (x + w > W - pad && x > pad) {
      x = pad;
      line++;
    }
    pos.push({ x, line, w });
    x += w + space;
  }
  const top = o.title ? 56 : 24;
  const legendH = 34;
  const H = top + (line + 1) * lineH + legendH;
  const items: Prim[] = [];
  if (o.title) items.push({ kind: 'text', x: pad, y: 22, text: o.title, size: 15, color: '#222222', anchor: 'start', bold: true });
  const baseY = (l: number) => top + l * lineH + 30;
  // a span may wrap: one box per line it touches
  const boxes = (e: Entity) => {
    const out: { x: number; y: number; w: number }[] = [];
    for (let i = e.start; i < e.end; i++) {
      const p = pos[i]!;
      const last = out[out.length - 1];
      if (last && pos[i - 1]!.line === p.line) last.w = p.x + p.w - last.x;
      else out.push({ x: p.x, y: baseY(p.line), w: p.w });
    }
    return out;
  };
  for (const e of predicted) {
    const color = colors.get(e.type) ?? '#888888';
    const wrong = s.gold ? !goldKeys.has(key(e)) : false;
    boxes(e).forEach((b, i) => {
      items.push({ kind: 'rect', x: b.x - 3, y: b.y - 13, w: b.w + 6, h: 26, fill: color, opacity: 0.22 });
      if (wrong) items.push({ kind: 'rect', x: b.x - 3, y: b.y - 13, w: b.w + 6, h: 26, stroke: '#d00000' });
      if (i === 0) items.push({ kind: 'text', x: b.x - 2, y: b.y - 20, text: e.type, size: 10, color, anchor: 'start', bold: true });
    });
  }
  for (const e of gold) {
    const color = colors.get(e.type) ?? '#888888';
    for (const b of boxes(e)) items.push({ kind: 'rect', x: b.x - 2, y: b.y + 15, w: b.w + 4, h: 3, fill: color });
  }
  s.tokens.forEach((t, i) => items.push({ kind: 'text', x: pos[i]!.x, y: baseY(pos[i]!.line), text: t, size, color: '#111111', anchor: 'start' }));
  // legend: the types, then what the marks mean
  let lx = pad;
  const ly = H - legendH / 2;
  for (const [type, color] of colors) {
    items.push({ kind: 'rect', x: lx, y: ly - 7, w: 14, h: 14, fill: color, opacity: 0.5 });
    items.push({ kind: 'text', x: lx + 19, y: ly, text: type, size: 11, color: '#333333', anchor: 'start' });
    lx += 30 + textWidth(type, 11);
  }
  const how = s.gold ? 'box: predicted (red outline: not in gold) · underline: gold' : 'box: predicted entity';
  items.push({ kind: 'text', x: W - pad, y: ly, text: how, size: 11, color: '#555555', anchor: 'end' });
  return { width: W, height: H, background: '#ffffff', items };
}

/** Diverging colour for a score: blue below 0, white at 0, red above, full at ±`max`. */
function diverging(v: number, max: number): string {
  const t = max > 0 ? Math.max(-1, Math.min(1, v / max)) : 0;
  const [r, g, b] = t >= 0 ? [255, Math.round(255 - 180 * t), Math.round(255 - 200 * t)] : [Math.round(255 + 200 * t), Math.round(255 + 130 * t), 255];
  return `#${[r, g, b].map((c) => c.toString(16).padStart(2, '0')).join('')}`;
}

export interface Transitions {
  tags: readonly string[];
  /** `[from][to]`: the score of tag `from` followed by tag `to`. */
  transitions: readonly (readonly number[])[];
  /** Score of starting a sentence with each tag. */
  start: readonly number[];
  /** Score of ending a sentence with each tag. */
  end: readonly number[];
}

/**
 * The CRF's transition scores as a heat map: a row per previous tag (and START), a column per
 * next tag (and END), red where the model favours the move and blue where it forbids it (e.g.
 * `O` → `I-person`), each cell with its score.
 */
export function transitionScene(raw: Transitions, o: { title?: string } = {}): Scene {
  const order = tagOrder(raw.tags);
  const t: Transitions = {
    tags: order.map((i) => raw.tags[i]!),
    transitions: order.map((i) => order.map((j) => raw.transitions[i]![j]!)),
    start: order.map((i) => raw.start[i]!),
    end: order.map((i) => raw.end[i]!),
  };
  const K = t.tags.length;
  const rows = ['START', ...t.tags];
  const cols = [...t.tags, 'END'];
  const value = (r: number, c: number): number | null => {
    if (r === 0) return c < K ? t.start[c]! : null;
    return c < K ? t.transitions[r - 1]![c]! : t.end[r - 1]!;
  };
  const cell = Math.max(30, Math.min(46, Math.floor(700 / (K + 1))));
  const labelW = Math.max(...rows.map((r) => textWidth(r, 12))) + 16;
  const labelH = Math.max(...cols.map((c) => textWidth(c, 12))) + 16;
  const x0 = 30 + labelW;
  const y0 = 70 + labelH;
  const W = x0 + cols.length * cell + 130;
  const H = y0 + rows.length * cell + 40;
  let max = 0;
  for (let r = 0; r < rows.length; r++) for (let c = 0; c < cols.length; c++) max = Math.max(max, Math.abs(value(r, c) ?? 0));
  const items: Prim[] = [
    { kind: 'text', x: 20, y: 22, text: o.title ?? 'Learned CRF transition scores', size: 15, color: '#222222', anchor: 'start', bold: true },
    { kind: 'text', x: 20, y: 44, text: 'row: the tag before · column: the tag after · red: favoured, blue: avoided', size: 11, color: '#555555', anchor: 'start' },
  ];
  const small = cell < 40 ? 9 : 10;
  for (let r = 0; r < rows.length; r++) {
    items.push({ kind: 'text', x: x0 - 8, y: y0 + r * cell + cell / 2, text: rows[r]!, size: 12, color: '#222222', anchor: 'end', bold: r === 0 });
    for (let c = 0; c < cols.length; c++) {
      const v = value(r, c);
      const x = x0 + c * cell;
      const y = y0 + r * cell;
      if (v === null) {
        items.push({ kind: 'rect', x, y, w: cell, h: cell, fill: '#eeeeee', stroke: '#ffffff' });
        continue;
      }
      items.push({ kind: 'rect', x, y, w: cell, h: cell, fill: diverging(v, max), stroke: '#ffffff' });
      items.push({ kind: 'text', x: x + cell / 2, y: y + cell / 2, text: v.toFixed(1), size: small, color: Math.abs(v) > 0.6 * max ? '#ffffff' : '#222222', anchor: 'middle' });
    }
  }
  cols.forEach((c, i) => items.push({ kind: 'text', x: x0 + i * cell + cell / 2 - 6, y: y0 - 8, text: c, size: 12, color: '#222222', anchor: 'start', vertical: true, bold: c === 'END' }));
  // the colour scale
  const sx = x0 + cols.length * cell + 30;
  const steps = 40;
  const sh = Math.min(rows.length * cell, 300);
  for (let i = 0; i < steps; i++) {
    items.push({ kind: 'rect', x: sx, y: y0 + (i * sh) / steps, w: 16, h: sh / steps + 0.5, fill: diverging(max * (1 - (2 * i) / (steps - 1)), max) });
  }
  items.push({ kind: 'rect', x: sx, y: y0, w: 16, h: sh, stroke: '#999999' });
  for (const [v, y] of [[max, y0], [0, y0 + sh / 2], [-max, y0 + sh]] as const) {
    items.push({ kind: 'text', x: sx + 22, y, text: v.toFixed(1), size: 11, color: '#333333', anchor: 'start' });
  }
  return { width: W, height: H, background: '#ffffff', items };
}

const pct = (x: number) => (100 * x).toFixed(2);

/** The scores as an HTML table: overall, then per type. */
function scoresTable(s: TagScores, colors: Map<string, string>): string {
  if (!s.entities) return `<p>Token accuracy ${pct(s.accuracy)}% (${s.correctTokens} of ${s.tokens} tokens); the tags are not entity tags, so there are no entity scores.</p>`;
  const row = (name: string, e: { gold: number; predicted: number; correct: number; precision: number; recall: number; f1: number }, color?: string) =>
    `<tr><td>${color ? `<span class="sw" style="background:${color}"></span>` : ''}${esc(name)}</td><td>${e.gold}</td><td>${e.predicted}</td><td>${e.correct}</td>` +
    `<td>${pct(e.precision)}</td><td>${pct(e.recall)}</td><td><b>${pct(e.f1)}</b></td></tr>`;
  return [
    `<p>Token accuracy <b>${pct(s.accuracy)}%</b> (${s.correctTokens} of ${s.tokens} tokens). Entities by conlleval's rule (exact span and type):</p>`,
    '<table><tr><th>type</th><th>gold</th><th>predicted</th><th>correct</th><th>precision %</th><th>recall %</th><th>F1</th></tr>',
    row('all entities', s.entities),
    ...Object.entries(s.entities.types).map(([t, e]) => row(t, e, colors.get(t))),
    '</table>',
  ].join('\n');
}

/** One sentence as HTML: predicted entities as coloured marks (dashed red when wrong), missed gold ones underlined. */
function sentenceHtml(v: SentenceView, colors: Map<string, string>): string {
  const predicted = entitiesOf(v.predicted);
  const gold = v.gold ? entitiesOf(v.gold) : [];
  const goldKeys = new Set(gold.map(key));
  const predKeys = new Set(predicted.map(key));
  const open = new Map<number, string[]>();
  const add = (at: number, html: string) => open.set(at, [...(open.get(at) ?? []), html]);
  for (const e of predicted) {
    const wrong = v.gold ? !goldKeys.has(key(e)) : false;
    add(e.start, `<mark class="${wrong ? 'wrong' : 'right'}" style="--c:${colors.get(e.type) ?? '#888'}" title="predicted ${esc(e.type)}${wrong ? ' (not in gold)' : ''}">`);
  }
  const missed = gold.filter((e) => !predKeys.has(key(e)));
  const out: string[] = [];
  v.tokens.forEach((t, i) => {
    const m = missed.find((e) => e.start <= i && i < e.end);
    const word = m ? `<u style="--c:${colors.get(m.type) ?? '#888'}" title="missed gold ${esc(m.type)}">${esc(t)}</u>` : esc(t);
    out.push(`${(open.get(i) ?? []).join('')}${word}`);
    const ends = predicted.filter((e) => e.end === i + 1);
    for (const e of ends) out.push(`<sub>${esc(e.type)}</sub></mark>`);
  });
  return `<p>${out.join(' ').replace(/ <sub>/g, '<sub>')}</p>`;
}

/**
 * A self-contained HTML page (inline CSS, no scripts): the scores, then every sentence holding a
 * gold or predicted entity with its entities marked.
 */
export function entitiesHtml(sentences: readonly SentenceView[], scores: TagScores | null, o: { title: string }): string {
  const colors = typeColors(typesOf(sentences));
  const shown = sentences.filter((s) => s.predicted.some((t) => t !== 'O') || (s.gold?.some((t) => t !== 'O') ?? false));
  const legend = [...colors].map(([t, c]) => `<span class="sw" style="background:${c}"></span>${esc(t)}`).join(' &nbsp; ');
  return [
    '<!DOCTYPE html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${esc(o.title)}</title>`,
    '<style>',
    'body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;max-width:60em;margin:2em auto;line-height:2.2;color:#111}',
    'table{border-collapse:collapse;line-height:1.4}td,th{padding:.2em .7em;text-align:right;border-bottom:1px solid #ddd}td:first-child,th:first-child{text-align:left}',
    '.sw{display:inline-block;width:.9em;height:.9em;margin-right:.3em;vertical-align:-.1em;border-radius:2px}',
    'mark{background:color-mix(in srgb,var(--c) 25%,white);border:1px solid color-mix(in srgb,var(--c) 60%,white);border-radius:3px;padding:0 .15em}',
    'mark.wrong{border:1.5px dashed #d00000}',
    'sub{font-size:.65em;font-weight:bold;color:var(--c);margin-left:.2em}',
    'u{text-decoration:underline 3px var(--c);text-underline-offset:4px}',
    '</style></head><body>',
    `<h1>${esc(o.title)}</h1>`,
    scores ? scoresTable(scores, colors) : '',
    `<p>${legend}</p>`,
    `<p><small>Box: a predicted entity (dashed red: no gold entity has that span and type). Underlined: a gold entity the model missed. ${shown.length} of ${sentences.length} sentences hold an entity.</small></p>`,
    ...shown.map((s) => sentenceHtml(s, colors)),
    '</body></html>',
    '',
  ].join('\n');
}
