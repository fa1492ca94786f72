// Cast family: cast_flat_<from>_<to>. Floats to ints truncate toward zero (NaN -> 0); to bool: x != 0.
#include "common.cuh"

template <typename T> __device__ __forceinline__ double getv(const T* p, i64 i) { return (double)p[i]; }
template <> __device__ __forceinline__ double getv<f16>(const f16* p, i64 i) { return (double)h2f(p[i]); }
template <typename T> __device__ __forceinline__ void putv(T* p, i64 i, double v) { p[i] = (T)(v != v ? 0.0 : v); }
template <> __device__ __forceinline__ void putv<float>(float* p, i64 i, double v) { p[i] = (float)v; }
template <> __device__ __forceinline__ void putv<double>(double* p, i64 i, double v) { p[i] = v; }
template <> __device__ __forceinline__ void putv<f16>(f16* p, i64 i, double v) { p[i] = f2h((float)v); }
struct boolean { unsigned char v; };
template <> __device__ __forceinline__ double getv<boolean>(const boolean* p, i64 i) { return p[i].v ? 1.0 : 0.0; }
template <> __device__ __forceinline__ void putv<boolean>(boolean* p, i64 i, double v) { p[i].v = v != 0.0 ? 1 : 0; }

#define CAST(F, FN, T, TN) \
  extern "C" __global__ void cast_flat_##FN##_##TN(const F* x, T* y, i64 n) { PDL_ENTER(); GRID_STRIDE(i, n) putv<T>(y, i, getv<F>(x, i)); }
#define CAST_FROM(F, FN)                                                                                     \
  CAST(F, FN, float, f32) CAST(F, FN, f16, f16) CAST(F, FN, double, f64) CAST(F, FN, int, i32)                \
  CAST(F, FN, i64, i64) CAST(F, FN, signed char, i8) CAST(F, FN, unsigned char, u8) CAST(F, FN, boolean, bool)
CAST_FROM(float, f32) CAST_FROM(f16, f16) CAST_FROM(double, f64) CAST_FROM(int, i32) CAST_FROM(i64, i64)
CAST_FROM(signed char, i8) CAST_FROM(unsigned char, u8) CAST_FROM(boolean, bool)
