import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_ADDON_PATH } from '@rnn/backend-native';
import { describe, expect, it } from 'vitest';
import { cpuPlanLines } from '../src/commands/info-cpu.js';

// `rnn info` prints the CPU the native backend probed and the kernel plan it picked (issue 22).
const root = new URL('../../../', import.meta.url).pathname;
const RNN = join(root, 'packages/cli/bin/rnn.js');
const hasAddon = existsSync(DEFAULT_ADDON_PATH);

function info(extra: Record<string, string>, json = false) {
  const env: NodeJS.ProcessEnv = { ...process.env, RNN_BACKEND: 'native', ...extra };
  if (!('RNN_CPU_PLAN' in extra)) delete env['RNN_CPU_PLAN'];
  if (!('RNN_SIMD' in extra)) delete env['RNN_SIMD'];
  return spawnSync(process.execPath, [RNN, 'info', ...(json ? ['--json'] : [])], { encoding: 'utf8', env, timeout: 60_000 });
}

describe('rnn info: the CPU and the kernel plan', () => {
  it.skipIf(!hasAddon)('prints the probe and the plan on the native backend', () => {
    const r = info({});
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^cpu: .+ \(\S+ family \d+ model \d+\), .*L1d \d+ KiB, L2 .*\((cpuid leaf 4|cpuid 0x8000001D|sysfs|sysconf|none)\)$/m);
    expect(r.stdout).toMatch(/^kernel plan: (intel-avx512|zen4|zen5|avx512|baseline) \((avx512-zmm: row tiles gemm \d+ \/ LSTM \d+ \/ GRU \d+, depth block \d+ KiB \(steps\) \/ \d+ KiB \(gemm\), \d+-row chunks|baseline)\) — .+$/m);
  });

  it.skipIf(!hasAddon)('shows an RNN_CPU_PLAN override, and --json carries cpu and plan', () => {
    const j = JSON.parse(info({ RNN_CPU_PLAN: 'zen5,gemm_mr=6' }, true).stdout) as {
      backends: { name: string; info?: { cpu?: { modelName: string; isa: { avx512f: boolean } }; plan?: { name: string; gemmMR?: number } } }[];
    };
    const native = j.backends.find((b) => b.name === 'native')!;
    expect(native.info?.cpu?.modelName).toBeTypeOf('string');
    if (native.info?.cpu?.isa.avx512f) {
      expect(native.info.plan).toMatchObject({ name: 'zen5+override', gemmMR: 6 });
      expect(info({ RNN_CPU_PLAN: 'zen5,gemm_mr=6' }).stdout).toMatch(/^kernel plan: zen5\+override \(avx512-zmm: row tiles gemm 6 \/ LSTM 6 \/ GRU 8, depth block 36 KiB \(steps\) \/ 36 KiB \(gemm\), 96-row chunks\) — RNN_CPU_PLAN=zen5,gemm_mr=6/m);
    }
    const bad = info({ RNN_CPU_PLAN: 'fastest' });
    expect(bad.status).toBe(0);
    expect(bad.stderr).toContain("rnn: ignoring RNN_CPU_PLAN='fastest' (expected auto, a preset");
    expect(bad.stdout).toMatch(/^kernel plan: [a-z0-9-]+ \(.*\) — (?!RNN_CPU_PLAN)/m);
  });

  it('formats a baseline plan without tiles, and nothing for an info without a probe', () => {
    const cpu = {
      vendor: 'AuthenticAMD', family: 25, model: 1, modelName: 'AMD EPYC 7R13', isa: { fma: true, avx2: true, avx512f: false },
      cacheKiB: { l1d: 32, l2: 512, l3: 32768 }, cacheSource: 'cpuid 0x8000001D', fmaWidthBits: 256, fmaUnits: 2, zmmDoublePumped: false,
    };
    expect(cpuPlanLines({ cpu, plan: { name: 'baseline', variant: 'baseline', why: 'no AVX-512 F/VL/DQ (AVX2+FMA)' } })).toEqual([
      'cpu: AMD EPYC 7R13 (AuthenticAMD family 25 model 1), AVX2, FMA 2 x 256-bit, L1d 32 KiB, L2 512 KiB, L3 32 MiB (cpuid 0x8000001D)',
      'kernel plan: baseline (baseline) — no AVX-512 F/VL/DQ (AVX2+FMA) [RNN_CPU_PLAN overrides]',
    ]);
    expect(cpuPlanLines({ blas: 'OpenBLAS' })).toEqual([]);
    expect(cpuPlanLines(undefined)).toEqual([]);
  });
});
