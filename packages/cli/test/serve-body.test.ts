/**
 * `rnn serve`'s request fast path (serve/fast-body.ts) against the JSON.parse path it stands in
 * for: the same shape and the same float32 numbers for every body it accepts, null (so the
 * worded errors of parseBody) for every other; and the answer writer against JSON.stringify.
 */
import { describe, expect, it } from 'vitest';
import { toNestedArray } from '@rnn/core';
import { parseBody } from '../src/serve/body.js';
import { fastBody } from '../src/serve/fast-body.js';
import { outputsJson } from '../src/serve/reply.js';

const bytes = (s: string) => Buffer.from(s, 'utf8');

/** fastBody accepts `text` and agrees with parseBody after the conversion to float32 the model reads. */
function agrees(text: string): void {
  const fast = fastBody(bytes(text));
  const slow = parseBody(text);
  expect(fast, text.slice(0, 80)).not.toBeNull();
  expect(fast!.shape).toEqual(slow.shape);
  expect(fast!.integer).toBe(slow.integer);
  expect(Array.from(new Float32Array(fast!.data))).toEqual(Array.from(new Float32Array(slow.data)));
}

describe('fastBody', () => {
  it('reads ranks 1 to 3, whitespace, signs, exponents and -0 as parseBody does', () => {
    agrees('{"inputs":[1,2,3]}');
    agrees(' \n{ "inputs" :\t[[1.5, -2e3], [0, -0.0]] }\r\n');
    agrees('{"inputs": [[[0.25, 1E-7], [3e+2, -12.0]], [[7, 8], [9, 10]]]}');
    agrees('{"inputs": [[1, 2], [3, 4]]}'); // integers: token ids stay integers
    const z = fastBody(bytes('{"inputs":[[-0]]}'))!;
    expect(Object.is(z.data[0], -0)).toBe(true);
  });

  it('gives the float32 of JSON.parse for 17-digit numbers (JSON.stringify of doubles), tiny and huge ones, and float32 midpoints', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const values: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      const r = rand();
      const kind = i % 5;
      if (kind === 0) values.push(Math.sin(i)); // 16–17 digits
      else if (kind === 1) values.push((r - 0.5) * 10 ** (Math.floor(rand() * 60) - 30));
      else if (kind === 2) {
        // exactly halfway between two float32 values, and a hair either side
        const f = Math.fround(r * 100);
        F32[0] = f;
        U32[0]! += 1;
        const mid = (f + F32[0]!) / 2;
        values.push(mid, mid * (1 + 2 ** -52), mid * (1 - 2 ** -52));
      } else if (kind === 3) values.push(Math.fround(r * 10 - 5));
      else values.push(Math.round(r * 1e6) + 0.5 * (i % 2));
    }
    for (let i = 0; i < values.length; i += 500) agrees(JSON.stringify({ inputs: [values.slice(i, i + 500).map((v) => [v])] }));
  });

  it('leaves everything else to parseBody (null), valid JSON or not', () => {
    const others = [
      '{"inputs":[[1,2],[3]]}', // ragged
      '{"inputs":[[1,2],[3,[4]]]}',
      '{"inputs":[[[1]],[2]]}',
      '{"inputs":[]}',
      '{"inputs":[[]]}',
      '{"inputs":[1,]}',
      '{"inputs":["NaN"]}',
      '{"inputs":[NaN]}',
      '{"inputs":[1e400]}', // overflows: parseBody says so
      '{"inputs":[01]}',
      '{"inputs":[1.]}',
      '{"inputs":[.5]}',
      '{"inputs":[+1]}',
      '{"inputs":[-]}',
      '{"inputs":[[[[1]]]]}', // rank 4: parseBody reads it, the shape check refuses it
      '{"inputs":[1],"extra":2}',
      '{"inputs":[1],"inputs":[2]}',
      '{"inp\\u0075ts":[1]}',
      '{"inputs":[1]} x',
      '{"inputs":[1]',
      '{"inputs":5}',
      '[[1,2]]',
      '{"inputs":[1]}\u00e9',
      '',
    ];
    for (const t of others) expect(fastBody(bytes(t)), t).toBeNull();
  });
});

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

describe('outputsJson', () => {
  it('writes what JSON.stringify writes of the nested outputs, non-finite numbers as null', () => {
    const data = new Float32Array([0.1, -0, 3, 1e-40, 2 ** 100, NaN, Infinity, -Infinity, 123456.789, -1.5e-7, 7, 8]);
    for (const shape of [[12], [3, 4], [2, 3, 2], [1, 1, 12]]) {
      expect(outputsJson(data, shape)).toBe(JSON.stringify({ outputs: toNestedArray(data, shape) }));
    }
  });
});
