// Attention family: tensorjet::FusedAttention = softmax(scale * Q K^T [+ mask]) V in one kernel
// (flash-attention style: a tile of queries per block against K/V streamed through shared memory in
// tiles of keys, online softmax, fp32 accumulation). Every operand is read by strides, so one kernel
// covers [B, H, S, D] and [B, S, H, D] (heads interleaved, as the projections produce them):
// batch index (b, h); Q row stride qS (D contiguous); K by kS per key and kD per dim (covers K [.., Sk, D]
// and K^T [.., D, Sk]); V row stride vS (Dv contiguous); Y row stride yS (Dv contiguous); mask by strides
// (0 = broadcast).
// Two kernels with the same arguments:
//   attn_d<DMAX>_<dtype>_m<mask dtype>    FMA, any float dtype: AT_BQ queries per 256-thread block,
//                                          AT_TPR threads per query row (conflict-free smem reads).
//   attn_mma<DMAX>[q]_f16_m<mask dtype>   tensor cores (mma.sync m16n8k16, fp32 accumulation, sm_80+):
//                                          persistent blocks of 128 threads walk items of TC_BQ = 64 queries,
//                                          16 per warp; S = Q K^T stays in registers and becomes P's A fragments
//                                          (FlashAttention-2); q: the mask varies by query. Takes B as well.
//                                          Before sm_80 it runs the FMA code, 32 queries at a time.
//   attn_mmas<DMAX>_f16_m<mask dtype>     the tensor-core kernel for small grids: 16 queries per block, the
//                                          4 warps split the keys, partial softmax states combined in smem.
// DMAX 64 or 128 (>= max(D, Dv)); the grid is B * H * ceil(Sq / 64) for attn_d, at most that for attn_mma (a few
// blocks per SM), B * H * ceil(Sq / 16) for attn_mmas.
#include "common.cuh"

#define AT_BQ 64
#define AT_BK 32
#define AT_TPR 4
#define AT_THREADS (AT_BQ * AT_TPR)
#define TC_BQ 64
#define TC_BK 64
#define TC_THREADS 128
#define SP_BQ 16
#define SP_KT(DP) (DP <= 64 ? 128 : 64)

#define ATTN_PARAMS(T, M)                                                                                                               \
  const T *q, const T *k, const T *v, const M *mask, T *y, int H, int Sq, int Sk, int D, int Dv, float scale, i64 qB, i64 qH, i64 qS, \
      i64 kB, i64 kH, i64 kS, i64 kD, i64 vB, i64 vH, i64 vS, i64 yB, i64 yH, i64 yS, i64 mB, i64 mH, i64 mQ, i64 mK
#define ATTN_ARGS q, k, v, mask, y, H, Sq, Sk, D, Dv, scale, qB, qH, qS, kB, kH, kS, kD, vB, vH, vS, yB, yH, yS, mB, mH, mQ, mK

// FMA path: BQ query rows from q0 of batch index (b, h), BQ * AT_TPR threads.
template <typename T, typename M, int DP, int BQ>
__device__ void attn_impl(i64 b, i64 h, int q0, ATTN_PARAMS(T, M)) {
  const int DM = DP * AT_TPR, NT = BQ * AT_TPR;
  __shared__ float Ks[AT_BK][DP * AT_TPR];
  __shared__ float Vs[AT_BK][DP * AT_TPR];
  const int tid = threadIdx.x, r = tid / AT_TPR, t = tid % AT_TPR;
  const float NEG_INF = -__int_as_float(0x7f800000);
  const int qi = q0 + r;
  const bool valid = qi < Sq;
  const T* qp = q + b * qB + h * qH + (i64)(valid ? qi : 0) * qS;
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
    for (int idx = tid; idx < AT_BK * DM; idx += NT) {
      const int j = idx / DM, c = idx % DM, kj = k0 + j;
      Ks[j][c] = kj < Sk && c < D ? ld(kp, kj * kS + c * kD) : 0.f;
      Vs[j][c] = kj < Sk && c < Dv ? ld(vp, kj * vS + c) : 0.f;
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
  T* yp = y + b * yB + h * yH + (i64)qi * yS;
  const float inv = 1.f / l;  // a row masked everywhere with -inf gives 0 * inf = NaN, as the reference
#pragma unroll
  for (int i = 0; i < DP; ++i) {
    const int c = t + AT_TPR * i;
    if (c < Dv) st(yp, c, o[i] * inv);
  }
}

#define ATTN(T, TN, M, MN, DP, DN)                                                                   \
  extern "C" __global__ void __launch_bounds__(AT_THREADS) attn_d##DN##_##TN##_m##MN(ATTN_PARAMS(T, M)) { PDL_ENTER(); \
    const int tiles = (Sq + AT_BQ - 1) / AT_BQ;                                                      \
    const i64 bh = blockIdx.x / tiles;                                                               \
    attn_impl<T, M, DP, AT_BQ>(bh / H, bh % H, (int)(blockIdx.x % tiles) * AT_BQ, ATTN_ARGS);         \
  }
