// Reduce family: one block per output element; the block walks the reduced elements.
// Idx: dims[0..rank) = kept dims then reduced dims; s0 = input strides in that order; pad = kept-dim count.
// Names: reduce<op>_block_<dtype>(x, y, nOut, nRed, Idx).
#include "common.cuh"

#define RED_THREADS 256
struct RSum { __device__ static float init() { return 0.f; } __device__ static float map(float x) { return x; } __device__ static float comb(float a, float b) { return a + b; } __device__ static float fin(float a, i64) { return a; } };
struct RMean { __device__ static float init() { return 0.f; } __device__ static float map(float x) { return x; } __device__ static float comb(float a, float b) { return a + b; } __device__ static float fin(float a, i64 n) { return a / (float)n; } };
struct RMax { __device__ static float init() { return -__int_as_float(0x7f800000); } __device__ static float map(float x) { return x; } __device__ static float comb(float a, float b) { return (a != a || b != b) ? __int_as_float(0x7fc00000) : fmaxf(a, b); } __device__ static float fin(float a, i64) { return a; } };
struct RMin { __device__ static float init() { return __int_as_float(0x7f800000); } __device__ static float map(float x) { return x; } __device__ static float comb(float a, float b) { return (a != a || b != b) ? __int_as_float(0x7fc00000) : fminf(a, b); } __device__ static float fin(float a, i64) { return a; } };
struct RProd { __device__ static float init() { return 1.f; } __device__ static float map(float x) { return x; } __device__ static float comb(float a, float b) { return a * b; } __device__ static float fin(float a, i64) { return a; } };
struct RL1 { __device__ static float init() { return 0.f; } __device__ static float map(float x) { return fabsf(x); } __device__ static float comb(float a, float b) { return a + b; } __device__ static float fin(float a, i64) { return a; } };
struct RL2 { __device__ static float init() { return 0.f; } __device__ static float map(float x) { return x * x; } __device__ static float comb(float a, float b) { return a + b; } __device__ static float fin(float a, i64) { return sqrtf(a); } };
struct RSumSquare { __device__ static float init() { return 0.f; } __device__ static float map(float x) { return x * x; } __device__ static float comb(float a, float b) { return a + b; } __device__ static float fin(float a, i64) { return a; } };
struct RLogSum { __device__ static float init() { return 0.f; } __device__ static float map(float x) { return x; } __device__ static float comb(float a, float b) { return a + b; } __device__ static float fin(float a, i64) { return logf(a); } };

template <typename R, typename T>
__device__ void reduce_block(const T* x, T* y, i64 nOut, i64 nRed, const Idx& ix) {
  __shared__ float sh[RED_THREADS];
  const int nk = ix.pad;
  for (i64 o = blockIdx.x; o < nOut; o += gridDim.x) {
    i64 r = o, base = 0;
    for (int d = nk - 1; d >= 0; --d) { i64 c = r % ix.dims[d]; r /= ix.dims[d]; base += c * ix.s0[d]; }
    float acc = R::init();
    for (i64 j = threadIdx.x; j < nRed; j += blockDim.x) {
      i64 q = j, off = base;
      for (int d = ix.rank - 1; d >= nk; --d) { i64 c = q % ix.dims[d]; q /= ix.dims[d]; off += c * ix.s0[d]; }
      acc = R::comb(acc, R::map(ld(x, off)));
    }
    sh[threadIdx.x] = acc;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
      if (threadIdx.x < s) sh[threadIdx.x] = R::comb(sh[threadIdx.x], sh[threadIdx.x + s]);
      __syncthreads();
    }
    if (threadIdx.x == 0) st(y, o, R::fin(sh[0], nRed));
    __syncthreads();
  }
}

// Log-sum-exp needs the max first: two passes inside the block.
template <typename T>
__device__ void reduce_lse(const T* x, T* y, i64 nOut, i64 nRed, const Idx& ix) {
  __shared__ float sh[RED_THREADS];
  const int nk = ix.pad;
  for (i64 o = blockIdx.x; o < nOut; o += gridDim.x) {
    i64 r = o, base = 0;
    for (int d = nk - 1; d >= 0; --d) { i64 c = r % ix.dims[d]; r /= ix.dims[d]; base += c * ix.s0[d]; }
    float m = -__int_as_float(0x7f800000);
    for (i64 j = threadIdx.x; j < nRed; j += blockDim.x) {
      i64 q = j, off = base;
      for (int d = ix.rank - 1; d >= nk; --d) { i64 c = q % ix.dims[d]; q /= ix.dims[d]; off += c * ix.s0[d]; }
      m = fmaxf(m, ld(x, off));
    }
    sh[threadIdx.x] = m; __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) { if (threadIdx.x < s) sh[threadIdx.x] = fmaxf(sh[threadIdx.x], sh[threadIdx.x + s]); __syncthreads(); }
    m = sh[0]; __syncthreads();
    if (m == -__int_as_float(0x7f800000)) m = 0.f;
    float acc = 0.f;
    for (i64 j = threadIdx.x; j < nRed; j += blockDim.x) {
      i64 q = j, off = base;
      for (int d = ix.rank - 1; d >= nk; --d) { i64 c = q % ix.dims[d]; q /= ix.dims[d]; off += c * ix.s0[d]; }
      acc += expf(ld(x, off) - m);
    }
    sh[threadIdx.x] = acc; __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) { if (threadIdx.x < s) sh[threadIdx.x] += sh[threadIdx.x + s]; __syncthreads(); }
    if (threadIdx.x == 0) st(y, o, m + logf(sh[0]));
    __syncthreads();
  }
}

#define RED(NAME, R, T, TN) \
  extern "C" __global__ void NAME##_block_##TN(const T* x, T* y, i64 nOut, i64 nRed, Idx ix) { PDL_ENTER(); reduce_block<R, T>(x, y, nOut, nRed, ix); }
#define RED_ALL(NAME, R) RED(NAME, R, float, f32) RED(NAME, R, f16, f16)
RED_ALL(reducesum, RSum) RED_ALL(reducemean, RMean) RED_ALL(reducemax, RMax) RED_ALL(reducemin, RMin)
RED_ALL(reduceprod, RProd) RED_ALL(reducel1, RL1) RED_ALL(reducel2, RL2) RED_ALL(reducesumsquare, RSumSquare)
RED_ALL(reducelogsum, RLogSum)
extern "C" __global__ void reducelogsumexp_block_f32(const float* x, float* y, i64 nOut, i64 nRed, Idx ix) { PDL_ENTER(); reduce_lse<float>(x, y, nOut, nRed, ix); }
extern "C" __global__ void reducelogsumexp_block_f16(const f16* x, f16* y, i64 nOut, i64 nRed, Idx ix) { PDL_ENTER(); reduce_lse<f16>(x, y, nOut, nRed, ix); }
