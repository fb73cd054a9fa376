import { maskedCrc32c } from './crc32c.js';
import { ProtoWriter } from './protobuf.js';

/**
 * TensorBoard event files: a sequence of TFRecords, each holding one serialized `Event` protocol
 * buffer (tensorflow/core/util/event.proto). The fields written, by number:
 *
 *   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
 *   Summary { repeated Value value = 1; }
 *   Value   { string tag = 1; float simple_value = 2; }
 *
 * `simple_value` is the scalar summary every TensorBoard version reads.
 */

/** The version string TensorBoard expects in the first event of a file. */
export const FILE_VERSION = 'brain.Event:2';

/** One TFRecord: length (uint64 LE), its masked CRC-32C, the data, the data's masked CRC-32C. */
export function tfRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + 4 + data.length + 4);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(data.length), true);
  view.setUint32(8, maskedCrc32c(out.subarray(0, 8)), true);
  out.set(data, 12);
  view.setUint32(12 + data.length, maskedCrc32c(data), true);
  return out;
}

/** The first event of a file: its wall time and the format version. */
export function fileVersionEvent(wallTime: number): Uint8Array {
  return new ProtoWriter().double(1, wallTime).string(3, FILE_VERSION).finish();
}

/** An event with one scalar summary per entry of `scalars` (tag → value) at `step`. */
export function scalarsEvent(wallTime: number, step: number, scalars: Readonly<Record<string, number>>): Uint8Array {
  const summary = new ProtoWriter();
  for (const [tag, value] of Object.entries(scalars)) summary.message(1, new ProtoWriter().string(1, tag).float(2, value));
  return new ProtoWriter().double(1, wallTime).int(2, step).message(5, summary).finish();
}
