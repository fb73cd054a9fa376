// Issue 22: at 2 threads, V8's background compiler takes a core from the native pool. Code that
// deoptimizes after warm-up is compiled again (each TurboFan job of planBatch took 25–60 ms of CPU
// in the timed steps of tools/bench/trees-step.mjs). This runs training steps of the binary
// Tree-LSTM on the native backend (the one-call-per-batch path) under --trace-deopt-verbose and
// requires that, after the first step, nothing in the tree batching or autodiff deoptimizes.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('./fixtures/trees-steps-deopts.mjs', import.meta.url));

/** `[step, "file:line"]` of each deoptimisation after step 0, from --trace-deopt-verbose. */
function deoptsAfterWarmup(backend: string, steps: number): [number, string][] {
  const r = spawnSync(process.execPath, ['--trace-deopt-verbose', script, backend, String(steps)], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  expect(r.status, r.stderr).toBe(0);
  const out: [number, string][] = [];
  let step = -1;
  for (const line of r.stdout.split('\n')) {
    const s = /^=== STEP (\d+)$/.exec(line);
    if (s) step = Number(s[1]);
    const at = /;;; deoptimize at <([^>]*)>/.exec(line);
    if (at && step >= 1) out.push([step, at[1]!]);
  }
  expect(step).toBe(steps - 1);
  return out;
}

describe('tree training steps: no deoptimisation after warm-up (issue 22)', () => {
  it('planBatch, binarySchedule and autodiff keep their optimized code (native backend, 12 steps)', () => {
    const ours = deoptsAfterWarmup('native', 12).filter(([, at]) => /trees\/batch\.js|autodiff\.js|trees\/model\.js/.test(at));
    expect(ours).toEqual([]);
  }, 120_000);
});
