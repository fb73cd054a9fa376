import { extname } from 'node:path';
import { FormatError } from '@rnn/core';
import { writeFileAtomic } from '@rnn/layers';
import { lineChart, type LineChartSpec } from './chart.js';
import { renderPng } from './raster.js';
import { sceneToSvg } from './svg.js';

export { lineChart, PALETTE, type LineChartSpec, type LineSeries, type Band } from './chart.js';
export { sceneToSvg } from './svg.js';
export { sceneToPng, encodePng, crc32 } from './png.js';
export { renderPng, chooseRenderer, defaultRenderer, type PngRenderer } from './raster.js';

/**
 * Write a line chart as `.svg` or `.png` (chosen by the extension), creating the folder; returns
 * the path. `note` hears, once per process, why a PNG falls back to the bitmap font.
 */
export function writeChart(path: string, spec: LineChartSpec, flag = '--plot', note?: (message: string) => void): string {
  const ext = extname(path).toLowerCase();
  if (ext !== '.svg' && ext !== '.png') throw new FormatError(`${flag} ${path}: unsupported chart type '${ext || '(none)'}', expected .svg or .png`);
  const scene = lineChart(spec);
  writeFileAtomic(path, ext === '.svg' ? sceneToSvg(scene) : renderPng(scene, 2, note));
  return path;
}
