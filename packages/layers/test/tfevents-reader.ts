import { readFileSync } from 'node:fs';
import { maskedCrc32c } from '../src/model/tensorboard/crc32c.js';

/**
 * A TensorBoard event-file reader written from the format documents (TFRecord framing, protobuf
 * wire format, the field numbers of event.proto and summary.proto), for round-trip tests. It
 * throws on a bad CRC.
 */

function varint(b: Uint8Array, o: number): [bigint, number] {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    const byte = b[o++]!;
    v |= BigInt(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return [v, o];
    shift += 7n;
  }
}

/** Fields of one protobuf message: number → values (numbers as bigint or float, bytes as Uint8Array). */
function fields(b: Uint8Array): Map<number, (bigint | number | Uint8Array)[]> {
  const out = new Map<number, (bigint | number | Uint8Array)[]>();
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let o = 0;
  while (o < b.length) {
    const [key, o1] = varint(b, o);
    o = o1;
    const n = Number(key >> 3n);
    let v: bigint | number | Uint8Array;
    switch (Number(key & 7n)) {
      case 0:
        [v, o] = varint(b, o);
        break;
      case 1:
        v = view.getFloat64(o, true);
        o += 8;
        break;
      case 5:
        v = view.getFloat32(o, true);
        o += 4;
        break;
      case 2: {
        const [len, o2] = varint(b, o);
        v = b.subarray(o2, o2 + Number(len));
        o = o2 + Number(len);
        break;
      }
      default:
        throw new Error(`wire type ${key & 7n}`);
    }
    out.set(n, [...(out.get(n) ?? []), v]);
  }
  return out;
}

export interface ReadEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  values?: Record<string, number>;
}

export function readEvents(path: string): ReadEvent[] {
  const b = new Uint8Array(readFileSync(path));
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const events: ReadEvent[] = [];
  let o = 0;
  while (o < b.length) {
    const len = Number(view.getBigUint64(o, true));
    if (view.getUint32(o + 8, true) !== maskedCrc32c(b.subarray(o, o + 8))) throw new Error(`${path}: bad length CRC at byte ${o}`);
    const data = b.subarray(o + 12, o + 12 + len);
    if (view.getUint32(o + 12 + len, true) !== maskedCrc32c(data)) throw new Error(`${path}: bad data CRC at byte ${o}`);
    o += 16 + len;
    const f = fields(data);
    const e: ReadEvent = { wallTime: f.get(1)![0] as number, step: Number((f.get(2)?.[0] as bigint | undefined) ?? 0n) };
    if (f.has(3)) e.fileVersion = new TextDecoder().decode(f.get(3)![0] as Uint8Array);
    if (f.has(5)) {
      e.values = {};
      for (const v of fields(f.get(5)![0] as Uint8Array).get(1) ?? []) {
        const vf = fields(v as Uint8Array);
        e.values[new TextDecoder().decode(vf.get(1)![0] as Uint8Array)] = vf.get(2)![0] as number;
      }
    }
    events.push(e);
  }
  return events;
}
