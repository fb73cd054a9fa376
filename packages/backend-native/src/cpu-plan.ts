/**
 * The CPU the addon probed at load and the kernel plan it picked for it (native/src/cpu_plan.h):
 * which step kernels run, their register tiles and cache blocking. RNN_CPU_PLAN overrides the plan.
 */
export interface CpuProbeInfo {
  vendor: string;
  family: number;
  model: number;
  stepping: number;
  /** cpuid's brand string, e.g. "Intel(R) Xeon(R) Processor". */
  modelName: string;
  /** Instruction sets the CPU reports and the OS saves the registers of. */
  isa: { fma: boolean; avx2: boolean; avx512f: boolean; avx512vl: boolean; avx512dq: boolean; avx512bw: boolean };
  /** Per-core data caches in KiB (0: unknown), and where they came from (cpuid leaf 4, cpuid 0x8000001D, sysfs, sysconf). */
  cacheKiB: { l1d: number; l2: number; l3: number };
  cacheSource: string;
  /** FMA datapath width in bits, FMAs of that width a core issues per cycle (0: unknown), zmm split in two halves. */
  fmaWidthBits: number;
  fmaUnits: number;
  zmmDoublePumped: boolean;
  /** How fmaUnits was decided (a table by vendor and family, not a timing). */
  fmaSource: string;
}

export interface KernelPlanInfo {
  /** "intel-avx512", "zen4", "zen5", "avx512" or "baseline"; "+override" when RNN_CPU_PLAN set items. */
  name: string;
  /** "avx512-zmm" (own packed kernels) or "baseline" (OpenBLAS per step). */
  variant: string;
  /** Rows per register tile, packed-weight KiB per depth block, rows per gathered chunk (AVX-512 plans only). */
  gemmMR?: number;
  lstmMR?: number;
  gruMR?: number;
  depthBlockKiB?: number;
  /** The same for the packed GEMM (weight gradients, dh, projections). */
  gemmDepthBlockKiB?: number;
  chunkRows?: number;
  /** What in the probe (or which variable) led to this plan. */
  why: string;
}

/** The addon's `cpuPlan` JSON, or null from an older addon build that has none. */
export function parseCpuPlan(json: string | undefined): { cpu: CpuProbeInfo; plan: KernelPlanInfo } | null {
  if (typeof json !== 'string') return null;
  return JSON.parse(json) as { cpu: CpuProbeInfo; plan: KernelPlanInfo };
}
