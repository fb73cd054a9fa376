/** A box in scene pixels. */
export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

const MARGIN = 4;
const STEP = 2;

const inside = (b: Box, x: number, y: number) => x >= b.x - MARGIN && x <= b.x + b.w + MARGIN && y >= b.y - MARGIN && y <= b.y + b.h + MARGIN;
const overlaps = (a: Box, b: Box) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

/**
 * How much a box would hide: the points along each polyline (one every 2 px) that fall under it,
 * with a 4 px margin, plus a large count for each label it would cover.
 */
export function covered(box: Box, lines: readonly (readonly [number, number])[][], labels: readonly Box[]): number {
  let n = 0;
  for (const line of lines) {
    if (line.length === 1) n += inside(box, line[0]![0], line[0]![1]) ? 1 : 0;
    for (let i = 0; i + 1 < line.length; i++) {
      const [ax, ay] = line[i]!;
      const [bx, by] = line[i + 1]!;
      const k = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / STEP));
      for (let j = 0; j <= k; j++) if (inside(box, ax + ((bx - ax) * j) / k, ay + ((by - ay) * j) / k)) n++;
    }
  }
  for (const l of labels) if (overlaps(box, l)) n += 1000;
  return n;
}

/** The first candidate (in order of preference) with nothing under it, or undefined when every one hides something. */
export function freeSpot(candidates: readonly Box[], lines: readonly (readonly [number, number])[][], labels: readonly Box[]): Box | undefined {
  return candidates.find((c) => covered(c, lines, labels) === 0);
}