ATTN(float, f32, float, f32, 16, 64) ATTN(float, f32, float, f32, 32, 128)
ATTN(float, f32, f16, f16, 16, 64) ATTN(float, f32, f16, f16, 32, 128)
ATTN(f16, f16, f16, f16, 16, 64) ATTN(f16, f16, f16, f16, 32, 128)
ATTN(f16, f16, float, f32, 16, 64) ATTN(f16, f16, float, f32, 32, 128)

#if __CUDA_ARCH__ >= 800
typedef unsigned int u32;
struct __align__(16) v16 { u32 x, y, z, w; };  // 8 halves (no vector_types header under NVRTC)
#define TC_LD (DP + 8)  // smem row pitch in halves: 16 B skew keeps ldmatrix conflict-free

__device__ __forceinline__ u32 smem_addr(const void* p) {
  u32 a;
  asm("{ .reg .u64 t; cvta.to.shared.u64 t, %1; cvt.u32.u64 %0, t; }" : "=r"(a) : "l"(p));
  return a;
}
// ldmatrix at a shared-space address: a lane's base plus a constant, which ptxas folds into the instruction
__device__ __forceinline__ void ldsm_x4(u32* r, u32 a) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];" : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(a));
}
__device__ __forceinline__ void ldsm_x4_t(u32* r, u32 a) {
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];" : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(a));
}
// the A fragments of 16 query rows from row r of a tile (pitch TC_LD)
template <int DP>
__device__ __forceinline__ void load_q_frags(u32 (*qf)[4], f16 (*Qs)[TC_LD], int r) {
  const int lane = threadIdx.x % 32;
  const u32 a = smem_addr(&Qs[r + (lane % 8) + ((lane / 8) % 2) * 8][(lane / 16) * 8]);
#pragma unroll
  for (int kc = 0; kc < DP / 16; ++kc) ldsm_x4(qf[kc], a + kc * 32);
}
// c += a (16x16, row) * b (16x8, col)
__device__ __forceinline__ void mma16816(float* c, const u32* a, u32 b0, u32 b1) {
  asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};"
               : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
               : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}
__device__ __forceinline__ u32 pack_h2(float lo, float hi) {
  u32 r;
  asm("cvt.rn.f16x2.f32 %0, %1, %2;" : "=r"(r) : "f"(hi), "f"(lo));
  return r;
}
// 16-byte moves apply when the columns are contiguous, 8-aligned and the base is 16-byte aligned
__device__ __forceinline__ bool vec_ok(const f16* p, i64 rs, i64 cs, int cols) {
  return cs == 1 && cols % 8 == 0 && rs % 8 == 0 && ((unsigned long long)p & 15) == 0;
}

__device__ __forceinline__ void cp_async16(u32 dst, const void* src, bool valid) {
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;" ::"r"(dst), "l"(src), "r"(valid ? 16 : 0));
}
__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;" ::: "memory"); }
// waits until every committed group of this thread has landed
__device__ __forceinline__ void cp_async_wait_all() { asm volatile("cp.async.wait_all;" ::: "memory"); }

