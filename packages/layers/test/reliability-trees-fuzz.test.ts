// Fuzzing the PTB bracket-tree reader: every text gives trees in post-order, or a FormatError that
// names the source. Generators: tools/fuzz/cases.mjs (also run long by tools/fuzz/run.mjs).
import { describe, expect, it } from 'vitest';
import * as core from '@rnn/core';
import { FUZZ_SEED, formatStats, fuzzTarget, makeTargets } from '../../../tools/fuzz/cases.mjs';
import { parseTrees } from '../src/index.js';

describe(`PTB tree reader fuzz (seed ${FUZZ_SEED})`, () => {
  it('every text parses to post-order trees or is refused with a FormatError', () => {
    const targets = makeTargets({ ...core.io, FormatError: core.FormatError, ConfigError: core.ConfigError, RnnError: core.RnnError, parseTrees } as never);
    const stats = fuzzTarget(targets.find((t) => t.name === 'ptb-trees')!, { numRuns: 1000, maxMs: 2000, maxJumpBytes: 64 * 2 ** 20 });
    console.log(formatStats(stats));
    expect(stats.ok).toBeGreaterThan(200);
    expect(stats.refused).toBeGreaterThan(200);
  });
});
