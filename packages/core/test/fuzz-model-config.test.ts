// Fuzzing the model config (zod) as JS values and as JSON text. Generators live in
// tools/fuzz/cases.mjs, shared with the long run.
import { describe, expect, it } from 'vitest';
import { FUZZ_SEED } from '../../../tools/fuzz/cases.mjs';
import { ConfigError } from '../src/errors.js';
import * as io from '../src/io/index.js';
import { fuzz, itRefuses } from './fuzz-helpers.js';

function nested(depth: number, leaf: unknown, object: boolean): unknown {
  let v = leaf;
  for (let i = 0; i < depth; i++) v = object ? { a: v } : [v];
  return v;
}

describe('model config: hostile values are refused with a ConfigError, without a stack overflow', () => {
  const dense = (units: unknown) => ({ inputSize: 2, layers: [{ type: 'dense', name: 'd', units }] });
  const cases: Array<[string, unknown]> = [
    ['units nested 100,000 arrays deep', dense(nested(100_000, 1, false))],
    ['units nested 100,000 objects deep', dense(nested(100_000, 1, true))],
    ['layers nested 100,000 arrays deep', { inputSize: 2, layers: nested(100_000, 1, false) }],
    ['a config nested 100,000 objects deep', nested(100_000, 1, true)],
    ['units 2^53 + 2', dense(2 ** 53 + 2)],
    ['units -0', dense(-0)],
    ['a "__proto__" layer field', { inputSize: 2, layers: [JSON.parse('{"type":"dense","name":"d","units":1,"__proto__":{"x":1}}')] }],
  ];
  itRefuses(cases.map(([what, value]) => [what, () => value]), [ConfigError], (value) => io.parseModelConfig(value, 'cfg'), () => '');
});

describe(`model config fuzz (seed ${FUZZ_SEED})`, () => {
  it('every value or text validates, or is refused with a ConfigError (FormatError for bad JSON text)', () => {
    const stats = fuzz('model-config', 700);
    expect(stats.tried).toBe(700);
    expect(stats.ok).toBeGreaterThan(100);
  });
});