// rows [r0, r0 + ROWS) x cols [0, DP) of the operand at p -> S (pitch TC_LD), zero outside n x cols; the
// 16-byte path is asynchronous (cp_async_wait_all before use)
template <int DP, int ROWS>
__device__ void tile_fill(f16 (*S)[TC_LD], const f16* p, int r0, int n, int cols, i64 rs, i64 cs) {
  const int tid = threadIdx.x;
  if (vec_ok(p, rs, cs, cols)) {  // thread tid moves 16 bytes at column c of rows tid / CH + j * RSTEP
    constexpr int CH = DP / 8, RSTEP = TC_THREADS / CH;
    static_assert(ROWS % RSTEP == 0, "whole rounds of 16-byte moves");
    const int rr = tid / CH, c = (tid % CH) * 8;
    const f16* src = p + (i64)(r0 + rr) * rs + c;
    const i64 step = RSTEP * rs;
    const u32 dst = smem_addr(&S[rr][c]);
#pragma unroll
    for (int j = 0; j < ROWS / RSTEP; ++j, src += step) {
      const bool in = r0 + rr + j * RSTEP < n && c < cols;
      cp_async16(dst + j * RSTEP * TC_LD * 2, in ? src : p, in);
    }
  } else if (rs == 1) {  // K^T: consecutive threads walk the keys (coalesced)
    for (int idx = tid; idx < ROWS * DP; idx += TC_THREADS) {
      const int r = idx % ROWS, c = idx / ROWS;
      S[r][c] = r0 + r < n && c < cols ? p[(i64)(r0 + r) + c * cs] : (f16)0;
    }
  } else {
    for (int idx = tid; idx < ROWS * DP; idx += TC_THREADS) {
      const int r = idx / DP, c = idx % DP;
      S[r][c] = r0 + r < n && c < cols ? p[(i64)(r0 + r) * rs + c * cs] : (f16)0;
    }
  }
}

__device__ __forceinline__ float ex2(float x) {  // 2^x; -inf -> 0
  float y;
  asm("ex2.approx.ftz.f32 %0, %1;" : "=f"(y) : "f"(x));
  return y;
}
// a key's score bias in log2 units: the key-only mask row mk (null: none) times log2(e); -inf past Sk
template <typename M>
__device__ __forceinline__ float key_bias(const M* mk, int key, int Sk, i64 mK) {
  return key >= Sk ? -__int_as_float(0x7f800000) : mk ? ld(mk, (i64)key * mK) * 1.4426950408889634f : 0.f;
}

// One warp's online-softmax step over KW keys (rows kb .. kb + KW of the K and V tiles in smem) for its 16 query
// rows, held as A fragments in qf: S = Q K^T in fp32; x = S * sl + bias(kt, r) in log2 units (kt: the key's row
// in the tile, r: 0 for row g, 1 for row g + 8); the running row max m and this thread's partial row sums l are
// rescaled; O += P V with P rounded to f16 (its C fragments of two adjacent 8-key tiles are the A fragment of one
// 16-key chunk, FlashAttention-2).
template <int DP, int KW, typename Bias>
__device__ __forceinline__ void attn_warp_step(const u32 (*qf)[4], f16 (*Ks)[TC_LD], f16 (*Vs)[TC_LD], int kb, int dch, int vch,
                                               float sl, const Bias& bias, float (*o)[4], float* m, float* l) {
  const int lane = threadIdx.x % 32, t4 = lane % 4;
  const float NEG_INF = -__int_as_float(0x7f800000);
  const u32 ka = smem_addr(&Ks[kb + (lane % 8) + (lane / 16) * 8][((lane / 8) % 2) * 8]);
  const u32 va = smem_addr(&Vs[kb + (lane % 8) + ((lane / 8) % 2) * 8][(lane / 16) * 8]);
  float s[KW / 8][4];
#pragma unroll
  for (int i = 0; i < KW / 8; ++i) s[i][0] = s[i][1] = s[i][2] = s[i][3] = 0.f;
#pragma unroll
  for (int kc = 0; kc < DP / 16; ++kc) {
    if (kc >= dch) break;
#pragma unroll
    for (int np = 0; np < KW / 16; ++np) {
      u32 bf[4];
      ldsm_x4(bf, ka + (np * 16 * TC_LD + kc * 16) * 2);
      mma16816(s[2 * np], qf[kc], bf[0], bf[1]);
      mma16816(s[2 * np + 1], qf[kc], bf[2], bf[3]);
    }
  }
  float mt[KW / 8][2];  // row maxima, reduced as a tree (short dependency chains)
#pragma unroll
  for (int n8 = 0; n8 < KW / 8; ++n8) {
#pragma unroll
    for (int e = 0; e < 4; ++e) s[n8][e] = fmaf(s[n8][e], sl, bias(kb + n8 * 8 + 2 * t4 + (e & 1), e / 2));
    mt[n8][0] = fmaxf(s[n8][0], s[n8][1]), mt[n8][1] = fmaxf(s[n8][2], s[n8][3]);
  }
#pragma unroll
  for (int w = KW / 16; w >= 1; w /= 2)
#pragma unroll
    for (int i = 0; i < w; ++i) mt[i][0] = fmaxf(mt[i][0], mt[i + w][0]), mt[i][1] = fmaxf(mt[i][1], mt[i + w][1]);
  float ms[2];  // the new row max, 0 while the row has seen only -inf (so that 2^(-inf - ms) = 0)
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    float mr = mt[0][r];
    mr = fmaxf(mr, __shfl_xor_sync(0xffffffffu, mr, 1));
    mr = fmaxf(mr, __shfl_xor_sync(0xffffffffu, mr, 2));
    const float mn = fmaxf(m[r], mr);
    ms[r] = mn == NEG_INF ? 0.f : mn;
    const float corr = ex2(m[r] - ms[r]);
    l[r] *= corr;
#pragma unroll
    for (int i = 0; i < DP / 8; ++i) o[i][2 * r] *= corr, o[i][2 * r + 1] *= corr;
    m[r] = mn;
  }
  float ps[KW / 8][2];  // row sums of P, a tree as well
