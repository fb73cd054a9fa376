/* OpenBLAS sgemm throughput on given shapes: the roofline the recurrent workloads are held to.
 *   sgemm THREADS REPS_MS  M,N,K,TA,TB [...]     (TA/TB: N or T, row-major, as the kernels call it)
 * prints one line per shape: M N K TA TB median_ms best_ms gflops_at_median
 * Built and run by tools/bench/roofline.mjs (gcc -O2 sgemm.c -lopenblas). */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

extern void openblas_set_num_threads(int);

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s THREADS BUDGET_MS M,N,K,TA,TB ...\n", argv[0]);
    return 2;
  }
  openblas_set_num_threads(atoi(argv[1]));
  double budget = atof(argv[2]);
  for (int s = 3; s < argc; s++) {
    int M, N, K;
    char ta, tb;
    if (sscanf(argv[s], "%d,%d,%d,%c,%c", &M, &N, &K, &ta, &tb) != 5) {
      fprintf(stderr, "bad shape '%s': expected M,N,K,TA,TB (e.g. 3200,512,8,N,T)\n", argv[s]);
      return 2;
    }
    float *A = malloc(sizeof(float) * M * K), *B = malloc(sizeof(float) * K * N), *C = malloc(sizeof(float) * M * N);
    for (long i = 0; i < (long)M * K; i++) A[i] = (float)rand() / RAND_MAX - 0.5f;
    for (long i = 0; i < (long)K * N; i++) B[i] = (float)rand() / RAND_MAX - 0.5f;
    enum CBLAS_TRANSPOSE TA = ta == 'T' ? CblasTrans : CblasNoTrans, TB = tb == 'T' ? CblasTrans : CblasNoTrans;
    int lda = ta == 'T' ? M : K, ldb = tb == 'T' ? K : N;
    /* warm-up, then calls batched so that each timed sample is >= 0.2 ms */
    cblas_sgemm(CblasRowMajor, TA, TB, M, N, K, 1.f, A, lda, B, ldb, 0.f, C, N);
    double t0 = now_ms();
    cblas_sgemm(CblasRowMajor, TA, TB, M, N, K, 1.f, A, lda, B, ldb, 0.f, C, N);
    double one = now_ms() - t0;
    int inner = one < 0.2 ? (int)(0.2 / (one > 1e-4 ? one : 1e-4)) + 1 : 1;
    double samples[4096];
    int n = 0;
    double start = now_ms();
    while (n < 4096 && (n < 5 || now_ms() - start < budget)) {
      double a = now_ms();
      for (int r = 0; r < inner; r++) cblas_sgemm(CblasRowMajor, TA, TB, M, N, K, 1.f, A, lda, B, ldb, 0.f, C, N);
      samples[n++] = (now_ms() - a) / inner;
    }
    qsort(samples, n, sizeof(double), cmp);
    double med = samples[n / 2];
    printf("%d %d %d %c %c %.6f %.6f %.3f\n", M, N, K, ta, tb, med, samples[0], 2.0 * M * N * K / med / 1e6);
    free(A);
    free(B);
    free(C);
  }
  return 0;
}
