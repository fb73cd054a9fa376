import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { chooseRenderer, crc32, lineChart, renderPng, sceneToPng, sceneToSvg, type LineChartSpec, type PngRenderer } from '../src/plot/index.js';
import type { ResvgModule } from '../src/plot/raster.js';
import type { Prim, Scene } from '../src/plot/scene.js';
import { lossChart } from '../src/workflows/timeseries/charts.js';

/** The chunks of a PNG, every CRC checked, and its pixels inflated. */
function decode(png: Buffer): { width: number; height: number; colorType: number; raw: Buffer } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const idat: Buffer[] = [];
  let ihdr: Buffer | undefined;
  let off = 8;
  let last = '';
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString('ascii', off + 4, off + 8);
    expect(png.readUInt32BE(off + 8 + len), `${type} CRC`).toBe(crc32(png.subarray(off + 4, off + 8 + len)));
    if (type === 'IHDR') ihdr = png.subarray(off + 8, off + 8 + len);
    if (type === 'IDAT') idat.push(png.subarray(off + 8, off + 8 + len));
    last = type;
    off += 12 + len;
  }
  expect(last).toBe('IEND');
  return { width: ihdr!.readUInt32BE(0), height: ihdr!.readUInt32BE(4), colorType: ihdr![9]!, raw: inflateSync(Buffer.concat(idat)) };
}

const textScene = (text: string): Scene => ({
  width: 200,
  height: 30,
  background: '#ffffff',
  items: [{ kind: 'text', x: 10, y: 15, text, size: 14, color: '#000000', anchor: 'start' }],
});

const renderer = chooseRenderer();

describe('PNG charts drawn by resvg', () => {
  it('are drawn with a real font on this machine (the optional @resvg/resvg-js and DejaVu are installed)', () => {
    expect(renderer.why).toBeUndefined();
    expect(renderer.kind).toBe('resvg');
  });

  it('are valid PNG files of twice the scene size', () => {
    const spec: LineChartSpec = { title: 't', series: [{ name: 'a', x: [1, 2, 3], y: [1, 3, 2], color: '#000000' }], width: 300, height: 200 };
    const png = decode(renderPng(lineChart(spec), 2, () => {}, renderer));
    expect([png.width, png.height]).toEqual([600, 400]);
    const channels = png.colorType === 6 ? 4 : png.colorType === 2 ? 3 : 0;
    expect(channels).toBeGreaterThan(0);
    expect(png.raw.length).toBe(400 * (1 + 600 * channels));
  });

  it('draw non-ASCII letters as themselves (the bitmap font draws each as ?)', () => {
    const real = 'température_°C';
    const flat = 'temp?rature_?C';
    expect(sceneToSvg(textScene(real))).toContain(`>${real}</text>`);
    // the bitmap fallback cannot tell them apart...
    expect(sceneToPng(textScene(real)).equals(sceneToPng(textScene(flat)))).toBe(true);
    // ...resvg can: é and ° are drawn, differently from ?
    const a = decode(renderPng(textScene(real), 2, () => {}, renderer)).raw;
    const b = decode(renderPng(textScene(flat), 2, () => {}, renderer)).raw;
    const e = decode(renderPng(textScene('temperature_C'), 2, () => {}, renderer)).raw;
    expect(a.equals(b)).toBe(false);
    expect(a.equals(e)).toBe(false);
  });
});

