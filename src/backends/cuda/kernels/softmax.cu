// Softmax family: x viewed as [outer, n, inner]; one block per (outer, inner) slice of n elements.
// Names: softmax_axis_<dtype>, logsoftmax_axis_<dtype>, hardmax_axis_<dtype> (x, y, outer, n, inner).
// softmax_inner_<dtype>, logsoftmax_inner_<dtype> (x, y, outer, n, inner): for a non-last axis (inner > 1), one thread
// per (outer, inner) position, consecutive threads on consecutive inner positions (coalesced), an online max/sum
// pass over the axis then a write pass, fp32 math; launched over outer * inner threads.
#include "common.cuh"

#define SM_THREADS 256
__device__ float block_max(float v, float* sh) {
  sh[threadIdx.x] = v; __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) { if (threadIdx.x < s) sh[threadIdx.x] = fmaxf(sh[threadIdx.x], sh[threadIdx.x + s]); __syncthreads(); }
  float r = sh[0]; __syncthreads(); return r;
}
__device__ float block_sum(float v, float* sh) {
  sh[threadIdx.x] = v; __syncthreads();
  for (int s = blockDim.x / 2; s > 0; s >>= 1) { if (threadIdx.x < s) sh[threadIdx.x] += sh[threadIdx.x + s]; __syncthreads(); }
  float r = sh[0]; __syncthreads(); return r;
}

template <typename T, int MODE>  // 0 softmax, 1 log-softmax
__device__ void softmax_impl(const T* x, T* y, i64 outer, i64 n, i64 inner) {
  __shared__ float sh[SM_THREADS];
  for (i64 s = blockIdx.x; s < outer * inner; s += gridDim.x) {
    const i64 base = (s / inner) * n * inner + (s % inner);
    float m = -__int_as_float(0x7f800000);
    for (i64 j = threadIdx.x; j < n; j += blockDim.x) m = fmaxf(m, ld(x, base + j * inner));
    m = block_max(m, sh);
    float acc = 0.f;
    for (i64 j = threadIdx.x; j < n; j += blockDim.x) acc += expf(ld(x, base + j * inner) - m);
    acc = block_sum(acc, sh);
    const float lse = logf(acc);
    for (i64 j = threadIdx.x; j < n; j += blockDim.x) {
      float v = ld(x, base + j * inner) - m;
      st(y, base + j * inner, MODE == 0 ? expf(v) / acc : v - lse);
    }
  }
}

// Hardmax: 1 at the first maximum along the axis, else 0 (one thread per slice: n is small in practice).
template <typename T>
__device__ void hardmax_impl(const T* x, T* y, i64 outer, i64 n, i64 inner) {
  GRID_STRIDE(s, outer * inner) {
    const i64 base = (s / inner) * n * inner + (s % inner);
    i64 best = 0; float bv = ld(x, base);
    for (i64 j = 1; j < n; ++j) { float v = ld(x, base + j * inner); if (v > bv) { bv = v; best = j; } }
    for (i64 j = 0; j < n; ++j) st(y, base + j * inner, j == best ? 1.f : 0.f);
  }
}

template <typename T, int MODE>  // 0 softmax, 1 log-softmax
__device__ void softmax_inner_impl(const T* x, T* y, i64 outer, i64 n, i64 inner) {
  GRID_STRIDE(s, outer * inner) {
    const i64 base = (s / inner) * n * inner + (s % inner);
    float m = -__int_as_float(0x7f800000), acc = 0.f;
    for (i64 j = 0; j < n; ++j) {
      const float v = ld(x, base + j * inner);
      if (v > m) { acc = acc * expf(m - v) + 1.f; m = v; }
      else acc += expf(v - m);
    }
    const float r = 1.f / acc, lse = logf(acc);
    for (i64 j = 0; j < n; ++j) {
      const float v = ld(x, base + j * inner) - m;
      st(y, base + j * inner, MODE == 0 ? expf(v) * r : v - lse);
    }
  }
}

#define SM(T, TN)                                                                                                                       \
  extern "C" __global__ void softmax_axis_##TN(const T* x, T* y, i64 o, i64 n, i64 in) { PDL_ENTER(); softmax_impl<T, 0>(x, y, o, n, in); }    \
  extern "C" __global__ void logsoftmax_axis_##TN(const T* x, T* y, i64 o, i64 n, i64 in) { PDL_ENTER(); softmax_impl<T, 1>(x, y, o, n, in); } \
  extern "C" __global__ void hardmax_axis_##TN(const T* x, T* y, i64 o, i64 n, i64 in) { PDL_ENTER(); hardmax_impl<T>(x, y, o, n, in); }   \
  extern "C" __global__ void softmax_inner_##TN(const T* x, T* y, i64 o, i64 n, i64 in) { PDL_ENTER(); softmax_inner_impl<T, 0>(x, y, o, n, in); } \
  extern "C" __global__ void logsoftmax_inner_##TN(const T* x, T* y, i64 o, i64 n, i64 in) { PDL_ENTER(); softmax_inner_impl<T, 1>(x, y, o, n, in); }
SM(float, f32) SM(f16, f16)
