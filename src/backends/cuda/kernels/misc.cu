// Misc family: Pad, TopK, ArgMax/ArgMin, scaling (Mean).
// pad_<width>(src, dst, n, Idx, mode, value): Idx dims = output dims, s0 = input dims, s1 = pads before (may be
//   negative); mode 0 constant (value = raw bits), 1 reflect, 2 edge, 3 wrap.
// pad_last_<width> / pad_last16_<width> / pad_last8_<width>(src, dst, n, inL, outL, before, value): a constant pad
//   of the last axis only (rows of inL -> outL elements, input element k - before at output k): one thread per
//   output element, or per 16- / 8-byte output word (outL * width % 16 or 8 == 0); n = elements / words, 32-bit indices.
// topk_<dtype>(x, vals, idx, slices, n, inner, k, largest): one block per slice; k rounds, each picking the best
//   element strictly after the previous pick in the order (value, then lower index; NaN first when largest).
// argmax_<dtype> / argmin_<dtype>(x, y, nOut, n, inner, last): one thread per output (first NaN wins).
// scale_flat_<dtype>(x, y, n, s).
// memset_fill_bytes(dst, pitch, value, elementSize, width, height): cuMemset2D's semantics as a kernel (graph-memsets.ts
//   turns the memset nodes libraries leave in a captured graph into this); 16-byte stores where rows allow.
#include "common.cuh"

template <typename T>
__device__ void pad_impl(const T* src, T* dst, i64 n, const Idx& ix, int mode, i64 value) {
  GRID_STRIDE(i, n) {
    i64 r = i, off = 0, stride = 1;
    bool fill = false;
    for (int a = ix.rank - 1; a >= 0; --a) {
      const i64 L = ix.s0[a];
      i64 c = r % ix.dims[a] - ix.s1[a];
      r /= ix.dims[a];
      if (c < 0 || c >= L) {
        if (mode == 0 || L == 0) fill = true;
        else if (mode == 2) c = c < 0 ? 0 : L - 1;
        else if (mode == 3) c = ((c % L) + L) % L;
        else if (L == 1) c = 0;
        else { const i64 p = 2 * (L - 1); c = ((c % p) + p) % p; if (c >= L) c = p - c; }
      }
      off += c * stride;
      stride *= L;
    }
    dst[i] = fill ? (T)value : src[off];
  }
}

template <typename T, typename U>
__device__ void pad_last_impl(const T* __restrict__ src, U* __restrict__ dst, int n, int inL, int outL, int before, i64 value) {
  constexpr int E = sizeof(U) / sizeof(T);
  union Word { U u; T e[E]; };
  const int wpr = outL / E;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
    const int row = i / wpr, k0 = (i - row * wpr) * E - before;
    const T* s = src + row * inL;
    Word w;
#pragma unroll
    for (int j = 0; j < E; ++j) {
      const int k = k0 + j;
      w.e[j] = k >= 0 && k < inL ? s[k] : (T)value;
    }
    dst[i] = w.u;
  }
}

// true when (a, ia) comes before (b, ib)
__device__ __forceinline__ bool before(float a, i64 ia, float b, i64 ib, int largest) {
  const bool an = a != a, bn = b != b;
  if (an || bn) { if (an && bn) return ia < ib; return largest ? an : bn; }
  if (a == b) return ia < ib;
  return largest ? a > b : a < b;
}

template <typename T>
__device__ void topk_impl(const T* x, T* vals, i64* idx, i64 slices, i64 n, i64 inner, i64 k, int largest) {
  __shared__ float sv[32];
  __shared__ i64 si[32];
  __shared__ float pv;
  __shared__ i64 pi;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nw = (blockDim.x + 31) >> 5;
  for (i64 s = blockIdx.x; s < slices; s += gridDim.x) {
    const i64 base = (s / inner) * n * inner + (s % inner);
    const i64 obase = (s / inner) * k * inner + (s % inner);
    float prev = 0.f;
    i64 prevI = -1;
    for (i64 t = 0; t < k; ++t) {
      float bv = 0.f;
      i64 bi = -1;
      for (i64 j = threadIdx.x; j < n; j += blockDim.x) {
        const float v = ld(x, base + j * inner);
        if (prevI >= 0 && !before(prev, prevI, v, j, largest)) continue;
        if (bi < 0 || before(v, j, bv, bi, largest)) { bv = v; bi = j; }
      }
      for (int o = 16; o > 0; o >>= 1) {
        const float ov = __shfl_xor_sync(0xffffffffu, bv, o);
        const i64 oi = __shfl_xor_sync(0xffffffffu, bi, o);
        if (oi >= 0 && (bi < 0 || before(ov, oi, bv, bi, largest))) { bv = ov; bi = oi; }
      }
      if (lane == 0) { sv[warp] = bv; si[warp] = bi; }
      __syncthreads();
      if (threadIdx.x == 0) {
        for (int w = 1; w < nw; ++w) if (si[w] >= 0 && (bi < 0 || before(sv[w], si[w], bv, bi, largest))) { bv = sv[w]; bi = si[w]; }
        pv = bv; pi = bi;
        vals[obase + t * inner] = x[base + bi * inner];
        idx[obase + t * inner] = bi;
      }
      __syncthreads();
      prev = pv; prevI = pi;
      __syncthreads();
    }
  }
}

