// Resize family: nearest / (multi-)linear resampling, separable per axis, coordinates in double like the reference.
// Idx: dims = output dims, s0 = input dims, s1 / s2 = high / low 32 bits of each axis' scale (a double).
// coord: 0 half_pixel, 1 align_corners, 2 asymmetric, 3 pytorch_half_pixel, 4 half_pixel_symmetric.
// nearest: 0 round_prefer_floor, 1 round_prefer_ceil, 2 floor, 3 ceil, 4 simple (opset < 11).
// Names: resize_nearest_<dtype> / resize_linear_<dtype>(x, y, n, Idx, coord, nearest).
// resize_nearest_w16(x, y, n, Idx, coord, nearest): nearest on 16-byte words, raw copies with 32-bit indices; the
//   lowering merges the trailing unscaled axes (NHWC channels) into one word axis (n = output words).
#include "common.cuh"

__device__ double src_coord(int cm, double x, double inL, double outL, double scale) {
  const double outF = scale * inL;
  switch (cm) {
    case 1: return outF == 1.0 ? 0.0 : (x * (inL - 1.0)) / (outF - 1.0);
    case 2: return x / scale;
    case 3: return outF == 1.0 ? -0.5 : (x + 0.5) / scale - 0.5;
    case 4: return (inL / 2.0) * (1.0 - outL / outF) + (x + 0.5) / scale - 0.5;
    default: return (x + 0.5) / scale - 0.5;
  }
}

// the two taps around output coordinate c on one axis (clamped) and the right tap's weight
__device__ double taps(int cm, i64 c, i64 inL, i64 outL, double scale, i64& lo, i64& hi) {
  const double xo = src_coord(cm, (double)c, (double)inL, (double)outL, scale);
  const double fl = floor(xo);
  const double xi = (xo == fl) ? xo - 1.0 : fl;  // an integral coordinate is the right tap with ratio 1
  lo = (i64)xi; hi = lo + 1;
  lo = lo < 0 ? 0 : (lo > inL - 1 ? inL - 1 : lo);
  hi = hi < 0 ? 0 : (hi > inL - 1 ? inL - 1 : hi);
  return xo - xi;
}

// nearest: whether the right tap wins
__device__ bool pick_right(int nm, double ratio, double scale) {
  if (ratio == 1.0) return true;
  if (nm == 0) return ratio > 0.5;
  if (nm == 1) return ratio >= 0.5;
  if (nm == 2) return false;
  if (nm == 3) return true;
  return scale < 1.0 ? ratio > 0.0 : false;
}

template <typename T, bool LINEAR>
__device__ void resize_impl(const T* x, T* y, i64 n, const Idx& ix, int cm, int nm) {
  GRID_STRIDE(i, n) {
    i64 i0[MAX_RANK], i1[MAX_RANK], stv[MAX_RANK];
    float w1[MAX_RANK];
    int skip = 0;  // bit a: axis a has a single tap
    i64 r = i, stride = 1;
    for (int a = ix.rank - 1; a >= 0; --a) {
      const i64 outL = ix.dims[a], inL = ix.s0[a];
      const i64 c = r % outL; r /= outL;
      stv[a] = stride; stride *= inL;
      const double scale = __hiloint2double((int)ix.s1[a], (int)ix.s2[a]);
      if (outL == inL && scale == 1.0) { i0[a] = c; w1[a] = 0.f; skip |= 1 << a; continue; }
      i64 lo, hi;
      const double ratio = taps(cm, c, inL, outL, scale, lo, hi);
      if (LINEAR) { i0[a] = lo; i1[a] = hi; w1[a] = (float)ratio; }
      else { i0[a] = pick_right(nm, ratio, scale) ? hi : lo; skip |= 1 << a; }
    }
    if (!LINEAR) {
      i64 off = 0;
      for (int a = 0; a < ix.rank; ++a) off += i0[a] * stv[a];
      st(y, i, ld(x, off));
      continue;
    }
    float acc = 0.f;
    for (int m = 0; m < (1 << ix.rank); ++m) {
      if (m & skip) continue;
      float w = 1.f;
      i64 off = 0;
      for (int a = 0; a < ix.rank; ++a) {
        const bool hiTap = (m >> a) & 1;
        if (skip & (1 << a)) { off += i0[a] * stv[a]; continue; }
        w *= hiTap ? w1[a] : 1.f - w1[a];
        off += (hiTap ? i1[a] : i0[a]) * stv[a];
      }
      if (w != 0.f) acc += w * ld(x, off);
    }
    st(y, i, acc);
  }
}

template <typename W>
__device__ void resize_nearest_raw(const W* __restrict__ x, W* __restrict__ y, int n, const Idx& ix, int cm, int nm) {
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += blockDim.x * gridDim.x) {
    int r = i, stride = 1, off = 0;
    for (int a = ix.rank - 1; a >= 0; --a) {
      const int outL = (int)ix.dims[a], inL = (int)ix.s0[a];
      const int c = r % outL; r /= outL;
      const double scale = __hiloint2double((int)ix.s1[a], (int)ix.s2[a]);
      int src = c;
      if (outL != inL || scale != 1.0) {
        i64 lo, hi;
        const double ratio = taps(cm, c, inL, outL, scale, lo, hi);
        src = (int)(pick_right(nm, ratio, scale) ? hi : lo);
      }
      off += src * stride;
      stride *= inL;
    }
    y[i] = x[off];
  }
}

extern "C" __global__ void resize_nearest_w16(const uint4* x, uint4* y, int n, Idx ix, int cm, int nm) { PDL_ENTER(); resize_nearest_raw<uint4>(x, y, n, ix, cm, nm); }

#define RESIZE(T, TN)                                                                                                   \
  extern "C" __global__ void resize_nearest_##TN(const T* x, T* y, i64 n, Idx ix, int cm, int nm) { PDL_ENTER(); resize_impl<T, false>(x, y, n, ix, cm, nm); } \
  extern "C" __global__ void resize_linear_##TN(const T* x, T* y, i64 n, Idx ix, int cm, int nm) { PDL_ENTER(); resize_impl<T, true>(x, y, n, ix, cm, nm); }
RESIZE(float, f32) RESIZE(f16, f16)
