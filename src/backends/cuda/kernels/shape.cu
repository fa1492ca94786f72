// Shape/slice/indexing copy kernels, dtype-agnostic by element width (b1, b2, b4, b8).
// copy_nd: dst[sum c_d * s1_d] = src[sum c_d * s0_d] over dims (Transpose, Slice, Expand, Concat, Split, Tile-free copies).
// gather_<idx>_<width>: out[o, j, i] = data[o, idx[j] (negative wraps), i] for data [outer, axisDim, inner].
#include "common.cuh"

#define COPY(T, W)                                                                    \
  extern "C" __global__ void copy_nd_##W(const T* src, T* dst, i64 n, Idx ix) {       \
    GRID_STRIDE(i, n) {                                                               \
      i64 r = i, os = 0, od = 0;                                                      \
      for (int d = ix.rank - 1; d >= 0; --d) {                                        \
        i64 c = r % ix.dims[d]; r /= ix.dims[d];                                      \
        os += c * ix.s0[d]; od += c * ix.s1[d];                                       \
      }                                                                               \
      dst[od] = src[os];                                                              \
    }                                                                                 \
  }                                                                                   \
  extern "C" __global__ void gather_i64_##W(const T* data, const i64* idx, T* out, i64 n, i64 axisDim, i64 nIdx, i64 inner) { \
    GRID_STRIDE(i, n) {                                                               \
      i64 in = i % inner, j = (i / inner) % nIdx, o = i / (inner * nIdx);             \
      i64 k = idx[j]; if (k < 0) k += axisDim;                                        \
      out[i] = (k >= 0 && k < axisDim) ? data[(o * axisDim + k) * inner + in] : (T)0; \
    }                                                                                 \
  }                                                                                   \
  extern "C" __global__ void gather_i32_##W(const T* data, const int* idx, T* out, i64 n, i64 axisDim, i64 nIdx, i64 inner) { \
    GRID_STRIDE(i, n) {                                                               \
      i64 in = i % inner, j = (i / inner) % nIdx, o = i / (inner * nIdx);             \
      i64 k = idx[j]; if (k < 0) k += axisDim;                                        \
      out[i] = (k >= 0 && k < axisDim) ? data[(o * axisDim + k) * inner + in] : (T)0; \
    }                                                                                 \
  }
COPY(unsigned char, b1) COPY(unsigned short, b2) COPY(unsigned int, b4) COPY(unsigned long long, b8)

// Poison fill for tests and debugging: every 32-bit word set to `v`.
extern "C" __global__ void fill_flat_b4(unsigned int* p, i64 n, unsigned int v) { GRID_STRIDE(i, n) p[i] = v; }
