import { mkdirSync } from 'node:fs';
import { dirname, extname } from 'node:path';
import { FormatError } from '@rnn/core';
import { writeFileAtomic } from '@rnn/layers';
import { lineChart, type LineChartSpec } from './chart.js';
import { sceneToPng } from './png.js';
import { sceneToSvg } from './svg.js';

export { lineChart, PALETTE, type LineChartSpec, type LineSeries, type Band } from './chart.js';
export { sceneToSvg } from './svg.js';
export { sceneToPng, encodePng, crc32 } from './png.js';

/** Write a line chart as `.svg` or `.png` (chosen by the extension), creating the folder; returns the path. */
export function writeChart(path: string, spec: LineChartSpec, flag = '--plot'): string {
  const ext = extname(path).toLowerCase();
  if (ext !== '.svg' && ext !== '.png') throw new FormatError(`${flag} ${path}: unsupported chart type '${ext || '(none)'}', expected .svg or .png`);
  const scene = lineChart(spec);
  mkdirSync(dirname(path) || '.', { recursive: true });
  writeFileAtomic(path, ext === '.svg' ? sceneToSvg(scene) : sceneToPng(scene));
  return path;
}