#pragma unroll
  for (int n8 = 0; n8 < KW / 8; ++n8) {
#pragma unroll
    for (int e = 0; e < 4; ++e) s[n8][e] = ex2(s[n8][e] - ms[e / 2]);
    ps[n8][0] = s[n8][0] + s[n8][1], ps[n8][1] = s[n8][2] + s[n8][3];
  }
#pragma unroll
  for (int w = KW / 16; w >= 1; w /= 2)
#pragma unroll
    for (int i = 0; i < w; ++i) ps[i][0] += ps[i + w][0], ps[i][1] += ps[i + w][1];
  l[0] += ps[0][0], l[1] += ps[0][1];
#pragma unroll
  for (int kc = 0; kc < KW / 16; ++kc) {
    const u32 pa[4] = {pack_h2(s[2 * kc][0], s[2 * kc][1]), pack_h2(s[2 * kc][2], s[2 * kc][3]),
                       pack_h2(s[2 * kc + 1][0], s[2 * kc + 1][1]), pack_h2(s[2 * kc + 1][2], s[2 * kc + 1][3])};
#pragma unroll
    for (int dp = 0; dp < DP / 16; ++dp) {
      if (dp >= vch) break;
      u32 bf[4];
      ldsm_x4_t(bf, va + (kc * 16 * TC_LD + dp * 16) * 2);
      mma16816(o[2 * dp], pa, bf[0], bf[1]);
      mma16816(o[2 * dp + 1], pa, bf[2], bf[3]);
    }
  }
}

// Big-grid kernel, persistent: a block walks the work items (b, h, tile of TC_BQ queries) blockIdx.x,
// blockIdx.x + gridDim.x, ... (grid: a few blocks per SM) and each item's tiles of BK keys, as one stream of
// steps. With two stages (DP 64) the next step's K/V tile, and the next item's Q tile, arrive by cp.async while
// this step computes, so loads and math overlap across items too, instead of every block of a wave loading, then
// computing, at the same time. One stage at DP 128 (48 KB of static shared memory): the next step is fetched after
// this one. A key-only mask (mQ == 0, e.g. a padding mask [B, 1, 1, Sk]) enters each tile's smem once, as a bias.
// shared memory of the big-grid kernel: K/V in ST stages of BK keys (two of 64 keys at DP 64, one of 32 at DP 128)
template <int DP>
struct MmaSmem {
  static constexpr int ST = DP <= 64 ? 2 : 1, BK = DP <= 64 ? 64 : 32;
  __align__(16) f16 Ks[ST][BK][TC_LD];
  __align__(16) f16 Vs[ST][BK][TC_LD];
  __align__(16) f16 Qs[TC_BQ][TC_LD];
  float Mk[ST][BK];  // the tile's key bias (key_bias) unless the mask varies by query
};

