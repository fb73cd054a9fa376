import { FormatError } from '@rnn/core';

/** The deepest nesting a `{"inputs": X}` body needs: the object plus a rank-3 array, with room for a wrong guess. */
const MAX_DEPTH = 6;

/**
 * Index of the first bracket nested deeper than `max` (outside strings), or -1: checked before
 * JSON.parse so a hostile body of a million `[` cannot overflow the stack.
 */
function depthExcess(text: string, max: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++; // backslash: skip the escaped character
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 || c === 123) {
      if (++depth > max) return i;
    } else if (c === 93 || c === 125) depth--;
  }
  return -1;
}

export interface BodyArray {
  shape: number[];
  data: Float64Array;
  integer: boolean;
}

/**
 * `{"inputs": X}` → X as a rectangular array of finite numbers (shape from the first element at
 * each level, as `rnn predict --input` reads a .json file), or a FormatError saying what and where.
 * JSON.parse after a depth check rather than core's strict parser: this runs once per request.
 */
export function parseBody(text: string): BodyArray {
  const fail = (msg: string): never => {
    throw new FormatError(msg);
  };
  const deep = depthExcess(text, MAX_DEPTH);
  if (deep >= 0) fail(`request body: nests deeper than ${MAX_DEPTH} levels at character ${deep}; expected {"inputs": X} with X at most [batch, time, features]`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    fail(`request body is not valid JSON: ${(e as Error).message.replace(/[\u0000-\u001f]/g, ' ')}`);
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail('request body: expected a JSON object {"inputs": X}, X batch-first as rnn predict --input');
  const extra = Object.keys(body as object).filter((k) => k !== 'inputs');
  if (extra.length) fail(`request body: unknown key '${extra[0]}'; expected only "inputs"`);
  if (!('inputs' in (body as object))) fail('request body: "inputs" is missing; expected {"inputs": X}');
  const root = (body as { inputs: unknown }).inputs;

  const shape: number[] = [];
  for (let node = root; Array.isArray(node); node = node[0]) {
    shape.push(node.length);
    if (node.length === 0) break;
  }
  if (shape.length === 0) fail('inputs: expected a nested array [batch, time, features] (or [batch, time] token ids), found a single value');
  if (shape.includes(0)) fail(`inputs: the array is empty (shape [${shape.join(', ')}])`);
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(size);
  let k = 0;
  let integer = true;
  const path: number[] = [];
  const where = () => path.map((i) => `[${i}]`).join('');
  const visit = (node: unknown, depth: number): void => {
    if (depth === shape.length) {
      if (typeof node !== 'number') fail(`inputs: at ${where()}: expected a number, found ${node === null ? 'null' : Array.isArray(node) ? 'an array (the array is ragged)' : typeof node === 'string' ? `the string ${JSON.stringify(node.slice(0, 20))}` : typeof node}`);
      if (!Number.isFinite(node)) fail(`inputs: at ${where()}: the number is too large to represent (it overflows to infinity)`);
      if (integer && !Number.isInteger(node)) integer = false;
      data[k++] = node as number;
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      fail(`inputs: at ${where() || 'the top level'}: the array is ragged: expected an array of length ${shape[depth]} (shape from the first elements [${shape.join(', ')}]), found ${Array.isArray(node) ? `length ${node.length}` : typeof node}`);
    }
    const arr = node as unknown[];
    for (let i = 0; i < arr.length; i++) {
      path.push(i);
      visit(arr[i], depth + 1);
      path.pop();
    }
  };
  visit(root, 0);
  return { shape, data, integer };
}
