// Pool family: windowed Max/Average pooling over 1-3 spatial dims (padded to 3: D, H, W), global pools.
// pool geometry (Idx): dims[0..3) = output D,H,W; s0[0..3) = input D,H,W, s0[3..6) = kernel; s1[0..3) = strides,
// s1[3..6) = pads begin; s2[0..3) = dilations, s2[3..6) = pads end; pad = count_include_pad (avg) / storage_order (max).
// Names: maxpool_<dtype>(x, y, ind (0 = none), n, Idx), avgpool_<dtype>(x, y, n, Idx),
//        globalavgpool_<dtype> / globalmaxpool_<dtype>(x, y, rows, len): one block per (n, c) row.
// NHWC (layout = 'NHWC', passes/layout-nhwc.ts): x [n, D, H, W, c], y [n, OD, OH, OW, c], channel innermost so
// neighbouring threads read neighbouring channels; Idx as above with dims[3] = c.
//        maxpool_nhwc_<dtype>(x, y, n, Idx) (no indices output), avgpool_nhwc_<dtype>(x, y, n, Idx),
//        globalavgpool_nhwc_<dtype> / globalmaxpool_nhwc_<dtype>(x, y, n, len, c): x [n, len, c] -> y [n, c];
//        block 256 = 32 channels x 8 partial sums, grid-stride over (n, channel chunk of 32).
//        maxpool_nhwc_vec_<dtype> / avgpool_nhwc_vec_<dtype>(x, y, n, Idx): the same per 16-byte channel group
//        (V = 4 fp32 / 8 fp16 channels, C % V == 0, 16-byte aligned, n = output groups, 32-bit index math).
#include "common.cuh"

template <typename T, bool MAX>
__device__ void pool_impl(const T* x, T* y, i64* ind, i64 n, const Idx& g) {
  const i64 OD = g.dims[0], OH = g.dims[1], OW = g.dims[2], ID = g.s0[0], IH = g.s0[1], IW = g.s0[2];
  const i64 KD = g.s0[3], KH = g.s0[4], KW = g.s0[5], SD = g.s1[0], SH = g.s1[1], SW = g.s1[2];
  const i64 PD = g.s1[3], PH = g.s1[4], PW = g.s1[5], DD = g.s2[0], DH = g.s2[1], DW = g.s2[2];
  const i64 ED = g.s2[3], EH = g.s2[4], EW = g.s2[5];
  const i64 plane = ID * IH * IW;
  GRID_STRIDE(i, n) {
    i64 r = i;
    const i64 ow = r % OW; r /= OW;
    const i64 oh = r % OH; r /= OH;
    const i64 od = r % OD; const i64 nc = r / OD;
    const i64 d0 = od * SD - PD, h0 = oh * SH - PH, w0 = ow * SW - PW;
    const T* base = x + nc * plane;
    float acc = MAX ? -__int_as_float(0x7f800000) : 0.f;
    i64 arg = -1, count = 0, padCount = 0;
    for (i64 kd = 0; kd < KD; ++kd) {
      const i64 d = d0 + kd * DD;
      if (d >= ID + ED) break;
      const bool dIn = d >= 0 && d < ID;
      for (i64 kh = 0; kh < KH; ++kh) {
        const i64 h = h0 + kh * DH;
        if (h >= IH + EH) break;
        const bool hIn = h >= 0 && h < IH;
        for (i64 kw = 0; kw < KW; ++kw) {
          const i64 w = w0 + kw * DW;
          if (w >= IW + EW) break;
          if (d >= -PD && h >= -PH && w >= -PW) ++padCount;
          if (!dIn || !hIn || w < 0 || w >= IW) continue;
          const i64 at = (d * IH + h) * IW + w;
          const float v = ld(base, at);
          ++count;
          if (MAX) { if (v > acc || arg < 0) { acc = v; arg = at; } }
          else acc += v;
        }
      }
    }
    if (MAX) {
      st(y, i, acc);
      if (ind) {
        i64 at = arg;
        if (g.pad && arg >= 0) {  // storage_order = 1: column-major index within the plane
          const i64 w = arg % IW, h = (arg / IW) % IH, d = arg / (IW * IH);
          at = (w * IH + h) * ID + d;
        }
        ind[i] = nc * plane + at;
      }
    } else {
      st(y, i, acc / (float)(g.pad ? padCount : count));
    }
  }
}

