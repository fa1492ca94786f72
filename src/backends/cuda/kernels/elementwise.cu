// Elementwise family: binary ops with broadcasting (strides, 0 for broadcast dims) and unary math ops.
// Names: <op>_flat_<dtype> (same shapes, contiguous), <op>_bcast_<dtype> (Idx: s0 = a, s1 = b strides).
#include "common.cuh"

__device__ __forceinline__ float op_add(float a, float b) { return a + b; }
__device__ __forceinline__ float op_sub(float a, float b) { return a - b; }
__device__ __forceinline__ float op_mul(float a, float b) { return a * b; }
__device__ __forceinline__ float op_div(float a, float b) { return a / b; }
__device__ __forceinline__ float op_pow(float a, float b) { return powf(a, b); }
__device__ __forceinline__ float op_max(float a, float b) { return (a != a || b != b) ? __int_as_float(0x7fc00000) : fmaxf(a, b); }
__device__ __forceinline__ float op_min(float a, float b) { return (a != a || b != b) ? __int_as_float(0x7fc00000) : fminf(a, b); }
__device__ __forceinline__ float op_prelu(float x, float s) { return x < 0.f ? x * s : x; }

#define BINARY(OP, T, TN)                                                                          \
  extern "C" __global__ void OP##_flat_##TN(const T* a, const T* b, T* y, i64 n) { PDL_ENTER();                  \
    GRID_STRIDE(i, n) st(y, i, op_##OP(ld(a, i), ld(b, i)));                                         \
  }                                                                                                \
  extern "C" __global__ void OP##_bcast_##TN(const T* a, const T* b, T* y, i64 n, Idx ix) { PDL_ENTER();         \
    GRID_STRIDE(i, n) {                                                                            \
      i64 r = i, oa = 0, ob = 0;                                                                   \
      for (int d = ix.rank - 1; d >= 0; --d) {                                                     \
        i64 c = r % ix.dims[d]; r /= ix.dims[d];                                                   \
        oa += c * ix.s0[d]; ob += c * ix.s1[d];                                                    \
      }                                                                                            \
      st(y, i, op_##OP(ld(a, oa), ld(b, ob)));                                                     \
    }                                                                                              \
  }
#define BINARY_ALL(OP) BINARY(OP, float, f32) BINARY(OP, f16, f16)
BINARY_ALL(add) BINARY_ALL(sub) BINARY_ALL(mul) BINARY_ALL(div) BINARY_ALL(pow) BINARY_ALL(max) BINARY_ALL(min)
BINARY_ALL(prelu)

__device__ __forceinline__ float op_abs(float x) { return fabsf(x); }
__device__ __forceinline__ float op_neg(float x) { return -x; }
__device__ __forceinline__ float op_exp(float x) { return expf(x); }
__device__ __forceinline__ float op_log(float x) { return logf(x); }
__device__ __forceinline__ float op_sqrt(float x) { return sqrtf(x); }
__device__ __forceinline__ float op_reciprocal(float x) { return 1.f / x; }
__device__ __forceinline__ float op_sin(float x) { return sinf(x); }
__device__ __forceinline__ float op_cos(float x) { return cosf(x); }
__device__ __forceinline__ float op_tan(float x) { return tanf(x); }
__device__ __forceinline__ float op_tanh(float x) { return tanhf(x); }
__device__ __forceinline__ float op_floor(float x) { return floorf(x); }
__device__ __forceinline__ float op_ceil(float x) { return ceilf(x); }
__device__ __forceinline__ float op_round(float x) { return rintf(x); }  // half to even
__device__ __forceinline__ float op_erf(float x) { return erff(x); }
__device__ __forceinline__ float op_sign(float x) { return x > 0.f ? 1.f : (x < 0.f ? -1.f : x); }
__device__ __forceinline__ float op_identity(float x) { return x; }

#define UNARY(OP, T, TN) \
  extern "C" __global__ void OP##_flat_##TN(const T* x, T* y, i64 n) { PDL_ENTER(); GRID_STRIDE(i, n) st(y, i, op_##OP(ld(x, i))); }
#define UNARY_ALL(OP) UNARY(OP, float, f32) UNARY(OP, f16, f16)
UNARY_ALL(abs) UNARY_ALL(neg) UNARY_ALL(exp) UNARY_ALL(log) UNARY_ALL(sqrt) UNARY_ALL(reciprocal) UNARY_ALL(sin)
UNARY_ALL(cos) UNARY_ALL(tan) UNARY_ALL(tanh) UNARY_ALL(floor) UNARY_ALL(ceil) UNARY_ALL(round) UNARY_ALL(erf)
UNARY_ALL(sign) UNARY_ALL(identity)

// Where(cond, x, y) with broadcasting: s0 cond, s1 x, s2 y; works on raw 4-byte / 2-byte elements.
#define WHERE(T, TN)                                                                                            \
  extern "C" __global__ void where_bcast_##TN(const unsigned char* c, const T* x, const T* z, T* y, i64 n, Idx ix) { PDL_ENTER(); \
    GRID_STRIDE(i, n) {                                                                                         \
      i64 r = i, oc = 0, ox = 0, oz = 0;                                                                        \
      for (int d = ix.rank - 1; d >= 0; --d) {                                                                  \
        i64 k = r % ix.dims[d]; r /= ix.dims[d];                                                                \
        oc += k * ix.s0[d]; ox += k * ix.s1[d]; oz += k * ix.s2[d];                                             \
      }                                                                                                         \
      y[i] = c[oc] ? x[ox] : z[oz];                                                                             \
    }                                                                                                           \
  }
WHERE(unsigned int, b4) WHERE(unsigned short, b2)
