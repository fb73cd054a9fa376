import { deflateSync } from 'node:zlib';
import { ADVANCE, CAP_H, GLYPH_H, GLYPH_W, glyph } from './font.js';
import { rgb, type Prim, type Scene } from './scene.js';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO 3309, the one PNG chunks carry). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 255]! ^ (c >>> 8);
  return ~c >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** An 8-bit RGB PNG from `width × height × 3` bytes, row by row. */
export function encodePng(width: number, height: number, pixels: Uint8Array): Buffer {
  const raw = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    const o = y * (1 + width * 3);
    raw[o] = 1; // "Sub" filter: flat areas become runs of zeros
    for (let x = 0; x < width * 3; x++) {
      const cur = pixels[y * width * 3 + x]!;
      raw[o + 1 + x] = (cur - (x >= 3 ? pixels[y * width * 3 + x - 3]! : 0)) & 255;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, adaptive filtering, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', new Uint8Array(0)),
  ]);
}

/** A small anti-aliased rasteriser for scenes: coverage-based lines and boxes, bitmap text. */
class Canvas {
  readonly px: Uint8Array;
  private cover: Float32Array;
  private touched: number[] = [];
  constructor(
    readonly w: number,
    readonly h: number,
    background: string,
  ) {
    this.px = new Uint8Array(w * h * 3);
    const [r, g, b] = rgb(background);
    for (let i = 0; i < w * h; i++) this.px.set([r, g, b], i * 3);
    this.cover = new Float32Array(w * h);
  }

  private blend(i: number, c: [number, number, number], a: number): void {
    const p = this.px;
    for (let k = 0; k < 3; k++) p[i * 3 + k] = Math.round(p[i * 3 + k]! * (1 - a) + c[k]! * a);
  }

  fillRect(x: number, y: number, w: number, h: number, color: string, alpha = 1): void {
    const c = rgb(color);
    const x0 = Math.max(0, Math.floor(x));
    const x1 = Math.min(this.w, Math.ceil(x + w));
    const y0 = Math.max(0, Math.floor(y));
    const y1 = Math.min(this.h, Math.ceil(y + h));
    for (let py = y0; py < y1; py++) {
      const cy = Math.min(py + 1, y + h) - Math.max(py, y);
      for (let px = x0; px < x1; px++) {
        const cx = Math.min(px + 1, x + w) - Math.max(px, x);
        if (cx > 0 && cy > 0) this.blend(py * this.w + px, c, alpha * cx * cy);
      }
    }
  }

  /** A polyline: coverage is the max over its segments (so joints are not drawn twice), then blended once. */
  polyline(points: readonly [number, number][], width: number, color: string, dash?: readonly [number, number]): void {
    const r = width / 2;
    let along = 0;
    for (let s = 0; s + 1 < points.length; s++) {
      const [ax, ay] = points[s]!;
      const [bx, by] = points[s + 1]!;
      const dx = bx - ax;
      const dy = by - ay;
      const len2 = dx * dx + dy * dy;
      const len = Math.sqrt(len2);
      const x0 = Math.max(0, Math.floor(Math.min(ax, bx) - r - 1));
      const x1 = Math.min(this.w - 1, Math.ceil(Math.max(ax, bx) + r + 1));
      const y0 = Math.max(0, Math.floor(Math.min(ay, by) - r - 1));
      const y1 = Math.min(this.h - 1, Math.ceil(Math.max(ay, by) + r + 1));
      for (let py = y0; py <= y1; py++) {
        for (let px = x0; px <= x1; px++) {
          const qx = px + 0.5 - ax;
          const qy = py + 0.5 - ay;
          const t = len2 > 0 ? Math.max(0, Math.min(1, (qx * dx + qy * dy) / len2)) : 0;
          if (dash && (along + t * len) % (dash[0] + dash[1]) > dash[0]) continue;
          const d = Math.hypot(qx - t * dx, qy - t * dy);
          const cov = Math.max(0, Math.min(1, r + 0.5 - d));
          if (cov <= 0) continue;
          const i = py * this.w + px;
          if (this.cover[i] === 0) this.touched.push(i);
          if (cov > this.cover[i]!) this.cover[i] = cov;
        }
      }
      along += len;
    }
    const c = rgb(color);
    for (const i of this.touched) {
      this.blend(i, c, this.cover[i]!);
      this.cover[i] = 0;
    }
    this.touched = [];
  }

  text(p: Extract<Prim, { kind: 'text' }>, ratio: number): void {
    const s = Math.max(1, Math.round((p.size * ratio * 0.72) / CAP_H));
    const width = (p.text.length * ADVANCE - 1) * s;
    const shift = p.anchor === 'start' ? 0 : p.anchor === 'middle' ? -width / 2 : -width;
    const cx = p.x * ratio;
    const cy = p.y * ratio;
    const c = rgb(p.color);
    const dot = (u: number, v: number) => {
      // (u, v): along the text and down from the top of the capitals, in font pixels
      for (let a = 0; a < s; a++) {
        for (let b = 0; b < s; b++) {
          const x = p.vertical ? Math.round(cx - (CAP_H * s) / 2 + v * s + b) : Math.round(cx + shift + u * s + a);
          const y = p.vertical ? Math.round(cy - shift - u * s - a) : Math.round(cy - (CAP_H * s) / 2 + v * s + b);
          if (x >= 0 && x < this.w && y >= 0 && y < this.h) this.blend(y * this.w + x, c, 1);
        }
      }
    };
    [...p.text].forEach((ch, k) => {
      const rows = glyph(ch);
      for (let v = 0; v < GLYPH_H; v++) {
        for (let u = 0; u < GLYPH_W; u++) {
          if (!((rows[v]! >> (GLYPH_W - 1 - u)) & 1)) continue;
          dot(k * ADVANCE + u, v);
          if (p.bold) dot(k * ADVANCE + u + 1 / s, v);
        }
      }
    });
  }
}

/**
 * Rasterise a scene at `ratio` device pixels per scene pixel with the built-in 5×9 ASCII font:
 * the fallback of renderPng (raster.ts) where @resvg/resvg-js or a system font is missing.
 */
export function sceneToPng(scene: Scene, ratio = 2): Buffer {
  const c = new Canvas(Math.round(scene.width * ratio), Math.round(scene.height * ratio), scene.background);
  for (const p of scene.items) {
    if (p.kind === 'rect') {
      if (p.fill) c.fillRect(p.x * ratio, p.y * ratio, p.w * ratio, p.h * ratio, p.fill, p.opacity ?? 1);
      if (p.stroke) {
        const [x0, y0, x1, y1] = [p.x * ratio, p.y * ratio, (p.x + p.w) * ratio, (p.y + p.h) * ratio];
        c.polyline([[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]], ratio, p.stroke);
      }
    } else if (p.kind === 'path') {
      c.polyline(p.points.map(([x, y]) => [x * ratio, y * ratio] as [number, number]), p.width * ratio, p.stroke, p.dash ? [p.dash[0] * ratio, p.dash[1] * ratio] : undefined);
    } else c.text(p, ratio);
  }
  return encodePng(c.w, c.h, c.px);
}