template <typename M, int DP, bool GM>
__device__ void attn_mma_impl(MmaSmem<DP>& sm, int B, const f16* q, const f16* k, const f16* v, const M* mask, f16* y, int H, int Sq, int Sk, int D,
                              int Dv, float scale, i64 qB, i64 qH, i64 qS, i64 kB, i64 kH, i64 kS, i64 kD, i64 vB, i64 vH, i64 vS,
                              i64 yB, i64 yH, i64 yS, i64 mB, i64 mH, i64 mQ, i64 mK) {
  typedef MmaSmem<DP> S;
  constexpr int ST = S::ST, BK = S::BK;
  static_assert(BK <= TC_THREADS, "one thread per key reads the mask");
  const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32, g = lane / 4, t4 = lane % 4;
  const float NEG_INF = -__int_as_float(0x7f800000);
  const float LOG2E = 1.4426950408889634f;
  const int qt = (Sq + TC_BQ - 1) / TC_BQ, nt = (Sk + BK - 1) / BK;
  const float sl = scale * LOG2E;
  const int dch = (D + 15) / 16, vch = (Dv + 15) / 16;
  // an item's batch index b * H + h and first query, set when its first tile is fetched (fi) and when its
  // compute starts (cur); the divisions happen once per item
  struct Item { int bh, q0; };
  auto item = [&](int w) { return Item{w / qt, (w % qt) * TC_BQ}; };
  // step (fi, t) -> stage st, with the item's Q tile when t == 0; returns the key bias of thread tid < BK, stored
  // into Mk[st] once the step before has been computed
  auto fetch = [&](Item it, int t, int st) {
    const i64 b = it.bh / H, h = it.bh % H;
    if (t == 0) tile_fill<DP, TC_BQ>(sm.Qs, q + b * qB + h * qH, it.q0, Sq, D, qS, 1);
    tile_fill<DP, BK>(sm.Ks[st], k + b * kB + h * kH, t * BK, Sk, D, kS, kD);
    tile_fill<DP, BK>(sm.Vs[st], v + b * vB + h * vH, t * BK, Sk, Dv, vS, 1);
    cp_async_commit();
    return GM || tid >= BK ? 0.f : key_bias(mask ? mask + b * mB + h * mH : (const M*)0, t * BK + tid, Sk, mK);
  };
  int w = blockIdx.x, t = 0, st = 0;
  Item fi = item(w), cur = fi;
  const float b0 = fetch(fi, 0, 0);
  if (tid < BK) sm.Mk[0][tid] = b0;
  u32 qf[DP / 16][4];
  float o[DP / 8][4], m[2], l[2];
  for (;;) {
    cp_async_wait_all();
    __syncthreads();  // this step's tiles are in; every warp is done with the step before
    if (t == 0) {
      load_q_frags<DP>(qf, sm.Qs, warp * 16);
#pragma unroll
      for (int i = 0; i < DP / 8; ++i) o[i][0] = o[i][1] = o[i][2] = o[i][3] = 0.f;
      m[0] = m[1] = NEG_INF, l[0] = l[1] = 0.f;
      cur = fi;
      __syncthreads();  // Q is in registers: Qs takes the next item's tile
    }
    const bool last = t + 1 == nt;
    const int wn = last ? w + (int)gridDim.x : w, tn = last ? 0 : t + 1;
    const bool more = wn < B * H * qt;  // items: < 2^31, the grid's size
    if (more && last) fi = item(wn);
    float bn = 0.f;
    if (ST == 2 && more) bn = fetch(fi, tn, st ^ 1);
    const int k0 = t * BK, s0 = st;
    auto bias = [&](int kt, int r) {
      if (!GM) return sm.Mk[s0][kt];
      const int key = k0 + kt, row = min(cur.q0 + warp * 16 + g + 8 * r, Sq - 1);
      const i64 b = cur.bh / H, h = cur.bh % H;
      return key >= Sk ? NEG_INF : ld(mask, b * mB + h * mH + row * mQ + key * mK) * LOG2E;
    };
    attn_warp_step<DP, BK>(qf, sm.Ks[st], sm.Vs[st], 0, dch, vch, sl, bias, o, m, l);
    if (last) {  // normalize and store this warp's 16 rows of the item
      float inv[2];
#pragma unroll
      for (int r = 0; r < 2; ++r) {
        l[r] += __shfl_xor_sync(0xffffffffu, l[r], 1);
        l[r] += __shfl_xor_sync(0xffffffffu, l[r], 2);
        inv[r] = 1.f / l[r];  // a row masked everywhere with -inf gives 0 * inf = NaN, as the reference
      }
      f16* yp = y + (i64)(cur.bh / H) * yB + (i64)(cur.bh % H) * yH + 2 * t4;
      const bool pairs = Dv % 2 == 0 && yS % 2 == 0 && ((unsigned long long)yp & 3) == 0;  // (c, c + 1) as one u32
#pragma unroll
      for (int r = 0; r < 2; ++r) {
        const int row = cur.q0 + warp * 16 + g + 8 * r;
        if (row >= Sq) continue;
        f16* p = yp + (i64)row * yS;
        if (pairs && Dv == DP) {
#pragma unroll
          for (int i = 0; i < DP / 8; ++i) *(u32*)(p + i * 8) = pack_h2(o[i][2 * r] * inv[r], o[i][2 * r + 1] * inv[r]);
        } else {
#pragma unroll
          for (int i = 0; i < DP / 8; ++i) {
            const int c = i * 8 + 2 * t4;
            const float a = o[i][2 * r] * inv[r], bq = o[i][2 * r + 1] * inv[r];
            if (pairs && c < Dv) {
              *(u32*)(p + i * 8) = pack_h2(a, bq);
            } else {
              if (c < Dv) p[i * 8] = f2h(a);
              if (c + 1 < Dv) p[i * 8 + 1] = f2h(bq);
            }
          }
        }
      }
    }
    if (!more) break;
    if (ST == 2) {
      if (tid < BK) sm.Mk[st ^ 1][tid] = bn;
      st ^= 1;
    } else {
      __syncthreads();  // every warp is done with the stage
      bn = fetch(fi, tn, 0);
      if (tid < BK) sm.Mk[0][tid] = bn;
    }
    w = wn, t = tn;
  }
}

