import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@rnn/layers';
import type { Io } from '../../command.js';
import { renderPng, sceneToSvg } from '../../plot/index.js';
import type { Scene } from '../../plot/scene.js';

/** A picture of the report: its file name (no extension), the scene and a caption. */
export interface Picture {
  name: string;
  caption: string;
  scene: Scene;
}

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Writes `explain.json`, each picture as SVG (and PNG with `png`), and `report.html`: one
 * self-contained page with the pictures inline and the summary numbers, for a browser.
 */
export function writeReport(dir: string, json: Record<string, unknown>, pictures: readonly Picture[], png: boolean, io: Io, summary: readonly string[]): void {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const put = (name: string, data: string | Uint8Array) => {
    writeFileAtomic(join(dir, name), data);
    files.push(name);
  };
  put('explain.json', JSON.stringify({ ...json, pictures: pictures.map((p) => ({ file: `${p.name}.svg`, caption: p.caption })) }, round) + '\n');
  const svgs = pictures.map((p) => {
    const svg = sceneToSvg(p.scene);
    put(`${p.name}.svg`, svg);
    if (png) put(`${p.name}.png`, renderPng(p.scene, 2));
    return svg;
  });
  const html = [
    '<!doctype html><html><head><meta charset="utf-8"><title>rnn explain</title>',
    '<style>body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#222}figure{margin:2em 0}figcaption{color:#555}pre{background:#f6f6f6;padding:1em}</style>',
    '</head><body><h1>rnn explain</h1>',
    `<pre>${escape(summary.join('\n'))}</pre>`,
    ...pictures.map((p, i) => `<figure>${svgs[i]!.replace(/^<\?xml[^>]*>\s*/, '')}<figcaption>${escape(p.caption)}</figcaption></figure>`),
    '</body></html>',
  ].join('\n');
  put('report.html', html);
  for (const line of summary) io.stdout.write(`${line}\n`);
  io.stdout.write(`wrote ${files.map((f) => join(dir, f)).join(', ')}\n`);
}

/** JSON numbers to 6 significant digits: the files stay readable and small. */
function round(_key: string, v: unknown): unknown {
  return typeof v === 'number' && Number.isFinite(v) && !Number.isInteger(v) ? +v.toPrecision(6) : v;
}
