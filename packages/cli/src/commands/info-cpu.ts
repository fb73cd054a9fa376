// `rnn info`'s lines on the CPU the native backend probed and the kernel plan it picked
// (@rnn/backend-native's info(): cpu, plan). Read defensively: the backend info is a loose record, and
// an addon built before the probe existed has neither.

interface CpuLike {
  vendor?: string;
  family?: number;
  model?: number;
  modelName?: string;
  isa?: Record<string, boolean>;
  cacheKiB?: { l1d?: number; l2?: number; l3?: number };
  cacheSource?: string;
  fmaWidthBits?: number;
  fmaUnits?: number;
  zmmDoublePumped?: boolean;
}
interface PlanLike {
  name?: string;
  variant?: string;
  gemmMR?: number;
  lstmMR?: number;
  gruMR?: number;
  depthBlockKiB?: number;
  gemmDepthBlockKiB?: number;
  chunkRows?: number;
  why?: string;
}

const kib = (n: number | undefined): string => (!n ? '?' : n >= 1024 && n % 1024 === 0 ? `${n / 1024} MiB` : `${n} KiB`);

/** The CPU line and the plan line, or [] when the info has no probe. */
export function cpuPlanLines(info: Record<string, unknown> | null | undefined): string[] {
  const cpu = info?.['cpu'] as CpuLike | undefined;
  const plan = info?.['plan'] as PlanLike | undefined;
  if (!cpu || !plan) return [];
  const isa = cpu.isa ?? {};
  const ext = isa['avx512f'] && isa['avx512vl'] && isa['avx512dq'] ? 'AVX-512 F/VL/DQ' : isa['avx2'] ? 'AVX2' : 'no AVX2';
  const fma = cpu.fmaWidthBits
    ? `FMA ${cpu.fmaUnits || '?'} x ${cpu.fmaWidthBits}-bit${cpu.zmmDoublePumped ? ' (zmm double-pumped)' : ''}`
    : 'no FMA';
  const caches = `L1d ${kib(cpu.cacheKiB?.l1d)}, L2 ${kib(cpu.cacheKiB?.l2)}, L3 ${kib(cpu.cacheKiB?.l3)} (${cpu.cacheSource ?? '?'})`;
  const tiles =
    plan.variant === 'avx512-zmm'
      ? `: row tiles gemm ${plan.gemmMR} / LSTM ${plan.lstmMR} / GRU ${plan.gruMR}, depth block ${plan.depthBlockKiB} KiB (steps) / ${plan.gemmDepthBlockKiB} KiB (gemm), ${plan.chunkRows}-row chunks`
      : '';
  return [
    `cpu: ${cpu.modelName || '?'} (${cpu.vendor || '?'} family ${cpu.family} model ${cpu.model}), ${ext}, ${fma}, ${caches}`,
    `kernel plan: ${plan.name} (${plan.variant}${tiles}) — ${plan.why} [RNN_CPU_PLAN overrides]`,
  ];
}
