// Norm family: row normalizations with fp32 accumulation (two passes: mean, then centered sum of squares).
// x is [rows, cols]; y = (x - mean) * rstd * scale[k] + bias[k] with k = ((row % P) * Q + j / S) % M, which covers
// LayerNorm / RMSNorm (P=1, Q=0, S=1, M=scale size), InstanceNorm (P=C, Q=1, S=cols, M=C) and GroupNorm
// (per channel: P=G, Q=C/G, S=spatial, M=C; per group: P=G, Q=1, S=cols, M=G). RMS: mean taken as 0.
// Names: rownorm_warp_<dtype> (one warp per row, 8 rows per block), rownorm_block_<dtype> (one block per row);
//   args (x, scale, bias|0, y, mean|0, rstd|0 (float32 stats), rows, cols, P, Q, S, M, eps, rms).
// batchnorm_<dtype>(x, scale, bias, mean, var, y, n, C, S, eps): inference BatchNormalization.
// skipln_{warp,warpvec,block}_<dtype>(x, skip, scale, bias|0, y, sum|0, rows, cols, skipRows, eps): tensorjet::SkipLayerNorm,
//   y = LN(x + skip[row % skipRows]) over rows of `cols` (scale/bias [cols]); the sum stays fp32 (written to `sum` if given).
//   skipln_*_f16_f32: the same with float16 inputs (and sum) and a float32 y.
//   warp: one warp per row, the row held in registers (cols <= 1024); warpvec: the same with 128-bit accesses
//   (8 halves / 4 floats; cols % that == 0, 16-byte aligned pointers); warppf: warpvec with scale and bias
//   loaded up front (few rows: the lowering launches it with 1-2 warps per block to spread them over the SMs);
//   block: one block per row, re-reading x and skip. The warp kernels take any multiple of 32 threads per block.
// embedln_{warp,warpvec,warppf,block}_<dtype>_<i64|i32>(ids, table, add, scale, bias|0, y, rows, cols, addRows, vocab, eps):
//   tensorjet::EmbedLayerNorm, the skipln kernels with row r of x read at table[ids[r]] (negative ids wrap; ids
//   outside [-vocab, vocab) read a row of zeros, as gather_*), y = LN(table[ids[r]] + add[r % addRows]).
#include "common.cuh"

