import type { Prim, Scene } from './scene.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const n = (v: number) => String(Math.round(v * 100) / 100);

function prim(p: Prim): string {
  switch (p.kind) {
    case 'rect':
      return `<rect x="${n(p.x)}" y="${n(p.y)}" width="${n(p.w)}" height="${n(p.h)}" fill="${p.fill ?? 'none'}"${p.stroke ? ` stroke="${p.stroke}"` : ''}${p.opacity !== undefined && p.opacity < 1 ? ` fill-opacity="${p.opacity}"` : ''}/>`;
    case 'path':
      return `<polyline points="${p.points.map(([x, y]) => `${n(x)},${n(y)}`).join(' ')}" fill="none" stroke="${p.stroke}" stroke-width="${p.width}" stroke-linejoin="round" stroke-linecap="round"${p.dash ? ` stroke-dasharray="${p.dash.join(' ')}"` : ''}/>`;
    case 'text': {
      // y is the centre of the capitals; the baseline sits about 0.35 em below it
      const anchor = p.anchor === 'start' ? '' : ` text-anchor="${p.anchor}"`;
      const weight = p.bold ? ' font-weight="bold"' : '';
      if (p.vertical) {
        return `<text transform="translate(${n(p.x + p.size * 0.35)},${n(p.y)}) rotate(-90)"${anchor} font-size="${p.size}" fill="${p.color}"${weight}>${esc(p.text)}</text>`;
      }
      return `<text x="${n(p.x)}" y="${n(p.y + p.size * 0.35)}"${anchor} font-size="${p.size}" fill="${p.color}"${weight}>${esc(p.text)}</text>`;
    }
  }
}

/** The fonts asked for, first found first: DejaVu Sans (Linux) has every Latin, Greek and Cyrillic letter and °. */
export const FONT_FAMILY = 'DejaVu Sans, Helvetica, Arial, sans-serif';

/** A standalone SVG document: no scripts, no external fonts or stylesheets. */
export function sceneToSvg(s: Scene): string {
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${s.width}" height="${s.height}" viewBox="0 0 ${s.width} ${s.height}" font-family="${FONT_FAMILY}">`,
    `<rect width="100%" height="100%" fill="${s.background}"/>`,
    ...s.items.map(prim),
    `</svg>`,
    '',
  ].join('\n');
}
