/* The core's floating-point peak: independent FMA chains in registers, no memory. Built with
 * -mavx512f (16-lane) when the CPU has AVX-512, else -mavx2 -mfma (8-lane), by tools/bench/lib/roofline.mjs.
 *   fma_peak THREADS   -> prints "GFLOPS LANES" for one thread (THREADS is ignored: per-core peak) */
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static double now_s(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

#ifdef __AVX512F__
typedef __m512 vec;
#define LANES 16
#define SET1 _mm512_set1_ps
#define FMA _mm512_fmadd_ps
#define SUM(v) _mm512_reduce_add_ps(v)
#else
typedef __m256 vec;
#define LANES 8
#define SET1 _mm256_set1_ps
#define FMA _mm256_fmadd_ps
static float SUM(__m256 v) {
  float f[8];
  _mm256_storeu_ps(f, v);
  return f[0] + f[1] + f[2] + f[3] + f[4] + f[5] + f[6] + f[7];
}
#endif

int main(void) {
  /* 16 independent chains in named registers (an array would be kept in memory at -O2) */
  vec a0 = SET1(0.f), a1 = SET1(1e-3f), a2 = SET1(2e-3f), a3 = SET1(3e-3f), a4 = SET1(4e-3f), a5 = SET1(5e-3f),
      a6 = SET1(6e-3f), a7 = SET1(7e-3f), a8 = SET1(8e-3f), a9 = SET1(9e-3f), a10 = SET1(1e-2f), a11 = SET1(1.1e-2f),
      a12 = SET1(1.2e-2f), a13 = SET1(1.3e-2f), a14 = SET1(1.4e-2f), a15 = SET1(1.5e-2f);
  const vec b = SET1(0.999f), c = SET1(1e-4f);
  double best = 0;
  for (int rep = 0; rep < 5; rep++) {
    const long n = 10000000;
    double t0 = now_s();
    for (long k = 0; k < n; k++) {
      a0 = FMA(a0, b, c); a1 = FMA(a1, b, c); a2 = FMA(a2, b, c); a3 = FMA(a3, b, c);
      a4 = FMA(a4, b, c); a5 = FMA(a5, b, c); a6 = FMA(a6, b, c); a7 = FMA(a7, b, c);
      a8 = FMA(a8, b, c); a9 = FMA(a9, b, c); a10 = FMA(a10, b, c); a11 = FMA(a11, b, c);
      a12 = FMA(a12, b, c); a13 = FMA(a13, b, c); a14 = FMA(a14, b, c); a15 = FMA(a15, b, c);
    }
    double gf = (double)n * 16 * LANES * 2 / (now_s() - t0) / 1e9;
    if (gf > best) best = gf;
  }
  float s = SUM(a0) + SUM(a1) + SUM(a2) + SUM(a3) + SUM(a4) + SUM(a5) + SUM(a6) + SUM(a7) + SUM(a8) + SUM(a9) +
            SUM(a10) + SUM(a11) + SUM(a12) + SUM(a13) + SUM(a14) + SUM(a15);
  printf("%.1f %d %g\n", best, LANES, s);
  return 0;
}
