/**
 * Arrays as JSON text: nested arrays of numbers, e.g. `[batch][time][feature]`. Reading refuses
 * anything that is not a rectangular array of finite numbers, and says where.
 */
import { FormatError, ShapeError } from '../errors.js';
import { formatShape, isDim, numElements } from './bytes.js';
import { describeValue, findJsonDepthExcess } from './strict-json.js';

/** Deepest array nesting `parseJsonArray` accepts (a rank-8 array). */
export const MAX_JSON_ARRAY_RANK = 8;

/** A nested array of numbers as `toNestedArray` returns it (a bare number for shape `[]`). */
export type JsonNestedArray = number | JsonNestedArray[];

export interface JsonArray {
  shape: number[];
  /** Row-major values. Integer ids are exact (any integer up to 2^53 is). */
  data: Float64Array;
}

/**
 * Parses JSON text holding a rectangular nested array of finite numbers; a bare number is an
 * array of shape `[]`. The shape comes from the first element at each level and every other
 * element must match it.
 *
 * @param source names the file in error messages.
 * @throws FormatError for invalid JSON, nesting deeper than 8, a ragged array (naming the index
 *   path, e.g. `[1][2]`, and the expected and found lengths), or a non-number, naming where.
 *   Numbers too large for a double (e.g. `1e400`) are refused as infinite.
 */
export function parseJsonArray(text: string, source = '<json>'): JsonArray {
  const fail = (msg: string): never => {
    throw new FormatError(`${source}: ${msg}`);
  };
  // Bound the nesting before JSON.parse so hostile input cannot overflow the stack.
  const tooDeep = findJsonDepthExcess(text, MAX_JSON_ARRAY_RANK);
  if (tooDeep >= 0) {
    fail(`arrays nest deeper than ${MAX_JSON_ARRAY_RANK} levels (at character ${tooDeep}); expected at most a rank-${MAX_JSON_ARRAY_RANK} array`);
  }
  let root: unknown;
  try {
    // A UTF-8 byte-order mark (which Windows editors write) is not part of the JSON (RFC 8259 §8.1).
    root = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    // V8's message quotes the text, which may hold line breaks: keep the error to one line.
    fail(`not valid JSON: ${(e as Error).message.replace(/[\u0000-\u001f]/g, (c) => JSON.stringify(c).slice(1, -1))}`);
  }

  const shape: number[] = [];
  for (let node = root; Array.isArray(node); node = node[0]) {
    shape.push(node.length);
    if (node.length === 0) break;
  }
  // Collected into a plain array: a ragged input's first-element shape can claim far more
  // elements than the text holds, so it must not size an allocation.
  const values: number[] = [];
  const path: number[] = [];
  const where = (): string => (path.length === 0 ? 'the top level' : path.map((i) => `[${i}]`).join(''));
  const visit = (node: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (typeof node !== 'number') {
        fail(
          `at ${where()}: expected a number, found ${describeValue(node)}` +
            (Array.isArray(node) ? ` (ragged: other entries at this depth are numbers; shape so far ${formatShape(shape)})` : ''),
        );
      }
      if (!Number.isFinite(node)) fail(`at ${where()}: the number is too large to represent (it overflows to infinity)`);
      values.push(node as number);
      return;
    }
    if (!Array.isArray(node)) {
      fail(
        `at ${where()}: expected an array of length ${shape[depth]} (the array is ragged or holds a non-number; ` +
          `shape from the first elements is ${formatShape(shape)}), found ${describeValue(node)}`,
      );
    }
    const arr = node as unknown[];
    if (arr.length !== shape[depth]) {
      fail(
        `at ${where()}: the array is ragged: expected length ${shape[depth]} (the length of the ` +
          `first array at this depth; shape ${formatShape(shape)}), found length ${arr.length}`,
      );
    }
    for (let i = 0; i < arr.length; i++) {
      path.push(i);
      visit(arr[i], depth + 1);
      path.pop();
    }
  };
  visit(root, 0);
  return { shape, data: Float64Array.from(values) };
}

/**
 * Turns row-major `data` of the given `shape` back into nested arrays (a bare number for shape
 * `[]`), ready for `JSON.stringify`. `BigInt64Array` values are converted to numbers. Values are
 * not checked: `JSON.stringify` writes NaN and ±Infinity as `null`. JSON cannot show axes after
 * an empty one: shape `[0, 3]` becomes `[]`, which reads back as shape `[0]`.
 *
 * @throws ShapeError when `shape` is invalid or does not match `data.length`.
 */
export function toNestedArray(
  data: ArrayLike<number> | BigInt64Array,
  shape: readonly number[],
): JsonNestedArray {
  if (!shape.every(isDim)) {
    throw new ShapeError(`toNestedArray: shape must hold non-negative integers, found ${formatShape(shape)}`);
  }
  if (numElements(shape) !== data.length) {
    throw new ShapeError(
      `toNestedArray: shape ${formatShape(shape)} has ${numElements(shape)} elements but the data has ${data.length}`,
    );
  }
  let k = 0;
  const get = (): number => Number(data[k++]);
  const build = (depth: number): JsonNestedArray => {
    if (depth === shape.length) return get();
    const n = shape[depth]!;
    const out: JsonNestedArray[] = new Array(n);
    for (let i = 0; i < n; i++) out[i] = build(depth + 1);
    return out;
  };
  return build(0);
}
