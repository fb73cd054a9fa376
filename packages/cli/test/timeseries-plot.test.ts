import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, lineChart, sceneToPng, sceneToSvg, type LineChartSpec } from '../src/plot/index.js';
import { niceTicks, logTicks } from '../src/plot/ticks.js';

/** Tags balance and attributes are quoted: enough of XML well-formedness for our own output. */
function checkWellFormed(xml: string): void {
  const body = xml.replace(/^<\?xml[^>]*\?>\s*/, '');
  const stack: string[] = [];
  const re = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)|(<)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(body))) {
    if (m[6]) throw new Error(`stray '<' at ${m.index}: ${body.slice(m.index, m.index + 40)}`);
    if (m[5] !== undefined) {
      if (/&(?!amp;|lt;|gt;|quot;|#\d+;)/.test(m[5])) throw new Error(`unescaped & in text: ${m[5]}`);
      continue;
    }
    if (m[1]) {
      if (stack.pop() !== m[2]) throw new Error(`</${m[2]}> does not close the open element`);
    } else if (!m[4]) stack.push(m[2]!);
  }
  if (stack.length) throw new Error(`unclosed <${stack.join('>, <')}>`);
}

const spec: LineChartSpec = {
  title: 'Passengers & <forecasts>',
  subtitle: 'test',
  xLabel: 'month',
  yLabel: 'thousands',
  xAxis: 'year',
  bands: [{ from: 1959, to: 1960.9, label: 'test part', color: '#f1f1f1' }],
  series: [
    { name: 'actual', x: [1958, 1959, 1960], y: [300, 400, NaN], color: '#000000' },
    { name: 'lstm', x: [1959, 1960, 1960.5], y: [390, 420, 430], color: '#d55e00', dash: true },
  ],
};

describe('SVG charts', () => {
  it('are well-formed, escaped, with title, axes, legend and one polyline per unbroken run', () => {
    const svg = sceneToSvg(lineChart(spec));
    checkWellFormed(svg);
    expect(svg).toContain('Passengers &amp; &lt;forecasts&gt;');
    expect(svg).toMatch(/<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="900" height="480"/);
    for (const label of ['actual', 'lstm', 'test part', '1959', 'month', 'thousands']) expect(svg).toContain(`>${label}</text>`);
    expect(svg).toContain('stroke-dasharray');
    expect(svg).not.toMatch(/NaN|Infinity/);
  });

  it('tick helpers give round numbers', () => {
    expect(niceTicks(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(niceTicks(101, 612, 6)).toEqual([200, 300, 400, 500, 600]);
    expect(logTicks(0.15, 3)).toEqual([0.2, 0.5, 1, 2]);
  });
});

describe('PNG charts', () => {
  it('CRC-32 matches the standard check value', () => {
    expect(crc32(new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
  });

  it('are valid PNG files: signature, chunk CRCs, size, and pixels that decode', () => {
    const png = sceneToPng(lineChart({ ...spec, width: 300, height: 200 }), 1);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    let off = 8;
    const chunks: { type: string; data: Buffer }[] = [];
    while (off < png.length) {
      const len = png.readUInt32BE(off);
      const type = png.toString('ascii', off + 4, off + 8);
      const data = png.subarray(off + 8, off + 8 + len);
      expect(png.readUInt32BE(off + 8 + len), `${type} CRC`).toBe(crc32(png.subarray(off + 4, off + 8 + len)));
      chunks.push({ type, data });
      off += 12 + len;
    }
    expect(chunks.map((c) => c.type)).toEqual(['IHDR', 'IDAT', 'IEND']);
    const ihdr = chunks[0]!.data;
    expect([ihdr.readUInt32BE(0), ihdr.readUInt32BE(4), ihdr[8], ihdr[9]]).toEqual([300, 200, 8, 2]);
    const raw = inflateSync(chunks[1]!.data);
    expect(raw.length).toBe(200 * (1 + 300 * 3));
    // undo the Sub filter on the first row: the top-left pixel is the white background
    expect(raw[0]).toBe(1);
    expect([raw[1], raw[2], raw[3]]).toEqual([255, 255, 255]);
    // something dark was drawn (text, axes, lines)
    let dark = 0;
    for (let y = 0; y < 200; y++) {
      let r = 0;
      for (let x = 0; x < 300; x++) {
        r = (raw[y * 901 + 1 + x * 3]! + r) & 255;
        if (r < 80) dark++;
      }
    }
    expect(dark).toBeGreaterThan(500);
  });
});
