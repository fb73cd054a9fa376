// Layout kernels: transpose, slice, pad, concat, gather, scatter-add.
//
// All but scatter-add only move elements, so they work on raw 4- or 8-byte words whatever the
// dtype. Neighbouring axes that stay contiguous are merged first so the inner loops are long
// memcpy runs; a transpose that swaps the innermost axis runs in cache-sized tiles.
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "common.h"
#include "parallel.h"

namespace rnn {
namespace {

// ---- transpose ----

template <class W>
int transpose_words(const W* x, const int64_t* shape, int rank, const int* perm, W* out, int64_t /*n*/) {
  int64_t in_stride[RNN_MAX_RANK];
  int64_t s = 1;
  for (int d = rank - 1; d >= 0; --d) {
    in_stride[d] = s;
    s *= shape[d];
  }
  // Output axes (size, input stride), size-1 axes dropped, chained neighbours merged.
  int64_t size[RNN_MAX_RANK], st[RNN_MAX_RANK];
  int r = 0;
  for (int i = 0; i < rank; ++i) {
    const int64_t n = shape[perm[i]], is = in_stride[perm[i]];
    if (n == 1) continue;
    if (r > 0 && st[r - 1] == is * n) {
      size[r - 1] *= n;
      st[r - 1] = is;
      continue;
    }
    size[r] = n;
    st[r] = is;
    ++r;
  }
  if (r <= 1) {  // the permutation keeps memory order
    std::memcpy(out, x, sizeof(W) * static_cast<size_t>(s));
    return RNN_OK;
  }
  int64_t idx[RNN_MAX_RANK] = {0};
  const bool tile = st[r - 1] != 1 && st[r - 2] == 1;
  const int outer_dims = tile ? r - 2 : r - 1;
  const int64_t rows = tile ? size[r - 2] : 1, cols = size[r - 1];
  int64_t in = 0, o = 0;
  for (;;) {
    if (st[r - 1] == 1) {  // innermost run contiguous on both sides
      std::memcpy(out + o, x + in, sizeof(W) * static_cast<size_t>(cols));
      o += cols;
    } else if (tile) {  // out[i, j] = x[i + j*sc] over the last two axes, in 32x32 tiles
      const int64_t sc = st[r - 1];
      constexpr int64_t B = 32;
      for (int64_t i0 = 0; i0 < rows; i0 += B)
        for (int64_t j0 = 0; j0 < cols; j0 += B) {
          const int64_t i1 = std::min(rows, i0 + B), j1 = std::min(cols, j0 + B);
          for (int64_t i = i0; i < i1; ++i)
            for (int64_t j = j0; j < j1; ++j) out[o + i * cols + j] = x[in + i + j * sc];
        }
      o += rows * cols;
    } else {
      const int64_t sc = st[r - 1];
      for (int64_t j = 0; j < cols; ++j) out[o + j] = x[in + j * sc];
      o += cols;
    }
    int d = outer_dims - 1;
    for (; d >= 0; --d) {
      ++idx[d];
      in += st[d];
      if (idx[d] < size[d]) break;
      in -= st[d] * size[d];
      idx[d] = 0;
    }
    if (d < 0) return RNN_OK;
  }
}

// ---- box copy: slice and pad ----

// Copies the box [box] from src at src_off into dst at dst_off (both row-major, given shapes).
void copy_box(size_t es, const char* src, const int64_t* src_shape, const int64_t* src_off, char* dst,
              const int64_t* dst_shape, const int64_t* dst_off, const int64_t* box, int rank) {
  for (int d = 0; d < rank; ++d)
    if (box[d] == 0) return;
  if (rank == 0) {
    std::memcpy(dst, src, es);
    return;
  }
  int64_t ss[RNN_MAX_RANK], ds[RNN_MAX_RANK], sh_s[RNN_MAX_RANK], sh_d[RNN_MAX_RANK], so[RNN_MAX_RANK],
      dof[RNN_MAX_RANK], bx[RNN_MAX_RANK] = {0};
  int r = rank;
  for (int d = 0; d < rank; ++d) {
    sh_s[d] = src_shape[d];
    sh_d[d] = dst_shape[d];
    so[d] = src_off[d];
    dof[d] = dst_off[d];
    bx[d] = box[d];
  }
  // Merge the innermost axes while the box spans them fully on both sides.
  while (r >= 2 && bx[r - 1] == sh_s[r - 1] && bx[r - 1] == sh_d[r - 1]) {
    so[r - 2] = so[r - 2] * sh_s[r - 1] + so[r - 1];
    dof[r - 2] = dof[r - 2] * sh_d[r - 1] + dof[r - 1];
    bx[r - 2] *= bx[r - 1];
    sh_s[r - 2] *= sh_s[r - 1];
    sh_d[r - 2] *= sh_d[r - 1];
    --r;
  }
  int64_t s = 1, t = 1;
  for (int d = r - 1; d >= 0; --d) {
    ss[d] = s;
    ds[d] = t;
    s *= sh_s[d];
    t *= sh_d[d];
  }
  int64_t in = 0, out = 0;
  for (int d = 0; d < r; ++d) {
    in += so[d] * ss[d];
    out += dof[d] * ds[d];
  }
  const size_t run = es * static_cast<size_t>(bx[r - 1]);
  int64_t idx[RNN_MAX_RANK] = {0};
  for (;;) {
    std::memcpy(dst + es * out, src + es * in, run);
    int d = r - 2;
    for (; d >= 0; --d) {
      ++idx[d];
      in += ss[d];
      out += ds[d];
      if (idx[d] < bx[d]) break;
      in -= ss[d] * bx[d];
      out -= ds[d] * bx[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

template <class T>
int scatter_typed(const int32_t* idx, int64_t n, const T* upd, int64_t row, int64_t num_rows, T* out) {
  fill_inplace(out, T(0), num_rows * row);  // split when large: an embedding's [V, E] gradient
  for (int64_t i = 0; i < n; ++i) {
    T* o = out + static_cast<int64_t>(idx[i]) * row;
    const T* u = upd + i * row;
    if constexpr (std::is_same_v<T, int32_t>) {
      // Wrap modulo 2^32 like Int32Array stores (unsigned arithmetic: no signed overflow).
      for (int64_t j = 0; j < row; ++j)
        o[j] = static_cast<int32_t>(static_cast<uint32_t>(o[j]) + static_cast<uint32_t>(u[j]));
    } else {
#pragma omp simd
      for (int64_t j = 0; j < row; ++j) o[j] += u[j];
    }
  }
  return RNN_OK;
}

// The word-typed entry points core/api/shape_ops.inc calls.
template <class W>
int slice_words(const W* x, const int64_t* shape, int rank, const int64_t* begin, const int64_t* size, W* out,
                int64_t /*n*/) {
  const int64_t zero[RNN_MAX_RANK] = {0};
  copy_box(sizeof(W), reinterpret_cast<const char*>(x), shape, begin, reinterpret_cast<char*>(out), size, zero, size,
           rank);
  return RNN_OK;
}

template <class W>
int pad_words(const W* x, const int64_t* shape, int rank, const int64_t* before, const int64_t* out_shape, W* out,
              int64_t n) {
  std::fill_n(out, n, W(0));
  const int64_t zero[RNN_MAX_RANK] = {0};
  copy_box(sizeof(W), reinterpret_cast<const char*>(x), shape, zero, reinterpret_cast<char*>(out), out_shape, before,
           shape, rank);
  return RNN_OK;
}

template <class W>
int concat_words(const W* const* xs, const int64_t* axis_sizes, int n, int64_t outer, int64_t inner, W* out) {
  for (int64_t i = 0; i < outer; ++i)
    for (int k = 0; k < n; ++k) {
      const int64_t len = axis_sizes[k] * inner;
      if (len == 0) continue;
      std::memcpy(out, xs[k] + len * i, sizeof(W) * static_cast<size_t>(len));
      out += len;
    }
  return RNN_OK;
}

template <class W>
int gather_words(const W* x, int64_t /*rows*/, int64_t row_size, const int32_t* idx, int64_t n, W* out) {
  const size_t bytes = sizeof(W) * static_cast<size_t>(row_size);
  for (int64_t i = 0; i < n; ++i) std::memcpy(out + row_size * i, x + row_size * idx[i], bytes);
  return RNN_OK;
}

}  // namespace
}  // namespace rnn

#include "core/api/shape_ops.inc"
