// Shape/slice/indexing copy kernels, dtype-agnostic by element width (b1, b2, b4, b8).
// copy_nd_<width>: dst[sum c_d * s1_d] = src[sum c_d * s0_d] over dims (Transpose, Slice, Expand, Concat, Split);
//   b16 moves 16-byte words (uint4) where the lowering found the innermost run contiguous and aligned.
// gather_<idx>_<width>: out[o, j, i] = data[o, idx[j] (negative wraps), i] for data [outer, axisDim, inner].
// transpose_tiled_<width>: batched 2-D transpose src [b, r, c] -> dst [b, c, r] through a shared-memory tile
//   (TL x TL, TL = 64 for 1-2 byte elements, 32 otherwise), block 256 = 32 x 8 threads, grid-stride over tiles
//   (NCHW <-> NHWC and every perm that merges to [0, 2, 1] or [1, 0]).
// transpose_thin_<width>: the same when r or c is small (< 16, e.g. RGB channels): one thread per element of
//   the long side loops over the short one (both sides stay coalesced; a tile would be mostly idle).
#include "common.cuh"

template <typename T, int TL>
__device__ void transpose_tiled(const T* __restrict__ src, T* __restrict__ dst, i64 R, i64 C, i64 B) {
  constexpr int PAD = sizeof(T) >= 4 ? 1 : 4 / (int)sizeof(T);  // column reads hit distinct banks
  __shared__ T tile[TL][TL + PAD];
  const i64 tc = (C + TL - 1) / TL, tr = (R + TL - 1) / TL, tiles = tc * tr * B;
  const int tx = threadIdx.x & 31, ty = threadIdx.x >> 5;
  for (i64 t = blockIdx.x; t < tiles; t += gridDim.x) {
    const i64 b = t / (tc * tr), rem = t % (tc * tr);
    const i64 r0 = (rem / tc) * TL, c0 = (rem % tc) * TL;
    const T* s = src + b * R * C;
    T* d = dst + b * R * C;
#pragma unroll
    for (int y = ty; y < TL; y += 8)
#pragma unroll
      for (int x = tx; x < TL; x += 32)
        if (r0 + y < R && c0 + x < C) tile[y][x] = s[(r0 + y) * C + c0 + x];
    __syncthreads();
#pragma unroll
    for (int y = ty; y < TL; y += 8)
#pragma unroll
      for (int x = tx; x < TL; x += 32)
        if (c0 + y < C && r0 + x < R) d[(c0 + y) * R + r0 + x] = tile[x][y];
    __syncthreads();
  }
}

template <typename T>
__device__ void transpose_thin(const T* __restrict__ src, T* __restrict__ dst, i64 R, i64 C, i64 B) {
  if (R <= C) {  // short r: thread per (b, c), loop r
    GRID_STRIDE(i, B * C) {
      const i64 b = i / C, c = i % C;
      for (i64 r = 0; r < R; ++r) dst[(b * C + c) * R + r] = src[(b * R + r) * C + c];
    }
  } else {  // short c: thread per (b, r), loop c
    GRID_STRIDE(i, B * R) {
      const i64 b = i / R, r = i % R;
      for (i64 c = 0; c < C; ++c) dst[(b * C + c) * R + r] = src[(b * R + r) * C + c];
    }
  }
}

#define COPY_ND(T, W)                                                                 \
  extern "C" __global__ void copy_nd_##W(const T* src, T* dst, i64 n, Idx ix) { PDL_ENTER();       \
    GRID_STRIDE(i, n) {                                                               \
      i64 r = i, os = 0, od = 0;                                                      \
      for (int d = ix.rank - 1; d >= 0; --d) {                                        \
        i64 c = r % ix.dims[d]; r /= ix.dims[d];                                      \
        os += c * ix.s0[d]; od += c * ix.s1[d];                                       \
      }                                                                               \
      dst[od] = src[os];                                                              \
    }                                                                                 \
  }
#define COPY(T, W)                                                                    \
  COPY_ND(T, W)                                                                       \
  extern "C" __global__ void gather_i64_##W(const T* data, const i64* idx, T* out, i64 n, i64 axisDim, i64 nIdx, i64 inner) { PDL_ENTER(); \
    GRID_STRIDE(i, n) {                                                               \
      i64 in = i % inner, j = (i / inner) % nIdx, o = i / (inner * nIdx);             \
      i64 k = idx[j]; if (k < 0) k += axisDim;                                        \
      out[i] = (k >= 0 && k < axisDim) ? data[(o * axisDim + k) * inner + in] : (T)0; \
    }                                                                                 \
  }                                                                                   \
  extern "C" __global__ void gather_i32_##W(const T* data, const int* idx, T* out, i64 n, i64 axisDim, i64 nIdx, i64 inner) { PDL_ENTER(); \
    GRID_STRIDE(i, n) {                                                               \
      i64 in = i % inner, j = (i / inner) % nIdx, o = i / (inner * nIdx);             \
      i64 k = idx[j]; if (k < 0) k += axisDim;                                        \
      out[i] = (k >= 0 && k < axisDim) ? data[(o * axisDim + k) * inner + in] : (T)0; \
    }                                                                                 \
  }
COPY(unsigned char, b1) COPY(unsigned short, b2) COPY(unsigned int, b4) COPY(unsigned long long, b8)
COPY_ND(uint4, b16)  // rows contiguous on both sides, moved 16 bytes at a time

#define TRANSPOSE(T, W, TL)                                                                                     \
  extern "C" __global__ void __launch_bounds__(256) transpose_tiled_##W(const T* src, T* dst, i64 R, i64 C, i64 B) { PDL_ENTER(); \
    transpose_tiled<T, TL>(src, dst, R, C, B);                                                                  \
  }                                                                                                             \
  extern "C" __global__ void transpose_thin_##W(const T* src, T* dst, i64 R, i64 C, i64 B) { PDL_ENTER(); transpose_thin<T>(src, dst, R, C, B); }
TRANSPOSE(unsigned char, b1, 64) TRANSPOSE(unsigned short, b2, 64) TRANSPOSE(unsigned int, b4, 32) TRANSPOSE(unsigned long long, b8, 32)

// Poison fill for tests and debugging: every 32-bit word set to `v`.
extern "C" __global__ void fill_flat_b4(unsigned int* p, i64 n, unsigned int v) { PDL_ENTER(); GRID_STRIDE(i, n) p[i] = v; }