template <typename T, bool MAX>
__device__ void arg_impl(const T* x, i64* y, i64 nOut, i64 n, i64 inner, int last) {
  GRID_STRIDE(o, nOut) {
    const i64 base = (o / inner) * n * inner + (o % inner);
    float best = ld(x, base);
    i64 bi = 0;
    for (i64 j = 1; j < n; ++j) {
      if (best != best) break;  // first NaN wins
      const float v = ld(x, base + j * inner);
      const bool better = v != v || (MAX ? (last ? v >= best : v > best) : (last ? v <= best : v < best));
      if (better) { best = v; bi = j; }
    }
    y[o] = bi;
  }
}

#define PAD(T, W)                                                                                                                       \
  extern "C" __global__ void pad_##W(const T* s, T* d, i64 n, Idx ix, int mode, i64 value) { PDL_ENTER(); pad_impl<T>(s, d, n, ix, mode, value); } \
  extern "C" __global__ void pad_last_##W(const T* s, T* d, int n, int inL, int outL, int before, i64 value) { PDL_ENTER(); pad_last_impl<T, T>(s, d, n, inL, outL, before, value); } \
  extern "C" __global__ void pad_last16_##W(const T* s, uint4* d, int n, int inL, int outL, int before, i64 value) { PDL_ENTER(); pad_last_impl<T, uint4>(s, d, n, inL, outL, before, value); } \
  extern "C" __global__ void pad_last8_##W(const T* s, uint2* d, int n, int inL, int outL, int before, i64 value) { PDL_ENTER(); pad_last_impl<T, uint2>(s, d, n, inL, outL, before, value); }
PAD(unsigned char, b1) PAD(unsigned short, b2) PAD(unsigned int, b4) PAD(unsigned long long, b8)

#define MISC(T, TN)                                                                                                             \
  extern "C" __global__ void topk_##TN(const T* x, T* v, i64* ix, i64 sl, i64 n, i64 in, i64 k, int lg) { PDL_ENTER(); topk_impl<T>(x, v, ix, sl, n, in, k, lg); } \
  extern "C" __global__ void argmax_##TN(const T* x, i64* y, i64 no, i64 n, i64 in, int last) { PDL_ENTER(); arg_impl<T, true>(x, y, no, n, in, last); } \
  extern "C" __global__ void argmin_##TN(const T* x, i64* y, i64 no, i64 n, i64 in, int last) { PDL_ENTER(); arg_impl<T, false>(x, y, no, n, in, last); } \
  extern "C" __global__ void scale_flat_##TN(const T* x, T* y, i64 n, float s) { PDL_ENTER(); GRID_STRIDE(i, n) st(y, i, ld(x, i) * s); }
MISC(float, f32) MISC(f16, f16)

// tensorjet::NchwToNhwc (a CNN's input edge: Cast -> Transpose [0, 2, 3, 1] -> zero channel pad in one pass).
// x [N, C, P] (P = H * W) of <src> -> y [N, P, CO] of <dst>, channels C..CO-1 zero.
// nchwtonhwc_c<CO>v<V>_<src>_<dst>(x, y, items, P, C): CO = 4 or 8 (C <= CO); one thread per V consecutive
//   positions of one image (items = N * P / V, P % V == 0, x aligned to V source elements, y to the store word):
//   per channel plane one V-wide coalesced load, the V * CO outputs written as 16-byte words (8 for one fp16
//   position of 4 channels). 32-bit indices (N * C * P and N * P * CO < 2^31).
// nchwtonhwc_any_<src>_<dst>(x, y, n, P, C, CO): one thread per output element (any C <= CO, 64-bit indices).
template <int B> struct NhwcWord;
template <> struct NhwcWord<2> { typedef unsigned short T; };
template <> struct NhwcWord<4> { typedef unsigned int T; };
template <> struct NhwcWord<8> { typedef uint2 T; };
template <> struct NhwcWord<16> { typedef uint4 T; };

__device__ __forceinline__ float nhwc_in(float v) { return v; }
__device__ __forceinline__ float nhwc_in(f16 v) { return h2f(v); }
template <typename D> __device__ __forceinline__ D nhwc_out(float v);
template <> __device__ __forceinline__ float nhwc_out<float>(float v) { return v; }
template <> __device__ __forceinline__ f16 nhwc_out<f16>(float v) { return f2h(v); }

