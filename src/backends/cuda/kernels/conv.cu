// Conv fallback kernels (used when cuDNN is missing or cannot express the conv, e.g. asymmetric pads):
// direct 2-D convolution and transposed convolution (1-D runs as H=1), NCHW, groups, dilations, fp32
// accumulate, with the FusedConv epilogue (bias, residual z before/after, activation). Also the epilogue
// alone, applied in place after a cuDNN convolution.
#include "common.cuh"

#define ACT_NONE 0
#define ACT_RELU 1
#define ACT_LEAKY 2
#define ACT_SIGMOID 3
#define ACT_SILU 4
#define ACT_HARDSWISH 5
#define ACT_CLIP 6
#define ACT_GELU 7

__device__ __forceinline__ float activate(float v, int act, float a0, float a1) {
  switch (act) {
    case ACT_RELU: return v > 0.f ? v : 0.f;
    case ACT_LEAKY: return v >= 0.f ? v : a0 * v;
    case ACT_SIGMOID: return 1.f / (1.f + expf(-v));
    case ACT_SILU: return v / (1.f + expf(-v));
    case ACT_HARDSWISH: return v * fminf(fmaxf(v / 6.f + 0.5f, 0.f), 1.f);
    case ACT_CLIP: return fminf(fmaxf(v, a0), a1);
    case ACT_GELU: return 0.5f * v * (1.f + erff(v * 0.70710678118654752f));
    default: return v;
  }
}

// Conv geometry passed by value (all ints).
struct ConvGeo {
  int n, c, h, w, k, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, groups;
  int act, residual;  // residual: 0 none, 1 before activation, 2 after
  float a0, a1;
};

template <typename T>
__device__ __forceinline__ float epilogue(float v, i64 i, int k, const T* b, const T* z, const ConvGeo& g) {
  if (b) v += ld(b, k);
  if (z && g.residual == 1) v += ld(z, i);
  v = activate(v, g.act, g.a0, g.a1);
  if (z && g.residual == 2) v += ld(z, i);
  return v;
}

// y[n, k, oh, ow] = sum_{c in group, i, j} x[n, g*cg + c, oh*sh - ph + i*dh, ow*sw - pw + j*dw] * w[k, c, i, j]
template <typename T>
__device__ void conv2d(const T* x, const T* w, const T* b, const T* z, T* y, const ConvGeo& g) {
  const i64 total = (i64)g.n * g.k * g.oh * g.ow;
  const int cg = g.c / g.groups, kg = g.k / g.groups;
  GRID_STRIDE(i, total) {
    const int ox = (int)(i % g.ow);
    i64 t = i / g.ow;
    const int oy = (int)(t % g.oh);
    t /= g.oh;
    const int k = (int)(t % g.k);
    const int n = (int)(t / g.k);
    const T* xb = x + ((i64)n * g.c + (i64)(k / kg) * cg) * g.h * g.w;
    const T* wb = w + (i64)k * cg * g.kh * g.kw;
    float acc = 0.f;
    for (int c = 0; c < cg; c++) {
      for (int a = 0; a < g.kh; a++) {
        const int iy = oy * g.sh - g.ph + a * g.dh;
        if (iy < 0 || iy >= g.h) continue;
        const i64 xrow = ((i64)c * g.h + iy) * g.w;
        const i64 wrow = ((i64)c * g.kh + a) * g.kw;
        for (int bb = 0; bb < g.kw; bb++) {
          const int ix = ox * g.sw - g.pw + bb * g.dw;
          if (ix < 0 || ix >= g.w) continue;
          acc += ld(xb, xrow + ix) * ld(wb, wrow + bb);
        }
      }
    }
    st(y, i, epilogue(acc, i, k, b, z, g));
  }
}

// ConvTranspose: x [n, c, h, w], w [c, k/groups, kh, kw], y [n, k, oh, ow];
// y[n, o, oy, ox] = sum x[n, ci, iy, ix] * w[ci, o % kg, a, bb] where oy = iy*sh - ph + a*dh.
template <typename T>
__device__ void convt2d(const T* x, const T* w, const T* b, const T* z, T* y, const ConvGeo& g) {
  const i64 total = (i64)g.n * g.k * g.oh * g.ow;
  const int cg = g.c / g.groups, kg = g.k / g.groups;
  GRID_STRIDE(i, total) {
    const int ox = (int)(i % g.ow);
    i64 t = i / g.ow;
    const int oy = (int)(t % g.oh);
    t /= g.oh;
    const int o = (int)(t % g.k);
    const int n = (int)(t / g.k);
    const int grp = o / kg, ol = o % kg;
    float acc = 0.f;
    for (int c = 0; c < cg; c++) {
      const int ci = grp * cg + c;
      const T* xb = x + ((i64)n * g.c + ci) * g.h * g.w;
      const T* wb = w + ((i64)ci * kg + ol) * g.kh * g.kw;
      for (int a = 0; a < g.kh; a++) {
        const int ty = oy + g.ph - a * g.dh;
        if (ty < 0 || ty % g.sh) continue;
        const int iy = ty / g.sh;
        if (iy >= g.h) continue;
        for (int bb = 0; bb < g.kw; bb++) {
          const int tx = ox + g.pw - bb * g.dw;
          if (tx < 0 || tx % g.sw) continue;
          const int ix = tx / g.sw;
          if (ix >= g.w) continue;
          acc += ld(xb, (i64)iy * g.w + ix) * ld(wb, (i64)a * g.kw + bb);
        }
      }
    }
    st(y, i, epilogue(acc, i, o, b, z, g));
  }
}