// Small-grid variant (few (batch, head) pairs, e.g. BERT at batch 1: B * H * ceil(Sq / 64) well under the SM
// count): SP_BQ = 16 queries per 128-thread block, the 4 warps split the keys (flash-decoding inside the block).
// K/V arrive in tiles of SP_KT(DP) keys (128 for DP 64, 64 for DP 128: one tile, one memory round trip at
// S <= 128), by cp.async with the Q tile; warp w takes keys [w * KT / 4, (w + 1) * KT / 4) of each tile with its
// own online softmax; the 4 partial (max, sum, O) are combined through smem (aliasing K/V) at the end.

template <typename M, int DP>
__device__ void attn_split_impl(i64 b, i64 h, int q0, const f16* q, const f16* k, const f16* v, const M* mask, f16* y, int Sq, int Sk,
                                int D, int Dv, float scale, i64 qB, i64 qH, i64 qS, i64 kB, i64 kH, i64 kS, i64 kD, i64 vB, i64 vH,
                                i64 vS, i64 yB, i64 yH, i64 yS, i64 mB, i64 mH, i64 mQ, i64 mK) {
  constexpr int KT = SP_KT(DP), KW = KT / 4, NW = TC_THREADS / 32, OP = DP + 8;  // OP: fp32 pitch of the combine buffer
  static_assert(NW * SP_BQ * OP * 4 <= 2 * KT * TC_LD * 2, "the combine buffer fits in K/V");
  static_assert(KT <= TC_THREADS, "one thread per key reads the mask");
  __shared__ __align__(16) f16 KV[2 * KT][TC_LD];  // K rows [0, KT), V rows [KT, 2 KT); then the fp32 partial O
  __shared__ __align__(16) f16 Qs[SP_BQ][TC_LD];
  __shared__ float Ms[NW][SP_BQ], Ls[NW][SP_BQ];
  __shared__ float Mk[KT];  // the tile's key bias (key_bias) unless the mask varies by query
  f16(*Ks)[TC_LD] = KV;
  f16(*Vs)[TC_LD] = KV + KT;
  const int tid = threadIdx.x, warp = tid / 32, lane = tid % 32, g = lane / 4, t4 = lane % 4;
  const float NEG_INF = -__int_as_float(0x7f800000);
  const float LOG2E = 1.4426950408889634f;
  const f16* qp = q + b * qB + h * qH;
  const f16* kp = k + b * kB + h * kH;
  const f16* vp = v + b * vB + h * vH;
  tile_fill<DP, SP_BQ>(Qs, qp, q0, Sq, D, qS, 1);
  const int qa = q0 + g, qb = qa + 8;
  const bool gm = mask && mQ != 0;  // a mask that varies by query is read per score
  const M* mk = mask ? mask + b * mB + h * mH : 0;
  const M* ma = mask ? mk + (i64)(qa < Sq ? qa : 0) * mQ : 0;
  const M* mb = mask ? mk + (i64)(qb < Sq ? qb : 0) * mQ : 0;
  float o[DP / 8][4];
#pragma unroll
  for (int i = 0; i < DP / 8; ++i) o[i][0] = o[i][1] = o[i][2] = o[i][3] = 0.f;
  float m[2] = {NEG_INF, NEG_INF}, l[2] = {0.f, 0.f};
  const float sl = scale * LOG2E;
  const int dch = (D + 15) / 16, vch = (Dv + 15) / 16;
  const int kb = warp * KW;  // this warp's keys within a tile
  u32 qf[DP / 16][4];
  for (int k0 = 0; k0 < Sk; k0 += KT) {
    __syncthreads();  // the previous tile is consumed
    tile_fill<DP, KT>(Ks, kp, k0, Sk, D, kS, kD);
    tile_fill<DP, KT>(Vs, vp, k0, Sk, Dv, vS, 1);
    if (!gm && tid < KT) Mk[tid] = key_bias(mk, k0 + tid, Sk, mK);
    cp_async_wait_all();
    __syncthreads();
    if (k0 == 0) load_q_frags<DP>(qf, Qs, 0);
    if (k0 + kb >= Sk) continue;  // no keys for this warp in this tile
    auto bias = [&](int kt, int r) {
      if (!gm) return Mk[kt];
      const int key = k0 + kt;
      return key >= Sk ? NEG_INF : ld(r ? mb : ma, (i64)key * mK) * LOG2E;
    };
    attn_warp_step<DP, KW>(qf, Ks, Vs, kb, dch, vch, sl, bias, o, m, l);
  }
  // combine: each warp's unnormalized O, row max m (log2 units) and row sum l -> smem; then
  // y = sum_w 2^(m_w - M) O_w / sum_w 2^(m_w - M) l_w with M = max_w m_w
#pragma unroll
  for (int r = 0; r < 2; ++r) {
    l[r] += __shfl_xor_sync(0xffffffffu, l[r], 1);
    l[r] += __shfl_xor_sync(0xffffffffu, l[r], 2);
  }
  __syncthreads();  // every warp is done with K/V
  float(*Os)[SP_BQ][OP] = reinterpret_cast<float(*)[SP_BQ][OP]>(&KV[0][0]);
  if (t4 == 0) Ms[warp][g] = m[0], Ms[warp][g + 8] = m[1], Ls[warp][g] = l[0], Ls[warp][g + 8] = l[1];
#pragma unroll
  for (int i = 0; i < DP / 8; ++i) {
    const int c = i * 8 + 2 * t4;
    float2 lo, hi;
    lo.x = o[i][0], lo.y = o[i][1], hi.x = o[i][2], hi.y = o[i][3];
    *(float2*)&Os[warp][g][c] = lo;
    *(float2*)&Os[warp][g + 8][c] = hi;
  }
  __syncthreads();
  constexpr int TPR = TC_THREADS / SP_BQ, CPT = DP / TPR;  // threads per row; columns per thread (8 or 16)
  const int r = tid / TPR, c0 = (tid % TPR) * CPT;
  if (q0 + r >= Sq) return;
  float mx = NEG_INF;
#pragma unroll
  for (int w = 0; w < NW; ++w) mx = fmaxf(mx, Ms[w][r]);
  float wt[NW], lt = 0.f;
#pragma unroll
  for (int w = 0; w < NW; ++w) wt[w] = Ms[w][r] == NEG_INF ? 0.f : exp2f(Ms[w][r] - mx), lt = fmaf(wt[w], Ls[w][r], lt);
  const float inv = 1.f / lt;  // a row masked everywhere with -inf gives 0 * inf = NaN, as the reference
  f16* yp = y + b * yB + h * yH + (i64)(q0 + r) * yS;
  const bool vec = vec_ok(y + b * yB + h * yH, yS, 1, Dv);
#pragma unroll
  for (int c8 = 0; c8 < CPT; c8 += 8) {
    float acc[8];
#pragma unroll
    for (int e = 0; e < 8; ++e) acc[e] = 0.f;
#pragma unroll
    for (int w = 0; w < NW; ++w) {
      const float4 a = *(const float4*)&Os[w][r][c0 + c8], bq = *(const float4*)&Os[w][r][c0 + c8 + 4];
      acc[0] = fmaf(wt[w], a.x, acc[0]), acc[1] = fmaf(wt[w], a.y, acc[1]), acc[2] = fmaf(wt[w], a.z, acc[2]), acc[3] = fmaf(wt[w], a.w, acc[3]);
      acc[4] = fmaf(wt[w], bq.x, acc[4]), acc[5] = fmaf(wt[w], bq.y, acc[5]), acc[6] = fmaf(wt[w], bq.z, acc[6]), acc[7] = fmaf(wt[w], bq.w, acc[7]);
    }
    const int c = c0 + c8;
    if (vec && c < Dv) {
      const v16 out = {pack_h2(acc[0] * inv, acc[1] * inv), pack_h2(acc[2] * inv, acc[3] * inv), pack_h2(acc[4] * inv, acc[5] * inv),
                       pack_h2(acc[6] * inv, acc[7] * inv)};
      *(v16*)(yp + c) = out;
    } else if (!vec) {
#pragma unroll
      for (int e = 0; e < 8; ++e)
        if (c + e < Dv) st(yp, c + e, acc[e] * inv);
    }
  }
}
#endif