__device__ __forceinline__ float warp_sum(float v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

template <typename T>
__device__ __forceinline__ void norm_write(const T* xr, const T* scale, const T* bias, T* yr, i64 row, i64 j, float mu, float rs, i64 P, i64 Q, i64 S, i64 M) {
  const i64 k = ((row % P) * Q + j / S) % M;
  float v = (ld(xr, j) - mu) * rs * ld(scale, k);
  if (bias) v += ld(bias, k);
  st(yr, j, v);
}

template <typename T>
__device__ void rownorm_warp(const T* x, const T* scale, const T* bias, T* y, float* mean, float* rstd, i64 rows, i64 cols, i64 P, i64 Q, i64 S, i64 M, float eps, int rms) {
  const int lane = threadIdx.x & 31;
  const i64 wpb = blockDim.x >> 5;
  for (i64 row = (i64)blockIdx.x * wpb + (threadIdx.x >> 5); row < rows; row += (i64)gridDim.x * wpb) {
    const T* xr = x + row * cols;
    T* yr = y + row * cols;
    float mu = 0.f;
    if (!rms) {
      float s = 0.f;
      for (i64 j = lane; j < cols; j += 32) s += ld(xr, j);
      mu = warp_sum(s) / (float)cols;
    }
    float ss = 0.f;
    for (i64 j = lane; j < cols; j += 32) { const float d = ld(xr, j) - mu; ss += d * d; }
    const float rs = rsqrtf(warp_sum(ss) / (float)cols + eps);
    for (i64 j = lane; j < cols; j += 32) norm_write(xr, scale, bias, yr, row, j, mu, rs, P, Q, S, M);
    if (lane == 0) { if (mean) mean[row] = mu; if (rstd) rstd[row] = rs; }
  }
}

__device__ float block_sum(float v, float* sh) {
  v = warp_sum(v);
  const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, nw = (blockDim.x + 31) >> 5;
  if (lane == 0) sh[warp] = v;
  __syncthreads();
  float t = 0.f;
  for (int k = 0; k < nw; ++k) t += sh[k];
  __syncthreads();
  return t;
}

template <typename T>
__device__ void rownorm_block(const T* x, const T* scale, const T* bias, T* y, float* mean, float* rstd, i64 rows, i64 cols, i64 P, i64 Q, i64 S, i64 M, float eps, int rms) {
  __shared__ float sh[32];
  for (i64 row = blockIdx.x; row < rows; row += gridDim.x) {
    const T* xr = x + row * cols;
    T* yr = y + row * cols;
    float mu = 0.f;
    if (!rms) {
      float s = 0.f;
      for (i64 j = threadIdx.x; j < cols; j += blockDim.x) s += ld(xr, j);
      mu = block_sum(s, sh) / (float)cols;
    }
    float ss = 0.f;
    for (i64 j = threadIdx.x; j < cols; j += blockDim.x) { const float d = ld(xr, j) - mu; ss += d * d; }
    const float rs = rsqrtf(block_sum(ss, sh) / (float)cols + eps);
    for (i64 j = threadIdx.x; j < cols; j += blockDim.x) norm_write(xr, scale, bias, yr, row, j, mu, rs, P, Q, S, M);
    if (threadIdx.x == 0) { if (mean) mean[row] = mu; if (rstd) rstd[row] = rs; }
  }
}

template <typename T>
__device__ void batchnorm_impl(const T* x, const T* scale, const T* bias, const T* mean, const T* var, T* y, i64 n, i64 C, i64 S, float eps) {
  GRID_STRIDE(i, n) {
    const i64 c = (i / S) % C;
    const float k = ld(scale, c) / sqrtf(ld(var, c) + eps);
    st(y, i, ld(x, i) * k + (ld(bias, c) - ld(mean, c) * k));
  }
}

// V consecutive elements at p (16-byte aligned when V * sizeof(T) is 16 or 32) as floats, and back.
template <int V, typename T>
__device__ __forceinline__ void ldv(const T* p, float* o) {
  if (V * sizeof(T) % 16 == 0) {
#pragma unroll
    for (int q = 0; q < V * (int)sizeof(T) / 16; q++) {
      const uint4 u = reinterpret_cast<const uint4*>(p)[q];
      const T* e = reinterpret_cast<const T*>(&u);
#pragma unroll
      for (int k = 0; k < 16 / (int)sizeof(T); k++) o[q * (16 / sizeof(T)) + k] = ld(e, k);
    }
  } else {
#pragma unroll
    for (int k = 0; k < V; k++) o[k] = ld(p, k);
  }
}
template <int V, typename T>
__device__ __forceinline__ void stv(T* p, const float* v) {
  if (V * sizeof(T) % 16 == 0) {
#pragma unroll
    for (int q = 0; q < V * (int)sizeof(T) / 16; q++) {
      uint4 u;
      T* e = reinterpret_cast<T*>(&u);
#pragma unroll
      for (int k = 0; k < 16 / (int)sizeof(T); k++) st(e, k, v[q * (16 / sizeof(T)) + k]);
      reinterpret_cast<uint4*>(p)[q] = u;
    }
  } else {
#pragma unroll
    for (int k = 0; k < V; k++) st(p, k, v[k]);
  }
}

// One warp per row; lane handles elements (t * 32 + lane) * V .. + V - 1 for t < NV (cols <= 32 * V * NV, cols % V == 0).
// PF: scale and bias are loaded with the row (one memory round trip less; the small-grid variant).
// Row r of X: x + r * cols, or (G, EmbedLayerNorm) the table row ids[r]; `ok` false for ids out of range.
template <bool G, typename T, typename I>
__device__ __forceinline__ const T* x_row(const T* x, const I* ids, i64 row, i64 cols, i64 vocab, bool& ok) {
  ok = true;
  if (!G) return x + row * cols;
  i64 k = (i64)ids[row];
  if (k < 0) k += vocab;
  ok = k >= 0 && k < vocab;
  return x + (ok ? k : 0) * cols;
}

template <typename T, int V, int NV, bool PF = false, bool G = false, typename I = int, typename TO = T>
__device__ void skipln_warp(const T* x, const T* sk, const T* sc, const T* b, TO* y, T* sum, i64 rows, i64 cols, i64 skipRows, float eps,
                            const I* ids = nullptr, i64 vocab = 0) {
  const int lane = threadIdx.x & 31;
  const i64 wpb = blockDim.x >> 5;
  const float inv = 1.f / (float)cols;
  float pg[PF ? NV : 1][V], pc[PF ? NV : 1][V];
  if (PF) {
#pragma unroll
    for (int t = 0; t < NV; t++) {
      const i64 j = (i64)(t * 32 + lane) * V;
      if (j < cols) {
        ldv<V>(sc + j, pg[PF ? t : 0]);
        if (b) ldv<V>(b + j, pc[PF ? t : 0]);
      }
    }
  }
  for (i64 row = (i64)blockIdx.x * wpb + (threadIdx.x >> 5); row < rows; row += (i64)gridDim.x * wpb) {
    bool ok;
    const T* xr = x_row<G>(x, ids, row, cols, vocab, ok);
    const T* kr = sk + (row % skipRows) * cols;
    float v[NV][V];
    float s = 0.f;
#pragma unroll
    for (int t = 0; t < NV; t++) {
      const i64 j = (i64)(t * 32 + lane) * V;
      if (j < cols) {
        float a[V];
        ldv<V>(xr + j, v[t]);
        ldv<V>(kr + j, a);
#pragma unroll
        for (int k = 0; k < V; k++) { v[t][k] = (G && !ok ? 0.f : v[t][k]) + a[k]; s += v[t][k]; }
      }
    }
    const float mu = warp_sum(s) * inv;
    float ss = 0.f;
#pragma unroll
    for (int t = 0; t < NV; t++) {
      const i64 j = (i64)(t * 32 + lane) * V;
      if (j < cols) {
#pragma unroll
        for (int k = 0; k < V; k++) { const float d = v[t][k] - mu; ss += d * d; }
      }
    }
    const float rs = rsqrtf(warp_sum(ss) * inv + eps);
#pragma unroll
    for (int t = 0; t < NV; t++) {
      const i64 j = (i64)(t * 32 + lane) * V;
      if (j < cols) {
        float g[V], o[V], c[V];
        if (PF) {
#pragma unroll
          for (int k = 0; k < V; k++) g[k] = pg[PF ? t : 0][k], c[k] = pc[PF ? t : 0][k];
        } else {
          ldv<V>(sc + j, g);
          if (b) ldv<V>(b + j, c);
        }
#pragma unroll
        for (int k = 0; k < V; k++) o[k] = (v[t][k] - mu) * rs * g[k] + (b ? c[k] : 0.f);
        stv<V>(y + row * cols + j, o);
        if (sum) stv<V>(sum + row * cols + j, v[t]);
      }
    }
  }
}

template <typename T, bool G = false, typename I = int, typename TO = T>
__device__ void skipln_block(const T* x, const T* sk, const T* sc, const T* b, TO* y, T* sum, i64 rows, i64 cols, i64 skipRows, float eps,
                             const I* ids = nullptr, i64 vocab = 0) {
  __shared__ float sh[32];
  for (i64 row = blockIdx.x; row < rows; row += gridDim.x) {
    bool ok;
    const T* xr = x_row<G>(x, ids, row, cols, vocab, ok);
    const T* kr = sk + (row % skipRows) * cols;
    const float xs = ok ? 1.f : 0.f;  // 0: an id out of range gathers zeros
    float s = 0.f;
    for (i64 j = threadIdx.x; j < cols; j += blockDim.x) s += xs * ld(xr, j) + ld(kr, j);
    const float mu = block_sum(s, sh) / (float)cols;
    float ss = 0.f;
    for (i64 j = threadIdx.x; j < cols; j += blockDim.x) { const float d = xs * ld(xr, j) + ld(kr, j) - mu; ss += d * d; }
    const float rs = rsqrtf(block_sum(ss, sh) / (float)cols + eps);
    for (i64 j = threadIdx.x; j < cols; j += blockDim.x) {
      const float v = xs * ld(xr, j) + ld(kr, j);
      st(y + row * cols, j, (v - mu) * rs * ld(sc, j) + (b ? ld(b, j) : 0.f));
      if (sum) st(sum + row * cols, j, v);
    }
  }
}

#define SKIPLN(T, TN, VEC)                                                                                                        \
  extern "C" __global__ void skipln_warp_##TN(const T* x, const T* k, const T* sc, const T* b, T* y, T* s, i64 rows, i64 cols,     \
                                              i64 skipRows, float eps) { PDL_ENTER();                                                          \
    skipln_warp<T, 1, 32>(x, k, sc, b, y, s, rows, cols, skipRows, eps);                                                          \
  }                                                                                                                               \
  extern "C" __global__ void skipln_warpvec_##TN(const T* x, const T* k, const T* sc, const T* b, T* y, T* s, i64 rows, i64 cols,  \
                                                 i64 skipRows, float eps) { PDL_ENTER();                                                       \
    skipln_warp<T, VEC, 32 / VEC>(x, k, sc, b, y, s, rows, cols, skipRows, eps);                                                   \
  }                                                                                                                               \
  extern "C" __global__ void skipln_warppf_##TN(const T* x, const T* k, const T* sc, const T* b, T* y, T* s, i64 rows, i64 cols,   \
                                                i64 skipRows, float eps) { PDL_ENTER();                                                        \
    skipln_warp<T, VEC, 32 / VEC, true>(x, k, sc, b, y, s, rows, cols, skipRows, eps);                                             \
  }                                                                                                                               \
  extern "C" __global__ void skipln_block_##TN(const T* x, const T* k, const T* sc, const T* b, T* y, T* s, i64 rows, i64 cols,    \
                                               i64 skipRows, float eps) { PDL_ENTER();                                                         \
    skipln_block<T>(x, k, sc, b, y, s, rows, cols, skipRows, eps);                                                                \
  }