template <typename T, bool MAX>
__device__ void global_impl(const T* x, T* y, i64 rows, i64 len) {
  __shared__ float sh[32];
  for (i64 row = blockIdx.x; row < rows; row += gridDim.x) {
    const T* p = x + row * len;
    float acc = MAX ? -__int_as_float(0x7f800000) : 0.f;
    for (i64 j = threadIdx.x; j < len; j += blockDim.x) {
      const float v = ld(p, j);
      if (MAX) acc = (v != v || acc != acc) ? __int_as_float(0x7fc00000) : fmaxf(acc, v);
      else acc += v;
    }
    for (int o = 16; o > 0; o >>= 1) {
      const float b = __shfl_xor_sync(0xffffffffu, acc, o);
      acc = MAX ? ((b != b || acc != acc) ? __int_as_float(0x7fc00000) : fmaxf(acc, b)) : acc + b;
    }
    const int warp = threadIdx.x >> 5, lane = threadIdx.x & 31, nw = (blockDim.x + 31) >> 5;
    if (lane == 0) sh[warp] = acc;
    __syncthreads();
    if (threadIdx.x == 0) {
      float t = sh[0];
      for (int k = 1; k < nw; ++k) t = MAX ? ((sh[k] != sh[k] || t != t) ? __int_as_float(0x7fc00000) : fmaxf(t, sh[k])) : t + sh[k];
      st(y, row, MAX ? t : t / (float)len);
    }
    __syncthreads();
  }
}

template <typename T, bool MAX>
__device__ void pool_nhwc_impl(const T* x, T* y, i64 n, const Idx& g) {
  const i64 OD = g.dims[0], OH = g.dims[1], OW = g.dims[2], C = g.dims[3], ID = g.s0[0], IH = g.s0[1], IW = g.s0[2];
  const i64 KD = g.s0[3], KH = g.s0[4], KW = g.s0[5], SD = g.s1[0], SH = g.s1[1], SW = g.s1[2];
  const i64 PD = g.s1[3], PH = g.s1[4], PW = g.s1[5], DD = g.s2[0], DH = g.s2[1], DW = g.s2[2];
  const i64 ED = g.s2[3], EH = g.s2[4], EW = g.s2[5];
  GRID_STRIDE(i, n) {
    i64 r = i;
    const i64 c = r % C; r /= C;
    const i64 ow = r % OW; r /= OW;
    const i64 oh = r % OH; r /= OH;
    const i64 od = r % OD; const i64 b = r / OD;
    const i64 d0 = od * SD - PD, h0 = oh * SH - PH, w0 = ow * SW - PW;
    const T* base = x + b * ID * IH * IW * C + c;
    float acc = MAX ? -__int_as_float(0x7f800000) : 0.f;
    i64 count = 0, padCount = 0;
    bool any = false;
    for (i64 kd = 0; kd < KD; ++kd) {
      const i64 d = d0 + kd * DD;
      if (d >= ID + ED) break;
      const bool dIn = d >= 0 && d < ID;
      for (i64 kh = 0; kh < KH; ++kh) {
        const i64 h = h0 + kh * DH;
        if (h >= IH + EH) break;
        const bool hIn = h >= 0 && h < IH;
        for (i64 kw = 0; kw < KW; ++kw) {
          const i64 w = w0 + kw * DW;
          if (w >= IW + EW) break;
          if (d >= -PD && h >= -PH && w >= -PW) ++padCount;
          if (!dIn || !hIn || w < 0 || w >= IW) continue;
          const float v = ld(base, ((d * IH + h) * IW + w) * C);
          ++count;
          if (MAX) { if (v > acc || !any) acc = v; any = true; }
          else acc += v;
        }
      }
    }
    st(y, i, MAX ? acc : acc / (float)(g.pad ? padCount : count));
  }
}

template <typename T, bool MAX>
__device__ void pool_nhwc_vec_impl(const uint4* __restrict__ x, uint4* __restrict__ y, int n, const Idx& g) {
  constexpr int V = 16 / sizeof(T);
  union W { uint4 u; T e[V]; };
  const int OD = (int)g.dims[0], OH = (int)g.dims[1], OW = (int)g.dims[2], CV = (int)g.dims[3] / V;
  const int ID = (int)g.s0[0], IH = (int)g.s0[1], IW = (int)g.s0[2], KD = (int)g.s0[3], KH = (int)g.s0[4], KW = (int)g.s0[5];
  const int SD = (int)g.s1[0], SH = (int)g.s1[1], SW = (int)g.s1[2], PD = (int)g.s1[3], PH = (int)g.s1[4], PW = (int)g.s1[5];
  const int DD = (int)g.s2[0], DH = (int)g.s2[1], DW = (int)g.s2[2], ED = (int)g.s2[3], EH = (int)g.s2[4], EW = (int)g.s2[5];
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
    int r = i;
    const int cg = r % CV; r /= CV;
    const int ow = r % OW; r /= OW;
    const int oh = r % OH; r /= OH;
    const int od = r % OD; const int b = r / OD;
    const int d0 = od * SD - PD, h0 = oh * SH - PH, w0 = ow * SW - PW;
    const uint4* base = x + b * ID * IH * IW * CV + cg;
    float acc[V];
#pragma unroll
    for (int j = 0; j < V; ++j) acc[j] = MAX ? -__int_as_float(0x7f800000) : 0.f;
    int count = 0, padCount = 0;
    for (int kd = 0; kd < KD; ++kd) {
      const int d = d0 + kd * DD;
      if (d >= ID + ED) break;
      const bool dIn = d >= 0 && d < ID;
      for (int kh = 0; kh < KH; ++kh) {
        const int h = h0 + kh * DH;
        if (h >= IH + EH) break;
        const bool hIn = h >= 0 && h < IH;
        for (int kw = 0; kw < KW; ++kw) {
          const int w = w0 + kw * DW;
          if (w >= IW + EW) break;
          if (d >= -PD && h >= -PH && w >= -PW) ++padCount;
          if (!dIn || !hIn || w < 0 || w >= IW) continue;
          W v;
          v.u = base[((d * IH + h) * IW + w) * CV];
#pragma unroll
          for (int j = 0; j < V; ++j) {
            const float f = ld(v.e, j);
            if (MAX) { if (f > acc[j] || count == 0) acc[j] = f; }
            else acc[j] += f;
          }
          ++count;
        }
      }
    }
    W o;
    const float div = (float)(g.pad ? padCount : count);
#pragma unroll
    for (int j = 0; j < V; ++j) st(o.e, j, MAX ? acc[j] : acc[j] / div);
    y[i] = o.u;
  }
}

