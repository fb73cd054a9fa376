import { z } from 'zod';
import type { Backend } from '../backend.js';
import type { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';

/**
 * The leaf schemas options objects are built from, each with the words a user reads when a value
 * is of the wrong kind ("must be a positive integer, found string '8'"). Objects are strict
 * (`z.strictObject`): an unknown key is an error, never ignored.
 */

export const positiveInt = () => z.number({ error: 'a positive integer' }).int({ error: 'a positive integer' }).min(1, { error: 'a positive integer' });
export const nonNegativeInt = () => z.number({ error: 'an integer ≥ 0' }).int({ error: 'an integer ≥ 0' }).min(0, { error: 'an integer ≥ 0' });
export const integer = () => z.number({ error: 'an integer' }).int({ error: 'an integer' });
export const positiveNumber = () => z.number({ error: 'a positive number' }).positive({ error: 'a positive number' }).finite({ error: 'a positive number' });
export const nonNegativeNumber = () => z.number({ error: 'a number ≥ 0' }).min(0, { error: 'a number ≥ 0' }).finite({ error: 'a number ≥ 0' });
export const finiteNumber = () => z.number({ error: 'a finite number' }).finite({ error: 'a finite number' });
/** A probability-like rate in [0, 1). */
export const rate = () => z.number({ error: 'a number in [0, 1)' }).min(0, { error: 'a number in [0, 1)' }).lt(1, { error: 'a number in [0, 1)' });
export const bool = () => z.boolean({ error: 'true or false' });
export const text = () => z.string({ error: 'a string' });

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** A backend (`getBackend()`, `backendByName('native')`): checked by shape, so two copies of core agree. */
export const backendSchema = () =>
  z.custom<Backend>((v) => isObject(v) && typeof v['name'] === 'string' && typeof v['write'] === 'function', {
    error: "a Backend (getBackend() or backendByName('js'))",
  });

export const tensorSchema = () =>
  z.custom<Tensor>((v) => isObject(v) && Array.isArray(v['shape']) && typeof v['dtype'] === 'string' && typeof v['data'] === 'function', {
    error: 'a Tensor',
  });

export const rngSchema = () =>
  z.custom<Rng>((v) => isObject(v) && typeof v['next'] === 'function' && typeof v['permutation'] === 'function', { error: 'an Rng (new Rng(seed))' });

export const dtypeSchema = () => z.enum(['float32', 'float64', 'int32']);
export const floatDtypeSchema = () => z.enum(['float32', 'float64']);

/** A function of any signature (its arguments are the caller's business). */
export const fn = <F extends (...args: never[]) => unknown>(what: string) => z.custom<F>((v) => typeof v === 'function', { error: what });

/** Per-row valid lengths: an array of integers (or an Int32Array). */
export const lengthsSchema = () =>
  z.custom<readonly number[]>(
    (v) => (Array.isArray(v) && v.every((x) => typeof x === 'number')) || v instanceof Int32Array,
    { error: 'an array of integers (one valid length per batch row)' },
  );