// attn_mma<DMAX><Q>_f16_m<mask dtype>: the big-grid kernel; the ATTN arguments plus B, grid up to B * H * ceil(Sq / 64)
// blocks (each walks items blockIdx.x + i * gridDim.x). Q = q: the mask varies by query (mQ != 0) and is read per
// score (its own kernel: the per-score reads cost registers the common case spills without). Before sm_80 the FMA
// code on the same items.
#define ATTN_MMA(M, MN, DN, Q, GM)                                                                                        \
  extern "C" __global__ void __launch_bounds__(TC_THREADS, DN == 64 ? 4 : 2) attn_mma##DN##Q##_f16_m##MN(ATTN_PARAMS(f16, M), int B) { \
    PDL_ENTER();                                                                                                         \
    ATTN_MMA_BODY(M, DN, GM)                                                                                             \
  }
#if __CUDA_ARCH__ >= 800
#define ATTN_MMA_BODY(M, DN, GM)                                                                                          \
  __shared__ MmaSmem<DN> sm;                                                                                             \
  attn_mma_impl<M, DN, GM>(sm, B, ATTN_ARGS);
#else
#define ATTN_MMA_BODY(M, DN, GM)                                                                                          \
  const int tiles = (Sq + TC_BQ - 1) / TC_BQ;                                                                            \
  for (i64 w = blockIdx.x; w < (i64)B * H * tiles; w += gridDim.x) {                                                     \
    const i64 bh = w / tiles;                                                                                            \
    for (int half = 0; half < TC_BQ; half += TC_THREADS / AT_TPR)                                                        \
      attn_impl<f16, M, DN / AT_TPR, TC_THREADS / AT_TPR>(bh / H, bh % H, (int)(w % tiles) * TC_BQ + half, ATTN_ARGS);     \
  }