template <typename T, bool MAX>
__device__ void global_nhwc_impl(const T* x, T* y, i64 n, i64 len, i64 C) {
  __shared__ float sh[8][33];
  const int tx = threadIdx.x & 31, ty = threadIdx.x >> 5;
  const i64 chunks = (C + 31) / 32;
  for (i64 t = blockIdx.x; t < n * chunks; t += gridDim.x) {
    const i64 b = t / chunks, c = (t % chunks) * 32 + tx;
    float acc = MAX ? -__int_as_float(0x7f800000) : 0.f;
    if (c < C) {
      const T* p = x + b * len * C + c;
      for (i64 j = ty; j < len; j += 8) {
        const float v = ld(p, j * C);
        if (MAX) acc = (v != v || acc != acc) ? __int_as_float(0x7fc00000) : fmaxf(acc, v);
        else acc += v;
      }
    }
    sh[ty][tx] = acc;
    __syncthreads();
    if (ty == 0 && c < C) {
      float s = sh[0][tx];
      for (int k = 1; k < 8; ++k) s = MAX ? ((sh[k][tx] != sh[k][tx] || s != s) ? __int_as_float(0x7fc00000) : fmaxf(s, sh[k][tx])) : s + sh[k][tx];
      st(y, b * C + c, MAX ? s : s / (float)len);
    }
    __syncthreads();
  }
}

#define POOL(T, TN)                                                                                                        \
  extern "C" __global__ void maxpool_##TN(const T* x, T* y, i64* ind, i64 n, Idx g) { PDL_ENTER(); pool_impl<T, true>(x, y, ind, n, g); } \
  extern "C" __global__ void avgpool_##TN(const T* x, T* y, i64 n, Idx g) { PDL_ENTER(); pool_impl<T, false>(x, y, 0, n, g); }             \
  extern "C" __global__ void globalmaxpool_##TN(const T* x, T* y, i64 rows, i64 len) { PDL_ENTER(); global_impl<T, true>(x, y, rows, len); } \
  extern "C" __global__ void globalavgpool_##TN(const T* x, T* y, i64 rows, i64 len) { PDL_ENTER(); global_impl<T, false>(x, y, rows, len); } \
  extern "C" __global__ void maxpool_nhwc_##TN(const T* x, T* y, i64 n, Idx g) { PDL_ENTER(); pool_nhwc_impl<T, true>(x, y, n, g); }        \
  extern "C" __global__ void avgpool_nhwc_##TN(const T* x, T* y, i64 n, Idx g) { PDL_ENTER(); pool_nhwc_impl<T, false>(x, y, n, g); }       \
  extern "C" __global__ void maxpool_nhwc_vec_##TN(const uint4* x, uint4* y, int n, Idx g) { PDL_ENTER(); pool_nhwc_vec_impl<T, true>(x, y, n, g); } \
  extern "C" __global__ void avgpool_nhwc_vec_##TN(const uint4* x, uint4* y, int n, Idx g) { PDL_ENTER(); pool_nhwc_vec_impl<T, false>(x, y, n, g); } \
  extern "C" __global__ void globalmaxpool_nhwc_##TN(const T* x, T* y, i64 n, i64 len, i64 c) { PDL_ENTER(); global_nhwc_impl<T, true>(x, y, n, len, c); } \
  extern "C" __global__ void globalavgpool_nhwc_##TN(const T* x, T* y, i64 n, i64 len, i64 c) { PDL_ENTER(); global_nhwc_impl<T, false>(x, y, n, len, c); }
POOL(float, f32) POOL(f16, f16)
