// Attention family: tensorjet::FusedAttention = softmax(scale * Q K^T [+ mask]) V in one kernel
// (flash-attention style: a tile of AT_BQ queries per block against K/V streamed through shared memory in
// tiles of AT_BK keys, online softmax, fp32 accumulation). Layouts: batch index (b, h); Q [.., Sq, D]
// (D contiguous), K by strides (kS per key, kD per dim: covers K [.., Sk, D] and K^T [.., D, Sk]),
// V [.., Sk, Dv] (Dv contiguous), mask read by strides (0 = broadcast), Y contiguous [B, H, Sq, Dv].
// AT_TPR threads share one query row, thread t owning dims t, t + AT_TPR, ... (conflict-free smem reads).
// Names: attn_d<DMAX>_<dtype>_m<mask dtype> with DMAX 64 or 128 (>= max(D, Dv)).
#include "common.cuh"

#define AT_BQ 64
#define AT_BK 32
#define AT_TPR 4
#define AT_THREADS (AT_BQ * AT_TPR)

template <typename T, typename M, int DP>
__device__ void attn_impl(const T* q, const T* k, const T* v, const M* mask, T* y, int H, int Sq, int Sk, int D, int Dv, float scale,
                          i64 qB, i64 qH, i64 kB, i64 kH, i64 kS, i64 kD, i64 vB, i64 vH, i64 mB, i64 mH, i64 mQ, i64 mK) {
  const int DM = DP * AT_TPR;
  __shared__ float Ks[AT_BK][DP * AT_TPR];
  __shared__ float Vs[AT_BK][DP * AT_TPR];
  const int tid = threadIdx.x, r = tid / AT_TPR, t = tid % AT_TPR;
  const int tiles = (Sq + AT_BQ - 1) / AT_BQ;
  const float NEG_INF = -__int_as_float(0x7f800000);
  // blockIdx.x enumerates (b, h, tile); the launcher sizes the grid to B * H * tiles
  const i64 blk = blockIdx.x;
  const int tile = (int)(blk % tiles);
  const i64 bh = blk / tiles;
  const i64 b = bh / H, h = bh % H;
  const int qi = tile * AT_BQ + r;
  const bool valid = qi < Sq;
  const T* qp = q + b * qB + h * qH + (i64)(valid ? qi : 0) * D;
  const T* kp = k + b * kB + h * kH;
  const T* vp = v + b * vB + h * vH;
  const M* mp = mask ? mask + b * mB + h * mH + (i64)(valid ? qi : 0) * mQ : 0;
  float qr[DP], o[DP];
#pragma unroll
  for (int i = 0; i < DP; ++i) {
    const int c = t + AT_TPR * i;
    qr[i] = valid && c < D ? ld(qp, c) * scale : 0.f;
    o[i] = 0.f;
  }
  float m = NEG_INF, l = 0.f;
  for (int k0 = 0; k0 < Sk; k0 += AT_BK) {
    __syncthreads();
    for (int idx = tid; idx < AT_BK * DM; idx += AT_THREADS) {
      const int j = idx / DM, c = idx % DM, kj = k0 + j;
      Ks[j][c] = kj < Sk && c < D ? ld(kp, kj * kS + c * kD) : 0.f;
      Vs[j][c] = kj < Sk && c < Dv ? ld(vp, (i64)kj * Dv + c) : 0.f;
    }
    __syncthreads();
    float s[AT_BK];
    float mt = NEG_INF;
#pragma unroll
    for (int j = 0; j < AT_BK; ++j) {
      float p = 0.f;
#pragma unroll
      for (int i = 0; i < DP; ++i) p = fmaf(qr[i], Ks[j][t + AT_TPR * i], p);
      p += __shfl_xor_sync(0xffffffffu, p, 1);
      p += __shfl_xor_sync(0xffffffffu, p, 2);
      const int kj = k0 + j;
      if (kj >= Sk) p = NEG_INF;
      else if (mp) p += ld(mp, (i64)kj * mK);
      s[j] = p;
      mt = fmaxf(mt, p);
    }
    const float mn = fmaxf(m, mt);
    const float corr = m == NEG_INF ? 0.f : expf(m - mn);
    l *= corr;
#pragma unroll
    for (int i = 0; i < DP; ++i) o[i] *= corr;
#pragma unroll
    for (int j = 0; j < AT_BK; ++j) {
      const float p = mn == NEG_INF ? 0.f : expf(s[j] - mn);
      l += p;
#pragma unroll
      for (int i = 0; i < DP; ++i) o[i] = fmaf(p, Vs[j][t + AT_TPR * i], o[i]);
    }
    m = mn;
  }
  if (!valid) return;
  T* yp = y + (bh * Sq + qi) * (i64)Dv;
  const float inv = 1.f / l;  // a row masked everywhere with -inf gives 0 * inf = NaN, as the reference
#pragma unroll
  for (int i = 0; i < DP; ++i) {
    const int c = t + AT_TPR * i;
    if (c < Dv) st(yp, c, o[i] * inv);
  }
}

#define ATTN(T, TN, M, MN, DP, DN)                                                                                                       \
  extern "C" __global__ void __launch_bounds__(AT_THREADS) attn_d##DN##_##TN##_m##MN(                                                 \
      const T* q, const T* k, const T* v, const M* mask, T* y, int H, int Sq, int Sk, int D, int Dv, float scale, i64 qB, i64 qH,   \
      i64 kB, i64 kH, i64 kS, i64 kD, i64 vB, i64 vH, i64 mB, i64 mH, i64 mQ, i64 mK) {                                                \
    attn_impl<T, M, DP>(q, k, v, mask, y, H, Sq, Sk, D, Dv, scale, qB, qH, kB, kH, kS, kD, vB, vH, mB, mH, mQ, mK);                   \
  }
ATTN(float, f32, float, f32, 16, 64) ATTN(float, f32, float, f32, 32, 128)
ATTN(float, f32, f16, f16, 16, 64) ATTN(float, f32, f16, f16, 32, 128)
ATTN(f16, f16, f16, f16, 16, 64) ATTN(f16, f16, f16, f16, 32, 128)
ATTN(f16, f16, float, f32, 16, 64) ATTN(f16, f16, float, f32, 32, 128)
