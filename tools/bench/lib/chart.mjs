// A dependency-free SVG bar chart of the ratios: each system's median step time divided by
// rnn-native's at the same thread count, on a log axis (1 = as fast as rnn-native; right of 1:
// rnn-native is faster). One panel per thread count.
import { ratioRows } from './report.mjs';

const COLORS = {
  pytorch: '#ee4c2c',
  'pytorch-passive': '#b2182b',
  'pytorch-nodes': '#f4a582',
  onnxruntime: '#7f7f7f',
  'tfjs-wasm': '#ff9f00',
  'tfjs-cpu': '#ffd166',
  'brain.js': '#8e44ad',
  'rnn-js': '#2a9d8f',
  'rnn-native-nodes': '#94d2bd',
  'rnn-cuda': '#264653',
};
const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;');

export function ratioChart(data) {
  const threads = data.settings.threads;
  const panels = threads.map((t) => ({ t, groups: ratioRows(data, t) }));
  const systems = [...new Set(panels.flatMap((p) => p.groups.flatMap((g) => g.bars.map((b) => b.system))))];
  const all = panels.flatMap((p) => p.groups.flatMap((g) => g.bars.map((b) => b.ratio)));
  const lo = Math.min(0.25, ...all.map((r) => r / 1.5));
  const hi = Math.max(4, ...all.map((r) => r * 1.6));
  const L = 150; // label column
  const W = 560; // plot width
  const barH = 11;
  const x = (r) => L + ((Math.log10(r) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * W;
  const ticks = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000].filter((v) => v >= lo && v <= hi);
  const parts = [];
  let y = 40;
  for (const p of panels) {
    parts.push(`<text x="${L}" y="${y}" font-size="14" font-weight="bold">${p.t} thread${p.t > 1 ? 's' : ''}${p.t > 1 ? ' (single-threaded libraries: their 1-thread time)' : ''}</text>`);
    y += 12;
    const top = y;
    for (const g of p.groups) {
      const h = Math.max(1, g.bars.length) * barH + 8;
      parts.push(`<text x="${L - 6}" y="${y + h / 2 + 4}" font-size="11" text-anchor="end">${esc(g.label)}</text>`);
      g.bars.forEach((b, i) => {
        const by = y + 4 + i * barH;
        const x0 = x(Math.min(1, b.ratio));
        const x1 = x(Math.max(1, b.ratio));
        parts.push(`<rect x="${x0.toFixed(1)}" y="${by}" width="${Math.max(1, x1 - x0).toFixed(1)}" height="${barH - 2}" fill="${COLORS[b.system] ?? '#999'}"><title>${esc(b.label)}: ${b.ratio.toFixed(2)}×</title></rect>`);
        const tx = b.ratio >= 1 ? x1 + 3 : x0 - 3;
        parts.push(`<text x="${tx.toFixed(1)}" y="${by + barH - 3}" font-size="9" text-anchor="${b.ratio >= 1 ? 'start' : 'end'}">${b.ratio >= 10 ? b.ratio.toFixed(0) : b.ratio.toFixed(2)}</text>`);
      });
      y += h;
      parts.push(`<line x1="${L}" x2="${L + W}" y1="${y}" y2="${y}" stroke="#eee"/>`);
    }
    for (const v of ticks) {
      parts.push(`<line x1="${x(v).toFixed(1)}" x2="${x(v).toFixed(1)}" y1="${top}" y2="${y}" stroke="${v === 1 ? '#000' : '#ddd'}" stroke-width="${v === 1 ? 1.5 : 1}"/>`);
      parts.push(`<text x="${x(v).toFixed(1)}" y="${y + 12}" font-size="10" text-anchor="middle">${v}×</text>`);
    }
    y += 40;
  }
  // legend
  systems.forEach((s, i) => {
    const lx = 10 + (i % 4) * 185;
    const ly = y + Math.floor(i / 4) * 16;
    const label = panels.flatMap((p) => p.groups.flatMap((g) => g.bars)).find((b) => b.system === s)?.label ?? s;
    parts.push(`<rect x="${lx}" y="${ly - 9}" width="10" height="10" fill="${COLORS[s] ?? '#999'}"/><text x="${lx + 14}" y="${ly}" font-size="11">${esc(label)}</text>`);
  });
  y += Math.ceil(systems.length / 4) * 16 + 10;
  const title = `Step time ÷ rnn-native's (log scale; right of 1×: rnn-native is faster)${data.quick ? ' — QUICK MODE, reduced shapes' : ''}`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${L + W + 60}" height="${y}" viewBox="0 0 ${L + W + 60} ${y}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14">${esc(title)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