// In place after cuDNN: y = epilogue(y) over [n, k, oh*ow].
template <typename T>
__device__ void conv_epi(T* y, const T* b, const T* z, const ConvGeo& g) {
  const i64 hw = (i64)g.oh * g.ow;
  const i64 total = (i64)g.n * g.k * hw;
  GRID_STRIDE(i, total) {
    const int k = (int)((i / hw) % g.k);
    st(y, i, epilogue(ld(y, i), i, k, b, z, g));
  }
}

// Launch parameters are plain scalars (the launcher packs ints and floats), gathered into ConvGeo.
// In place after cuDNN, NHWC output: y = epilogue(y) over [n, oh*ow, k] (channel innermost).
template <typename T>
__device__ void conv_epi_nhwc(T* y, const T* b, const T* z, const ConvGeo& g) {
  const i64 total = (i64)g.n * g.oh * g.ow * g.k;
  GRID_STRIDE(i, total) st(y, i, epilogue(ld(y, i), i, (int)(i % g.k), b, z, g));
}

// The same, 16 bytes per thread (k % (16 / sizeof(T)) == 0, 16-byte aligned y and z): the epilogue after a
// cuDNN conv that cannot fuse it (no bias-relu form) is a full read + write of the output, so width matters.
template <typename T>
__device__ void conv_epi_nhwc_vec(T* y, const T* b, const T* z, const ConvGeo& g) {
  constexpr int V = 16 / sizeof(T);
  const i64 total = (i64)g.n * g.oh * g.ow * g.k / V;
  GRID_STRIDE(i, total) {
    uint4 yv = reinterpret_cast<const uint4*>(y)[i];
    uint4 zv;
    zv.x = zv.y = zv.z = zv.w = 0u;
    if (z) zv = reinterpret_cast<const uint4*>(z)[i];
    T* ye = reinterpret_cast<T*>(&yv);
    const T* ze = reinterpret_cast<const T*>(&zv);
    const int k0 = (int)((i * V) % g.k);
#pragma unroll
    for (int j = 0; j < V; ++j) {
      float v = ld(ye, j);
      if (b) v += ld(b, k0 + j);
      if (z && g.residual == 1) v += ld(ze, j);
      v = activate(v, g.act, g.a0, g.a1);
      if (z && g.residual == 2) v += ld(ze, j);
      st(ye, j, v);
    }
    reinterpret_cast<uint4*>(y)[i] = yv;
  }
}

#define GEO_PARAMS int n, int c, int h, int w_, int k, int oh, int ow, int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw, \
  int groups, int act, int residual, float a0, float a1
#define GEO ConvGeo{n, c, h, w_, k, oh, ow, kh, kw, sh, sw, ph, pw, dh, dw, groups, act, residual, a0, a1}

#define CONV_KERNELS(S, T)                                                                                    \
  extern "C" __global__ void conv2d_##S(const T* x, const T* w, const T* b, const T* z, T* y, GEO_PARAMS) { PDL_ENTER(); conv2d<T>(x, w, b, z, y, GEO); } \
  extern "C" __global__ void convt2d_##S(const T* x, const T* w, const T* b, const T* z, T* y, GEO_PARAMS) { PDL_ENTER(); convt2d<T>(x, w, b, z, y, GEO); } \
  extern "C" __global__ void conv_epilogue_##S(T* y, const T* b, const T* z, GEO_PARAMS) { PDL_ENTER(); conv_epi<T>(y, b, z, GEO); } \
  extern "C" __global__ void conv_epilogue_nhwc_##S(T* y, const T* b, const T* z, GEO_PARAMS) { PDL_ENTER(); conv_epi_nhwc<T>(y, b, z, GEO); } \
  extern "C" __global__ void conv_epilogue_nhwcvec_##S(T* y, const T* b, const T* z, GEO_PARAMS) { PDL_ENTER(); conv_epi_nhwc_vec<T>(y, b, z, GEO); }

CONV_KERNELS(f32, float)
CONV_KERNELS(f16, f16)
