import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { sceneToPng } from './png.js';
import type { Scene } from './scene.js';
import { FONT_FAMILY, sceneToSvg } from './svg.js';

/** The part of @resvg/resvg-js used here (it is optional, so its types are not imported). */
export interface ResvgModule {
  Resvg: new (
    svg: string,
    options?: { font?: { loadSystemFonts?: boolean; fontDirs?: string[]; defaultFontFamily?: string }; fitTo?: { mode: 'zoom'; value: number } },
  ) => { render(): { asPng(): Buffer }; getBBox(): { width: number; height: number } | undefined };
}

/** How PNG charts are drawn here, and, when it is the bitmap fallback, why. */
export interface PngRenderer {
  kind: 'resvg' | 'bitmap';
  render(scene: Scene, ratio: number): Buffer;
  /** Set for the fallback: what is missing and how to get it. */
  why?: string;
}

/**
 * Where DejaVu Sans (the family the SVG asks for first) lives on Debian/Ubuntu, Fedora, Arch and
 * Alpine. Loading one folder is fast and draws the same on every machine; elsewhere (macOS,
 * Windows) the system fonts are searched for the next families in the list.
 */
export const FONT_DIRS = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/dejavu-sans-fonts', '/usr/share/fonts/TTF', '/usr/share/fonts/dejavu'];

const FALLBACK = 'PNG text is drawn with the built-in bitmap font (ASCII only: other characters show as ?); write .svg for full text';

/** Lazily, so commands that draw no chart never load the native renderer. */
function loadResvg(): ResvgModule {
  return createRequire(import.meta.url)('@resvg/resvg-js') as ResvgModule;
}

/** A text renderer when @resvg/resvg-js and a font are there; else the bitmap encoder, with the reason. */
export function chooseRenderer(load: () => ResvgModule = loadResvg, fontDirs: readonly string[] = FONT_DIRS): PngRenderer {
  const bitmap = (why: string): PngRenderer => ({ kind: 'bitmap', render: sceneToPng, why });
  let resvg: ResvgModule;
  try {
    resvg = load();
  } catch (err) {
    const why = (err as { code?: string }).code === 'MODULE_NOT_FOUND' ? 'is not installed' : `did not load (${(err as Error).message.split('\n')[0]})`;
    return bitmap(`the optional package @resvg/resvg-js ${why}, so ${FALLBACK}; npm install @resvg/resvg-js draws real text`);
  }
  const dirs = fontDirs.filter((d) => existsSync(d));
  // resvg draws no text at all without a font: try one word before trusting a font set
  const probe = `<svg xmlns="http://www.w3.org/2000/svg" width="60" height="20"><text x="2" y="15" font-family="${FONT_FAMILY}" font-size="12">Agé</text></svg>`;
  let broken = '';
  const font = [...(dirs.length ? [{ loadSystemFonts: false, fontDirs: dirs }] : []), { loadSystemFonts: true }].find((f) => {
    try {
      const box = new resvg.Resvg(probe, { font: f }).getBBox();
      return box !== undefined && box.width > 0;
    } catch (err) {
      broken = (err as Error).message.split('\n')[0]!;
      return false;
    }
  });
  if (!font && broken) return bitmap(`@resvg/resvg-js failed (${broken}), so ${FALLBACK}; reinstall it (npm install @resvg/resvg-js)`);
  if (!font) {
    return bitmap(`no font was found (looked in ${fontDirs.join(', ')} and the system fonts), so ${FALLBACK}; install one, e.g. sudo apt-get install fonts-dejavu-core`);
  }
  return {
    kind: 'resvg',
    render: (scene, ratio) => new resvg.Resvg(sceneToSvg(scene), { font, fitTo: { mode: 'zoom', value: ratio } }).render().asPng(),
  };
}

let chosen: PngRenderer | undefined;
const told = new WeakSet<PngRenderer>();

/** The renderer this process uses, chosen on first use. */
export function defaultRenderer(): PngRenderer {
  return (chosen ??= chooseRenderer());
}

/**
 * A scene as PNG at `ratio` device pixels per scene pixel (2: crisp on high-DPI screens): the SVG
 * drawn by resvg with a real font, or, without one of them, the bitmap encoder, said once per
 * renderer (so once per process) through `note`.
 */
export function renderPng(
  scene: Scene,
  ratio = 2,
  note: (message: string) => void = (m) => void process.stderr.write(`rnn: note: ${m}\n`),
  renderer: PngRenderer = defaultRenderer(),
): Buffer {
  if (renderer.why && !told.has(renderer)) {
    told.add(renderer);
    note(renderer.why);
  }
  return renderer.render(scene, ratio);
}
