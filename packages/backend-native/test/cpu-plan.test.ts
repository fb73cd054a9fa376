import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { DEFAULT_ADDON_PATH, loadAddon, type CpuProbeInfo, type KernelPlanInfo } from '../src/index.js';
import { describeNative } from './helpers.js';

// The CPU probe and the kernel plan (native/src/cpu_plan.h): what info() reports, and RNN_CPU_PLAN,
// read once when the addon loads, so each case runs in a fresh process.

interface Child {
  status: number | null;
  stderr: string;
  simd: string;
  cpu: CpuProbeInfo;
  plan: KernelPlanInfo;
  c: number[];
}

// info() and a [250, 700] x [700, 70] product (more rows than a chunk, several depth blocks)
function child(env: Record<string, string>): Child {
  const script = `const a = require(${JSON.stringify(DEFAULT_ADDON_PATH)}); a.setNumThreads(1);
    let s = 7; const r = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 2 - 1;
    const A = Float32Array.from({ length: 250 * 700 }, r), B = Float32Array.from({ length: 700 * 70 }, r);
    const C = a.matmul(A, [250, 700], B, [700, 70], false, false);
    const i = a.info();
    console.log(JSON.stringify({ simd: i.simd, ...JSON.parse(i.cpuPlan), c: Array.from(C) }));`;
  const e = { ...process.env, ...env };
  if (!('RNN_SIMD' in env)) delete e['RNN_SIMD'];
  if (!('RNN_CPU_PLAN' in env)) delete e['RNN_CPU_PLAN'];
  const r = spawnSync(process.execPath, ['-e', script], { env: e, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return { status: r.status, stderr: r.stderr, ...(JSON.parse(r.stdout) as Omit<Child, 'status' | 'stderr'>) };
}

const cpuinfo = (() => {
  try {
    return readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return '';
  }
})();
const flags = new Set((/^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? '').split(/\s+/));
const avx512 = flags.has('avx512f') && flags.has('avx512vl') && flags.has('avx512dq');

describeNative('the CPU probe and kernel plan', (b) => {
  it('info() reports the probe and the plan, agreeing with /proc/cpuinfo and sysfs', () => {
    const info = b.info() as { cpu: CpuProbeInfo; plan: KernelPlanInfo; simd: string };
    expect(info.plan.variant).toBe(info.simd === 'avx512' ? 'avx512-zmm' : 'baseline');
    expect(info.plan.why.length).toBeGreaterThan(0);
    if (cpuinfo) {
      expect(info.cpu.modelName).toBe(/^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.trim());
      expect(info.cpu.isa.avx512f).toBe(flags.has('avx512f'));
      expect(info.cpu.isa.fma).toBe(flags.has('fma'));
      expect(info.cpu.family).toBe(Number(/^cpu family\s*:\s*(\d+)/m.exec(cpuinfo)?.[1]));
      expect(info.cpu.model).toBe(Number(/^model\s*:\s*(\d+)/m.exec(cpuinfo)?.[1]));
    }
    try {
      const l1 = readFileSync('/sys/devices/system/cpu/cpu0/cache/index0/size', 'utf8').trim();
      expect(`${info.cpu.cacheKiB.l1d}K`).toBe(l1);
    } catch {
      /* no sysfs: nothing to compare with */
    }
    if (avx512 && process.env['RNN_SIMD'] !== 'baseline' && !process.env['RNN_CPU_PLAN']) {
      expect(info.cpu.fmaWidthBits).toBeGreaterThanOrEqual(256);
      expect(info.plan.gemmMR).toBe(12);
    }
    expect(loadAddon().info().cpuPlan).toContain('"plan"');
  });

  it('RNN_CPU_PLAN picks a preset or items; tiles and chunks change no bit, a depth block only rounding', () => {
    const auto = child({});
    const zen4 = child({ RNN_CPU_PLAN: 'zen4' });
    const tiles = child({ RNN_CPU_PLAN: 'gemm_mr=5,chunk_rows=48' });
    if (!avx512) {
      expect(zen4.plan.name).toBe('baseline');
      expect(zen4.stderr).toContain('RNN_CPU_PLAN=zen4 needs AVX-512 F/VL/DQ, which this CPU lacks');
      return;
    }
    expect(auto.stderr).toBe('');
    expect(zen4.plan).toMatchObject({ name: 'zen4', variant: 'avx512-zmm', depthBlockKiB: 24, chunkRows: 96, why: 'RNN_CPU_PLAN=zen4' });
    expect(tiles.plan).toMatchObject({ gemmMR: 5, chunkRows: 48, lstmMR: auto.plan.lstmMR });
    expect(tiles.plan.name).toBe(`${auto.plan.name}+override`);
    expect(tiles.c).toEqual(auto.c);
    let worst = 0;
    for (let i = 0; i < auto.c.length; i++) worst = Math.max(worst, Math.abs(zen4.c[i]! - auto.c[i]!));
    expect(worst).toBeLessThan(1e-4);
  });

  it('a bad RNN_CPU_PLAN is refused by name on stderr and the probe picks the plan', () => {
    const auto = child({});
    for (const bad of ['zen9', 'gemm_mr=13', 'gemm_mr=8,zen4']) {
      const r = child({ RNN_CPU_PLAN: bad });
      expect(r.stderr).toContain(`rnn: ignoring RNN_CPU_PLAN='${bad}' (expected auto, a preset (intel-avx512, zen4, zen5, baseline)`);
      expect(r.plan).toEqual(auto.plan);
      expect(r.c).toEqual(auto.c);
    }
  });

  it('RNN_SIMD=baseline has the last word over RNN_CPU_PLAN', () => {
    const r = child({ RNN_SIMD: 'baseline', RNN_CPU_PLAN: 'zen5' });
    expect(r.simd).toBe('baseline');
    expect(r.plan).toEqual({ name: 'baseline', variant: 'baseline', why: 'RNN_SIMD=baseline' });
  });
});
