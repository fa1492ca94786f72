// Norm family: row normalizations with fp32 accumulation (two passes: mean, then centered sum of squares).
// x is [rows, cols]; y = (x - mean) * rstd * scale[k] + bias[k] with k = ((row % P) * Q + j / S) % M, which covers
// LayerNorm / RMSNorm (P=1, Q=0, S=1, M=scale size), InstanceNorm (P=C, Q=1, S=cols, M=C) and GroupNorm
// (per channel: P=G, Q=C/G, S=spatial, M=C; per group: P=G, Q=1, S=cols, M=G). RMS: mean taken as 0.
// Names: rownorm_warp_<dtype> (one warp per row, 8 rows per block), rownorm_block_<dtype> (one block per row);
//   args (x, scale, bias|0, y, mean|0, rstd|0 (float32 stats), rows, cols, P, Q, S, M, eps, rms).
// batchnorm_<dtype>(x, scale, bias, mean, var, y, n, C, S, eps): inference BatchNormalization.
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

#define NORM(T, TN)                                                                                                               \
  extern "C" __global__ void rownorm_warp_##TN(const T* x, const T* sc, const T* b, T* y, float* mu, float* rs, i64 rows, i64 cols, \
                                               i64 P, i64 Q, i64 S, i64 M, float eps, int rms) {                                   \
    rownorm_warp<T>(x, sc, b, y, mu, rs, rows, cols, P, Q, S, M, eps, rms);                                                       \
  }                                                                                                                               \
  extern "C" __global__ void rownorm_block_##TN(const T* x, const T* sc, const T* b, T* y, float* mu, float* rs, i64 rows, i64 cols, \
                                                i64 P, i64 Q, i64 S, i64 M, float eps, int rms) {                                  \
    rownorm_block<T>(x, sc, b, y, mu, rs, rows, cols, P, Q, S, M, eps, rms);                                                      \
  }                                                                                                                               \
  extern "C" __global__ void batchnorm_##TN(const T* x, const T* sc, const T* b, const T* m, const T* v, T* y, i64 n, i64 C, i64 S, float eps) { \
    batchnorm_impl<T>(x, sc, b, m, v, y, n, C, S, eps);                                                                           \
  }
NORM(float, f32) NORM(f16, f16)