SKIPLN(float, f32, 4) SKIPLN(f16, f16, 8)

// float16 in, float32 y (the fp16 plan's last SkipLayerNorm writing a float32 graph output: no Cast after it)
#define SKIPLN_F32OUT(VAR, ...)                                                                                                   \
  extern "C" __global__ void skipln_##VAR##_f16_f32(const f16* x, const f16* k, const f16* sc, const f16* b, float* y, f16* s,    \
                                                    i64 rows, i64 cols, i64 skipRows, float eps) { PDL_ENTER();                                \
    __VA_ARGS__(x, k, sc, b, y, s, rows, cols, skipRows, eps);                                                                    \
  }
SKIPLN_F32OUT(warp, skipln_warp<f16, 1, 32, false, false, int, float>)
SKIPLN_F32OUT(warpvec, skipln_warp<f16, 8, 4, false, false, int, float>)
SKIPLN_F32OUT(warppf, skipln_warp<f16, 8, 4, true, false, int, float>)
SKIPLN_F32OUT(block, skipln_block<f16, false, int, float>)

#define EMBEDLN_V(T, TN, I, IN, VAR, ...)                                                                                          \
  extern "C" __global__ void embedln_##VAR##_##TN##_##IN(const I* ids, const T* x, const T* k, const T* sc, const T* b, T* y, i64 rows, \
                                                         i64 cols, i64 addRows, i64 vocab, float eps) { PDL_ENTER();                            \
    __VA_ARGS__(x, k, sc, b, y, nullptr, rows, cols, addRows, eps, ids, vocab);                                                   \
  }
