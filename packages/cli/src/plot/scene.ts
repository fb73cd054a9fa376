/**
 * What a chart is drawn with: a flat list of rectangles, polylines and text in pixel
 * coordinates. The SVG writer and the PNG rasteriser each turn the same scene into a file, so
 * both outputs show the same chart.
 */
export type Prim =
  | { kind: 'rect'; x: number; y: number; w: number; h: number; fill?: string; stroke?: string; opacity?: number }
  | { kind: 'path'; points: [number, number][]; stroke: string; width: number; dash?: [number, number] }
  | {
      kind: 'text';
      x: number;
      /** The vertical centre of the capitals. */
      y: number;
      text: string;
      size: number;
      color: string;
      anchor: 'start' | 'middle' | 'end';
      /** Read bottom to top (a y-axis label). */
      vertical?: boolean;
      bold?: boolean;
    };

export interface Scene {
  width: number;
  height: number;
  background: string;
  items: Prim[];
}

/** Estimated width of a line of text; the layout's only font metric (sans-serif averages about 0.58 em). */
export const textWidth = (s: string, size: number): number => s.length * size * 0.58;

/** `#rrggbb` as [r, g, b]. */
export function rgb(color: string): [number, number, number] {
  const m = /^#([0-9a-f]{6})$/i.exec(color);
  if (!m) return [0, 0, 0];
  const n = parseInt(m[1]!, 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}