template <typename S, typename D, int CO, int V>
__device__ void nchw_to_nhwc_impl(const S* __restrict__ x, void* __restrict__ y, int items, int P, int C) {
  typedef typename NhwcWord<sizeof(S) * V>::T In;
  constexpr int OB = V * CO * (int)sizeof(D);
  typedef typename NhwcWord<(OB < 16 ? OB : 16)>::T Out;
  constexpr int NW = OB / (int)sizeof(Out);
  union { In w; S e[V]; } in;
  union { Out w[NW]; D e[V * CO]; } out;
  const int per = P / V;
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < items; i += blockDim.x * gridDim.x) {
    const int n = i / per;
    const S* s = x + n * C * P + (i - n * per) * V;
#pragma unroll
    for (int c = 0; c < CO; ++c) {
      if (c < C) {
        in.w = *reinterpret_cast<const In*>(s + c * P);
#pragma unroll
        for (int j = 0; j < V; ++j) out.e[j * CO + c] = nhwc_out<D>(nhwc_in(in.e[j]));
      } else {
#pragma unroll
        for (int j = 0; j < V; ++j) out.e[j * CO + c] = nhwc_out<D>(0.f);
      }
    }
    Out* d = reinterpret_cast<Out*>(y) + (i64)i * NW;
#pragma unroll
    for (int k = 0; k < NW; ++k) d[k] = out.w[k];
  }
}

template <typename S, typename D>
__device__ void nchw_to_nhwc_any(const S* __restrict__ x, D* __restrict__ y, i64 n, i64 P, int C, int CO) {
  GRID_STRIDE(i, n) {
    const i64 r = i / CO, p = r % P, b = r / P;
    const int c = (int)(i - r * CO);
    y[i] = nhwc_out<D>(c < C ? nhwc_in(x[(b * C + c) * P + p]) : 0.f);
  }
}

#define NCHW_TO_NHWC_V(S, D, SN, DN, CO, V) \
  extern "C" __global__ void nchwtonhwc_c##CO##v##V##_##SN##_##DN(const S* x, void* y, int items, int P, int C) { PDL_ENTER(); nchw_to_nhwc_impl<S, D, CO, V>(x, y, items, P, C); }
#define NCHW_TO_NHWC(S, D, SN, DN)                                                                                              \
  NCHW_TO_NHWC_V(S, D, SN, DN, 4, 1) NCHW_TO_NHWC_V(S, D, SN, DN, 4, 2) NCHW_TO_NHWC_V(S, D, SN, DN, 4, 4)                     \
  NCHW_TO_NHWC_V(S, D, SN, DN, 8, 1) NCHW_TO_NHWC_V(S, D, SN, DN, 8, 2) NCHW_TO_NHWC_V(S, D, SN, DN, 8, 4)                     \
  extern "C" __global__ void nchwtonhwc_any_##SN##_##DN(const S* x, D* y, i64 n, i64 P, int C, int CO) { PDL_ENTER(); nchw_to_nhwc_any<S, D>(x, y, n, P, C, CO); }
NCHW_TO_NHWC(float, float, f32, f32) NCHW_TO_NHWC(float, f16, f32, f16) NCHW_TO_NHWC(f16, float, f16, f32) NCHW_TO_NHWC(f16, f16, f16, f16)

// memset_fill_bytes: value repeated every elementSize (1, 2, 4) bytes, so its 32-bit pattern repeats every 4 bytes
extern "C" __global__ void memset_fill_bytes(unsigned char* dst, unsigned long long pitch, unsigned value, unsigned es, unsigned long long width, unsigned long long height) { PDL_ENTER();
  const unsigned pattern = es == 1 ? (value & 0xffu) * 0x01010101u : es == 2 ? (value & 0xffffu) * 0x00010001u : value;
  const unsigned long long rowBytes = width * es;
  const bool vec = rowBytes % 16 == 0 && (reinterpret_cast<unsigned long long>(dst) | (height > 1 ? pitch : 0)) % 16 == 0;
  const unsigned long long perRow = vec ? rowBytes / 16 : rowBytes;
  const unsigned long long n = perRow * height;
  for (unsigned long long i = blockIdx.x * (unsigned long long)blockDim.x + threadIdx.x; i < n; i += (unsigned long long)gridDim.x * blockDim.x) {
    const unsigned long long r = i / perRow, c = i - r * perRow;
    unsigned char* row = dst + r * pitch;
    if (vec) reinterpret_cast<uint4*>(row)[c] = make_uint4(pattern, pattern, pattern, pattern);
    else row[c] = (unsigned char)(pattern >> (8 * (c % 4)));
  }
}
