import { expect } from 'vitest';

/** Runs `fn`, asserts it throws an instance of `cls`, and that the message contains every part. */
export function expectThrow(
  fn: () => unknown,
  cls: abstract new (...args: never[]) => Error,
  ...parts: (string | RegExp)[]
): Error {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught, 'expected an error to be thrown').toBeInstanceOf(cls);
  const message = (caught as Error).message;
  for (const p of parts) {
    if (typeof p === 'string') expect(message).toContain(p);
    else expect(message).toMatch(p);
  }
  return caught as Error;
}

const enc = new TextEncoder();

/** A safetensors file from a raw header string and data bytes, with an optional length override. */
export function stFile(header: string, data: ArrayLike<number> = [], lengthField?: bigint): Uint8Array {
  const h = enc.encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, lengthField ?? BigInt(h.length), true);
  out.set(h, 8);
  out.set(Array.from(data), 8 + h.length);
  return out;
}

export function ascii(s: string): number[] {
  return Array.from(s, (c) => c.charCodeAt(0));
}

export function fromBase64(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, 'base64'));
}
