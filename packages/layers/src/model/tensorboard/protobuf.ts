/**
 * The few protocol-buffer encodings a TensorBoard event needs (varint, 64-bit, 32-bit and
 * length-delimited fields), written by hand: a scalar summary is five fields, not worth a
 * protobuf runtime. See https://protobuf.dev/programming-guides/encoding/.
 */

const enum Wire {
  Varint = 0,
  I64 = 1,
  Len = 2,
  I32 = 5,
}

export class ProtoWriter {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  private push(b: Uint8Array): void {
    this.parts.push(b);
    this.size += b.length;
  }

  private varint(v: bigint): void {
    const out: number[] = [];
    let x = BigInt.asUintN(64, v); // negative int64 values are ten bytes, as protobuf writes them
    do {
      const byte = Number(x & 0x7fn);
      x >>= 7n;
      out.push(x ? byte | 0x80 : byte);
    } while (x);
    this.push(Uint8Array.from(out));
  }

  private key(field: number, wire: Wire): void {
    this.varint(BigInt((field << 3) | wire));
  }

  /** int64 / uint64 / int32 / enum / bool. */
  int(field: number, v: number | bigint): this {
    this.key(field, Wire.Varint);
    this.varint(BigInt(v));
    return this;
  }

  double(field: number, v: number): this {
    return this.fixed(field, Wire.I64, 8, (d) => d.setFloat64(0, v, true));
  }

  float(field: number, v: number): this {
    return this.fixed(field, Wire.I32, 4, (d) => d.setFloat32(0, v, true));
  }

  /** A fixed-width field: `size` little-endian bytes that `set` writes. */
  private fixed(field: number, wire: Wire, size: number, set: (view: DataView) => void): this {
    this.key(field, wire);
    const b = new Uint8Array(size);
    set(new DataView(b.buffer));
    this.push(b);
    return this;
  }

  bytes(field: number, b: Uint8Array): this {
    this.key(field, Wire.Len);
    this.varint(BigInt(b.length));
    this.push(b);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  message(field: number, m: ProtoWriter): this {
    return this.bytes(field, m.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let o = 0;
    for (const p of this.parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }
}
