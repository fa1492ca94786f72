// Activation family: y = f(x; a, b) elementwise. Names: <op>_flat_<dtype>(x, y, n, a, b).
#include "common.cuh"

__device__ __forceinline__ float act_relu(float x, float, float) { return x > 0.f ? x : (x == x ? 0.f : x); }
__device__ __forceinline__ float act_leakyrelu(float x, float a, float) { return x < 0.f ? a * x : x; }
__device__ __forceinline__ float act_elu(float x, float a, float) { return x < 0.f ? a * (expf(x) - 1.f) : x; }
__device__ __forceinline__ float act_selu(float x, float a, float g) { return x <= 0.f ? g * a * (expf(x) - 1.f) : g * x; }
__device__ __forceinline__ float act_celu(float x, float a, float) { return fmaxf(0.f, x) + fminf(0.f, a * (expf(x / a) - 1.f)); }
__device__ __forceinline__ float act_sigmoid(float x, float, float) { return 1.f / (1.f + expf(-x)); }
__device__ __forceinline__ float act_hardsigmoid(float x, float a, float b) { return fmaxf(0.f, fminf(1.f, a * x + b)); }
__device__ __forceinline__ float act_hardswish(float x, float, float) { return x * fmaxf(0.f, fminf(1.f, x / 6.f + 0.5f)); }
__device__ __forceinline__ float act_softplus(float x, float, float) { return x > 20.f ? x : log1pf(expf(x)); }
__device__ __forceinline__ float act_softsign(float x, float, float) { return x / (1.f + fabsf(x)); }
__device__ __forceinline__ float act_mish(float x, float, float) { return x * tanhf(x > 20.f ? x : log1pf(expf(x))); }
__device__ __forceinline__ float act_thresholdedrelu(float x, float a, float) { return x > a ? x : 0.f; }
__device__ __forceinline__ float act_gelu(float x, float, float) { return 0.5f * x * (1.f + erff(x * 0.70710678118654752f)); }
__device__ __forceinline__ float act_gelutanh(float x, float, float) {
  return 0.5f * x * (1.f + tanhf(0.7978845608028654f * (x + 0.044715f * x * x * x)));
}
__device__ __forceinline__ float act_clip(float x, float lo, float hi) { return x != x ? x : fminf(fmaxf(x, lo), hi); }

#define ACT(OP, T, TN) \
  extern "C" __global__ void OP##_flat_##TN(const T* x, T* y, i64 n, float a, float b) { PDL_ENTER(); GRID_STRIDE(i, n) st(y, i, act_##OP(ld(x, i), a, b)); }
#define ACT_ALL(OP) ACT(OP, float, f32) ACT(OP, f16, f16)
ACT_ALL(relu) ACT_ALL(leakyrelu) ACT_ALL(elu) ACT_ALL(selu) ACT_ALL(celu) ACT_ALL(sigmoid) ACT_ALL(hardsigmoid)
ACT_ALL(hardswish) ACT_ALL(softplus) ACT_ALL(softsign) ACT_ALL(mish) ACT_ALL(thresholdedrelu) ACT_ALL(gelu)
ACT_ALL(gelutanh) ACT_ALL(clip)