#define EMBEDLN(T, TN, VEC, I, IN)                                                   \
  EMBEDLN_V(T, TN, I, IN, warp, skipln_warp<T, 1, 32, false, true, I>)               \
  EMBEDLN_V(T, TN, I, IN, warpvec, skipln_warp<T, VEC, 32 / VEC, false, true, I>)    \
  EMBEDLN_V(T, TN, I, IN, warppf, skipln_warp<T, VEC, 32 / VEC, true, true, I>)      \
  EMBEDLN_V(T, TN, I, IN, block, skipln_block<T, true, I>)
EMBEDLN(float, f32, 4, i64, i64) EMBEDLN(float, f32, 4, int, i32) EMBEDLN(f16, f16, 8, i64, i64) EMBEDLN(f16, f16, 8, int, i32)

#define NORM(T, TN)                                                                                                               \
  extern "C" __global__ void rownorm_warp_##TN(const T* x, const T* sc, const T* b, T* y, float* mu, float* rs, i64 rows, i64 cols, \
                                               i64 P, i64 Q, i64 S, i64 M, float eps, int rms) { PDL_ENTER();                                   \
    rownorm_warp<T>(x, sc, b, y, mu, rs, rows, cols, P, Q, S, M, eps, rms);                                                       \
  }                                                                                                                               \
  extern "C" __global__ void rownorm_block_##TN(const T* x, const T* sc, const T* b, T* y, float* mu, float* rs, i64 rows, i64 cols, \
                                                i64 P, i64 Q, i64 S, i64 M, float eps, int rms) { PDL_ENTER();                                  \
    rownorm_block<T>(x, sc, b, y, mu, rs, rows, cols, P, Q, S, M, eps, rms);                                                      \
  }                                                                                                                               \
  extern "C" __global__ void batchnorm_##TN(const T* x, const T* sc, const T* b, const T* m, const T* v, T* y, i64 n, i64 C, i64 S, float eps) { PDL_ENTER(); \
    batchnorm_impl<T>(x, sc, b, m, v, y, n, C, S, eps);                                                                           \
  }
NORM(float, f32) NORM(f16, f16)
