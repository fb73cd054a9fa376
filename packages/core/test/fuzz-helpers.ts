// What the fuzz-*.test.ts files share: the readers as fuzz targets, the limits, hostile-case runs.
import { expect, it } from 'vitest';
import { formatStats, fuzzTarget, makeTargets, runCase, type FuzzStats } from '../../../tools/fuzz/cases.mjs';
import { ConfigError, FormatError, RnnError } from '../src/errors.js';
import * as io from '../src/io/index.js';

type ErrorClass = abstract new (...args: never[]) => Error;

export const LIMITS = { maxMs: 2000, maxJumpBytes: 64 * 2 ** 20 };
const targets = makeTargets({ ...io, FormatError, ConfigError, RnnError } as never);

/**
 * One test per hostile case: `make()`'s input, given to `run`, must be refused with one of
 * `allowed`, within LIMITS. `show` is what a failure prints of the input (the input itself unless given).
 */
export function itRefuses<T>(cases: Array<[string, () => T]>, allowed: ErrorClass[], run: (input: T) => unknown, show?: (input: T) => Uint8Array | string): void {
  for (const [what, make] of cases) {
    it(what, () => {
      const input = make();
      const shown = () => (show ? show(input) : (input as Uint8Array | string));
      const r = runCase({ name: what, allowed, arb: null as never, show: shown, run: () => run(input) }, null, LIMITS);
      expect(r.outcome).toBe('refused');
    });
  }
}

/** Runs the fuzz target `name` for `numRuns` inputs within LIMITS, logs its counts and returns them. */
export function fuzz(name: string, numRuns: number): FuzzStats {
  const stats = fuzzTarget(targets.find((t) => t.name === name)!, { numRuns, ...LIMITS });
  console.log(formatStats(stats));
  return stats;
}

/** The fuzz run of reader `name`: all `numRuns` inputs tried, more than `least` of them loaded and more than `least` refused. */
export function itLoadsOrRefuses(name: string, numRuns: number, least: number): void {
  it('every input loads with the values written, or is refused with a FormatError', () => {
    const stats = fuzz(name, numRuns);
    expect(stats.tried).toBe(numRuns);
    expect(stats.ok).toBeGreaterThan(least);
    expect(stats.refused).toBeGreaterThan(least);
  });
}
