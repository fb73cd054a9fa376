import { extname } from 'node:path';
import { FormatError } from '@rnn/core';
import { writeFileAtomic } from '@rnn/layers';
import { lineChart, type LineChartSpec } from './chart.js';
import { renderPng } from './raster.js';
import type { Scene } from './scene.js';
import { sceneToSvg } from './svg.js';

export { lineChart, PALETTE, type LineChartSpec, type LineSeries, type Band } from './chart.js';
export { sceneToSvg } from './svg.js';
export { heatmapScene, shade, type HeatmapPanel } from './heatmap.js';
export { sceneToPng, encodePng, crc32 } from './png.js';
export { renderPng, chooseRenderer, defaultRenderer, type PngRenderer } from './raster.js';

/**
 * Write a line chart as `.svg` or `.png` (chosen by the extension), creating the folder; returns
 * the path. `note` hears, once per process, why a PNG falls back to the bitmap font.
 */
export function writeChart(path: string, spec: LineChartSpec, flag = '--plot', note?: (message: string) => void): string {
  checkChartPath(path, flag);
  return writeScene(path, lineChart(spec), flag, note);
}

/** Refuse a chart path that is neither .svg nor .png (before any work is done). */
export function checkChartPath(path: string, flag: string): void {
  const ext = extname(path).toLowerCase();
  if (ext !== '.svg' && ext !== '.png') throw new FormatError(`${flag} ${path}: unsupported chart type '${ext || '(none)'}', expected .svg or .png`);
}

/** Write any laid-out scene (a line chart, attention heat maps) as .svg or .png; returns the path. */
export function writeScene(path: string, scene: Scene, flag: string, note?: (message: string) => void): string {
  checkChartPath(path, flag);
  writeFileAtomic(path, extname(path).toLowerCase() === '.svg' ? sceneToSvg(scene) : renderPng(scene, 2, note));
  return path;
}
export { attributionScene, gatesScene, tokensScene, treeScene, diverging, sentimentColour } from './explain.js';