#endif
ATTN_MMA(f16, f16, 64, , false) ATTN_MMA(f16, f16, 128, , false) ATTN_MMA(f16, f16, 64, q, true) ATTN_MMA(f16, f16, 128, q, true)
ATTN_MMA(float, f32, 64, , false) ATTN_MMA(float, f32, 128, , false) ATTN_MMA(float, f32, 64, q, true) ATTN_MMA(float, f32, 128, q, true)

// attn_mmas<DMAX>_f16_m<mask dtype>: the small-grid variant, grid B * H * ceil(Sq / 16); same arguments
// (before sm_80: the FMA code on the block's 16 queries)
#define ATTN_SPLIT(M, MN, DN)                                                                                            \
  extern "C" __global__ void __launch_bounds__(TC_THREADS) attn_mmas##DN##_f16_m##MN(                                   \
      const f16* q, const f16* k, const f16* v, const M* mask, f16* y, int H, int Sq, int Sk, int D, int Dv, float scale, \
      i64 qB, i64 qH, i64 qS, i64 kB, i64 kH, i64 kS, i64 kD, i64 vB, i64 vH, i64 vS, i64 yB, i64 yH, i64 yS, i64 mB,    \
      i64 mH, i64 mQ, i64 mK) { PDL_ENTER();                                                                                          \
    const int tiles = (Sq + SP_BQ - 1) / SP_BQ;                                                                          \
    const i64 bh = blockIdx.x / tiles;                                                                                   \
    const int q0 = (int)(blockIdx.x % tiles) * SP_BQ;                                                                    \
    ATTN_SPLIT_BODY(M, DN)                                                                                               \
  }
#if __CUDA_ARCH__ >= 800
#define ATTN_SPLIT_BODY(M, DN) \
  attn_split_impl<M, DN>(bh / H, bh % H, q0, q, k, v, mask, y, Sq, Sk, D, Dv, scale, qB, qH, qS, kB, kH, kS, kD, vB, vH, vS, yB, yH, yS, mB, mH, mQ, mK);
#else
#define ATTN_SPLIT_BODY(M, DN)                                                                                            \
  attn_impl<f16, M, DN / AT_TPR, TC_THREADS / AT_TPR>(bh / H, bh % H, q0, q, k, v, mask, y, H, min(Sq, q0 + SP_BQ), Sk, D, Dv, scale, \
                                                      qB, qH, qS, kB, kH, kS, kD, vB, vH, vS, yB, yH, yS, mB, mH, mQ, mK);
#endif
ATTN_SPLIT(f16, f16, 64) ATTN_SPLIT(f16, f16, 128)
ATTN_SPLIT(float, f32, 64) ATTN_SPLIT(float, f32, 128)