describe('PNG fallback to the bitmap font', () => {
  it('when @resvg/resvg-js is missing: says so once, and still writes a PNG', () => {
    const missing = chooseRenderer(() => {
      throw Object.assign(new Error("Cannot find module '@resvg/resvg-js'"), { code: 'MODULE_NOT_FOUND' });
    });
    expect(missing.kind).toBe('bitmap');
    expect(missing.why).toMatch(/^the optional package @resvg\/resvg-js is not installed, so PNG text is drawn with the built-in bitmap font \(ASCII only.*npm install @resvg\/resvg-js/);
    const notes: string[] = [];
    const one = renderPng(textScene('a'), 1, (m) => notes.push(m), missing);
    renderPng(textScene('b'), 1, (m) => notes.push(m), missing);
    expect(notes).toEqual([missing.why]);
    expect(decode(one).width).toBe(200);
  });

  it('when no font is found: resvg would draw no text, so the bitmap font is used, naming the package to install', () => {
    const tried: unknown[] = [];
    const fontless: ResvgModule = {
      Resvg: class {
        constructor(_svg: string, options?: { font?: unknown }) {
          tried.push(options?.font);
        }
        render(): never {
          throw new Error('not reached');
        }
        getBBox() {
          return undefined;
        }
      },
    };
    const r: PngRenderer = chooseRenderer(() => fontless, ['/nonexistent/fonts']);
    expect(r.kind).toBe('bitmap');
    expect(r.why).toMatch(/^no font was found \(looked in \/nonexistent\/fonts and the system fonts\).*apt-get install fonts-dejavu-core$/);
    expect(tried).toEqual([{ loadSystemFonts: true }]);
  });

  it('when resvg fails on a probe: the bitmap font, with the error of resvg', () => {
    const r = chooseRenderer(() => ({
      Resvg: class {
        constructor() {
          throw new Error('wrong ELF class: ELFCLASS32');
        }
        render(): never {
          throw new Error('not reached');
        }
        getBBox() {
          return undefined;
        }
      },
    }));
    expect(r.kind).toBe('bitmap');
    expect(r.why).toMatch(/^@resvg\/resvg-js failed \(wrong ELF class: ELFCLASS32\), so PNG text is drawn with the built-in bitmap font/);
  });
});

/** The legend box (white, grey border) and the plot frame (no fill, dark border) of a scene. */
function boxes(scene: Scene) {
  const rects = scene.items.filter((p): p is Extract<Prim, { kind: 'rect' }> => p.kind === 'rect');
  return { legend: rects.find((r) => r.stroke === '#cccccc')!, frame: rects.find((r) => r.stroke === '#333333' && !r.fill)! };
}

/** Points along every data polyline (1 px apart; legend swatches have 2 points, data here many) inside a box. */
function pointsUnder(scene: Scene, box: { x: number; y: number; w: number; h: number }, colors: string[]): number {
  let n = 0;
  for (const p of scene.items) {
    if (p.kind !== 'path' || !colors.includes(p.stroke) || p.points.length <= 2) continue;
    for (let i = 0; i + 1 < p.points.length; i++) {
      const [ax, ay] = p.points[i]!;
      const [bx, by] = p.points[i + 1]!;
      const k = Math.ceil(Math.hypot(bx - ax, by - ay));
      for (let j = 0; j <= k; j++) {
        const x = ax + ((bx - ax) * j) / k;
        const y = ay + ((by - ay) * j) / k;
        if (x >= box.x && x <= box.x + box.w && y >= box.y && y <= box.y + box.h) n++;
      }
    }
  }
  return n;
}

describe('legend placement', () => {
  const xs = Array.from({ length: 101 }, (_, i) => i);

  it('moves away from a series that fills the top-left corner', () => {
    const spec: LineChartSpec = {
      title: 'falling',
      series: [
        { name: 'high then falling', x: xs, y: xs.map((x) => (x < 40 ? 100 - (x % 5) : 100 - x)), color: '#0072b2' },
        { name: 'second', x: xs, y: xs.map((x) => 90 - 0.8 * x), color: '#d55e00' },
      ],
    };
    const scene = lineChart(spec);
    const { legend, frame } = boxes(scene);
    // the old place, top left inside the plot, has data under it
    expect(pointsUnder(scene, { x: frame.x + 10, y: frame.y + 10, w: legend.w, h: legend.h }, ['#0072b2', '#d55e00'])).toBeGreaterThan(0);
    expect(pointsUnder(scene, legend, ['#0072b2', '#d55e00'])).toBe(0);
    expect(legend.x).toBeGreaterThanOrEqual(frame.x);
    expect(legend.x + legend.w).toBeLessThanOrEqual(frame.x + frame.w);
  });

  it('goes outside the plot when every corner holds data', () => {
    const noise = xs.map((x) => (x % 2 ? 100 : 0)); // bottom to top and back at every step
    const scene = lineChart({ title: 'noise', series: [{ name: 'noise', x: xs, y: noise, color: '#009e73' }] });
    const { legend, frame } = boxes(scene);
    expect(legend.x).toBeGreaterThanOrEqual(frame.x + frame.w);
    expect(legend.x + legend.w).toBeLessThanOrEqual(scene.width);
    expect(pointsUnder(scene, legend, ['#009e73'])).toBe(0);
  });
});

describe('log axes', () => {
  /** The y tick labels of a log-scale chart over [lo, hi]. */
  function yLabels(lo: number, hi: number): string[] {
    const n = 40;
    const loss = Array.from({ length: n }, (_, i) => ({ epoch: i, loss: lo * (hi / lo) ** (i / (n - 1)) }));
    const scene = lineChart(lossChart(loss, 3, 'y'));
    const { frame } = boxes(scene);
    return scene.items.filter((p): p is Extract<Prim, { kind: 'text' }> => p.kind === 'text' && p.anchor === 'end' && Math.abs(p.x - (frame.x - 8)) < 1e-9).map((p) => p.text);
  }

  it('label at least 5 ticks over any range of a decade or more', () => {
    for (const [lo, hi] of [[0.2, 2.7], [0.11, 1.1], [0.012, 0.5], [1e-4, 3], [0.3, 300], [1e-8, 1e8]] as const) {
      const labels = yLabels(lo, hi);
      expect(labels.length, `${lo}..${hi}: ${labels.join(' ')}`).toBeGreaterThanOrEqual(5);
      expect(labels.length, `${lo}..${hi}: ${labels.join(' ')}`).toBeLessThanOrEqual(12);
      const v = labels.map(Number);
      expect(v.every((x, i) => i === 0 || x > v[i - 1]!), labels.join(' ')).toBe(true);
    }
  });

  it('use 1-2-5 steps inside decades when the range is short', () => {
    expect(yLabels(0.2, 2.7)).toEqual(['0.2', '0.3', '0.5', '0.7', '1', '2', '3']);
    expect(yLabels(0.3, 300)).toEqual(['0.5', '1', '2', '5', '10', '20', '50', '100', '200']);
  });
});
