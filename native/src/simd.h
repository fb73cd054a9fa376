// RNN_CLONES: compile a hot function twice (x86-64-v3 = AVX2+FMA, and the portable baseline) and
// pick one at load time (GCC ifunc). The library itself is built for the baseline, so it runs on any
// x86-64; the gate loops just run ~2.5x faster where AVX2 exists. Disabled with -DRNN_NO_CLONES.
#pragma once

#if !defined(RNN_NO_CLONES) && defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 12 && \
    defined(__x86_64__) && defined(__linux__)
#define RNN_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define RNN_CLONES
#endif

#define RNN_INLINE inline __attribute__((always_inline))
