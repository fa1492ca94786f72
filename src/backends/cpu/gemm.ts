/**
 * A blocked, packed float32 GEMM in plain TypeScript (the CPU backend's workhorse for Conv/MatMul/Gemm).
 *
 *   C[M x N] = alpha * op(A)[M x K] * op(B)[K x N] + beta * C      (row-major, with leading dimensions)
 *
 * Layout follows the classic Goto/BLIS scheme: B is packed per (KC x NC) block into 8-wide column
 * panels, A per (MC x KC) block into 4-high row panels (alpha folded in), and a 4x8 register-tiled
 * micro-kernel accumulates 32 values in locals. Panels are zero-padded, so the kernel always computes a
 * full tile and only the write-back clips edges. Scratch buffers are reused between calls.
 */

import { simdKernel, type SimdKernel } from './gemm-simd.js';

const MR = 4;
const NR = 8;
const KC = 256;
const MC = 64;
const NC = 2048;

let packA = new Float32Array(MC * KC);
let packB = new Float32Array(NC * KC);

/** A matrix operand: element (r, c) of op(X) lives at off + r * rs + c * cs. */
interface Operand {
  data: Float32Array;
  off: number;
  rs: number;
  cs: number;
}

/**
 * Row-major SGEMM. `transA`: A is stored K x M (lda = its row length); `transB`: B is stored N x K.
 * `beta` 0 ignores C's previous contents (NaNs included).
 */
export function sgemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: Float32Array, aOff: number, lda: number,
  B: Float32Array, bOff: number, ldb: number,
  beta: number, C: Float32Array, cOff: number, ldc: number,
): void {
  if (M <= 0 || N <= 0) return;
  if (beta !== 1) {
    for (let i = 0; i < M; i++) {
      const row = cOff + i * ldc;
      if (beta === 0) C.fill(0, row, row + N);
      else for (let j = 0; j < N; j++) C[row + j] *= beta;
    }
  }
  if (K <= 0 || alpha === 0) return;
  const a: Operand = transA ? { data: A, off: aOff, rs: 1, cs: lda } : { data: A, off: aOff, rs: lda, cs: 1 };
  const b: Operand = transB ? { data: B, off: bOff, rs: 1, cs: ldb } : { data: B, off: bOff, rs: ldb, cs: 1 };
  gemmStrided(M, N, K, alpha, a, b, C, cOff, ldc);
}

function gemmStrided(M: number, N: number, K: number, alpha: number, a: Operand, b: Operand, C: Float32Array, cOff: number, ldc: number): void {
  const simd = simdKernel();
  if (simd && M * N * K >= 4096) {
    gemmSimd(simd, M, N, K, alpha, a, b, C, cOff, ldc);
    return;
  }
  for (let n0 = 0; n0 < N; n0 += NC) {
    const nc = Math.min(NC, N - n0);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = Math.min(KC, K - k0);
      const bp = packPanelsB(b, k0, kc, n0, nc);
      for (let m0 = 0; m0 < M; m0 += MC) {
        const mc = Math.min(MC, M - m0);
        const ap = packPanelsA(a, m0, mc, k0, kc, alpha);
        macroKernel(mc, nc, kc, ap, bp, C, cOff + m0 * ldc + n0, ldc);
      }
    }
  }
}

/** Row block of the SIMD path: C rows accumulated in wasm memory per pass. */
const MB = 1024;
const A_BASE = 0;
const B_BASE = MC * KC * 4;
const C_BASE = B_BASE + NC * KC * 4;
const SIMD_BYTES = C_BASE + MB * NC * 4;

/** SIMD path: panels are packed straight into wasm memory; C accumulates there and is added back once. */
function gemmSimd(simd: SimdKernel, M: number, N: number, K: number, alpha: number, a: Operand, b: Operand, C: Float32Array, cOff: number, ldc: number): void {
  const mem = simd.memory;
  if (mem.buffer.byteLength < SIMD_BYTES) mem.grow(Math.ceil((SIMD_BYTES - mem.buffer.byteLength) / 65536));
  const heap = new Float32Array(mem.buffer);
  const micro = simd.micro;
  const apView = heap.subarray(A_BASE / 4, B_BASE / 4);
  const bpView = heap.subarray(B_BASE / 4, C_BASE / 4);
  for (let mb = 0; mb < M; mb += MB) {
    const mRows = Math.min(MB, M - mb);
    for (let n0 = 0; n0 < N; n0 += NC) {
      const nc = Math.min(NC, N - n0);
      const nPanels = Math.ceil(nc / NR);
      const cPitch = nPanels * NR;
      const mPad = Math.ceil(mRows / MR) * MR;
      heap.fill(0, C_BASE / 4, C_BASE / 4 + mPad * cPitch);
      for (let k0 = 0; k0 < K; k0 += KC) {
        const kc = Math.min(KC, K - k0);
        packPanelsB(b, k0, kc, n0, nc, bpView);
        for (let m0 = 0; m0 < mRows; m0 += MC) {
          const mc = Math.min(MC, mRows - m0);
          packPanelsA(a, mb + m0, mc, k0, kc, alpha, apView);
          const mPanels = Math.ceil(mc / MR);
          for (let q = 0; q < nPanels; q++) {
            const bAddr = B_BASE + q * kc * NR * 4;
            let cAddr = C_BASE + (m0 * cPitch + q * NR) * 4;
            for (let p = 0; p < mPanels; p++, cAddr += MR * cPitch * 4) micro(kc, A_BASE + p * kc * MR * 4, bAddr, cAddr, cPitch * 4);
          }
        }
      }
      for (let i = 0; i < mRows; i++) {
        const src = C_BASE / 4 + i * cPitch;
        const dst = cOff + (mb + i) * ldc + n0;
        for (let j = 0; j < nc; j++) C[dst + j] += heap[src + j];
      }
    }
  }
}

/** Packs op(B)[k0:k0+kc, n0:n0+nc] into NR-wide panels: bp[(p * kc + k) * NR + j]. */
function packPanelsB(b: Operand, k0: number, kc: number, n0: number, nc: number, into?: Float32Array): Float32Array {
  const panels = Math.ceil(nc / NR);
  const need = panels * kc * NR;
  if (!into && packB.length < need) packB = new Float32Array(need);
  const bp = into ?? packB;
  const src = b.data;
  const rs = b.rs;
  const cs = b.cs;
  for (let p = 0; p < panels; p++) {
    const j0 = n0 + p * NR;
    const w = Math.min(NR, n0 + nc - j0);
    let o = p * kc * NR;
    if (cs === 1 && w === NR) {
      for (let k = 0; k < kc; k++, o += NR) {
        const s = b.off + (k0 + k) * rs + j0;
        bp[o] = src[s]; bp[o + 1] = src[s + 1]; bp[o + 2] = src[s + 2]; bp[o + 3] = src[s + 3];
        bp[o + 4] = src[s + 4]; bp[o + 5] = src[s + 5]; bp[o + 6] = src[s + 6]; bp[o + 7] = src[s + 7];
      }
    } else {
      for (let k = 0; k < kc; k++, o += NR) {
        const s = b.off + (k0 + k) * rs + j0 * cs;
        for (let j = 0; j < w; j++) bp[o + j] = src[s + j * cs];
        for (let j = w; j < NR; j++) bp[o + j] = 0;
      }
    }
  }
  return bp;
}

/** Packs alpha * op(A)[m0:m0+mc, k0:k0+kc] into MR-high panels: ap[(p * kc + k) * MR + i]. */
function packPanelsA(a: Operand, m0: number, mc: number, k0: number, kc: number, alpha: number, into?: Float32Array): Float32Array {
  const panels = Math.ceil(mc / MR);
  const need = panels * kc * MR;
  if (!into && packA.length < need) packA = new Float32Array(need);
  const ap = into ?? packA;
  const src = a.data;
  for (let p = 0; p < panels; p++) {
    const i0 = m0 + p * MR;
    const h = Math.min(MR, m0 + mc - i0);
    const base = p * kc * MR;
    for (let i = 0; i < MR; i++) {
      let o = base + i;
      if (i >= h) {
        for (let k = 0; k < kc; k++, o += MR) ap[o] = 0;
        continue;
      }
      let s = a.off + (i0 + i) * a.rs + k0 * a.cs;
      const cs = a.cs;
      if (alpha === 1) for (let k = 0; k < kc; k++, o += MR, s += cs) ap[o] = src[s];
      else for (let k = 0; k < kc; k++, o += MR, s += cs) ap[o] = alpha * src[s];
    }
  }
  return ap;
}

function macroKernel(mc: number, nc: number, kc: number, ap: Float32Array, bp: Float32Array, C: Float32Array, cOff: number, ldc: number): void {
  const mPanels = Math.ceil(mc / MR);
  const nPanels = Math.ceil(nc / NR);
  for (let q = 0; q < nPanels; q++) {
    const w = Math.min(NR, nc - q * NR);
    for (let p = 0; p < mPanels; p++) {
      const h = Math.min(MR, mc - p * MR);
      micro(kc, ap, p * kc * MR, bp, q * kc * NR, C, cOff + p * MR * ldc + q * NR, ldc, h, w);
    }
  }
}

/** 4x8 register tile: C[h x w] += Ap(4 x kc) * Bp(kc x 8). */
function micro(kc: number, ap: Float32Array, ao: number, bp: Float32Array, bo: number, C: Float32Array, co: number, ldc: number, h: number, w: number): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0, c04 = 0, c05 = 0, c06 = 0, c07 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0, c14 = 0, c15 = 0, c16 = 0, c17 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0, c24 = 0, c25 = 0, c26 = 0, c27 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0, c34 = 0, c35 = 0, c36 = 0, c37 = 0;
  for (let k = 0; k < kc; k++, ao += 4, bo += 8) {
    const a0 = ap[ao], a1 = ap[ao + 1], a2 = ap[ao + 2], a3 = ap[ao + 3];
    const b0 = bp[bo], b1 = bp[bo + 1], b2 = bp[bo + 2], b3 = bp[bo + 3];
    const b4 = bp[bo + 4], b5 = bp[bo + 5], b6 = bp[bo + 6], b7 = bp[bo + 7];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3; c04 += a0 * b4; c05 += a0 * b5; c06 += a0 * b6; c07 += a0 * b7;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3; c14 += a1 * b4; c15 += a1 * b5; c16 += a1 * b6; c17 += a1 * b7;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3; c24 += a2 * b4; c25 += a2 * b5; c26 += a2 * b6; c27 += a2 * b7;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3; c34 += a3 * b4; c35 += a3 * b5; c36 += a3 * b6; c37 += a3 * b7;
  }
  if (h === 4 && w === 8) {
    let o = co;
    C[o] += c00; C[o + 1] += c01; C[o + 2] += c02; C[o + 3] += c03; C[o + 4] += c04; C[o + 5] += c05; C[o + 6] += c06; C[o + 7] += c07;
    o += ldc;
    C[o] += c10; C[o + 1] += c11; C[o + 2] += c12; C[o + 3] += c13; C[o + 4] += c14; C[o + 5] += c15; C[o + 6] += c16; C[o + 7] += c17;
    o += ldc;
    C[o] += c20; C[o + 1] += c21; C[o + 2] += c22; C[o + 3] += c23; C[o + 4] += c24; C[o + 5] += c25; C[o + 6] += c26; C[o + 7] += c27;
    o += ldc;
    C[o] += c30; C[o + 1] += c31; C[o + 2] += c32; C[o + 3] += c33; C[o + 4] += c34; C[o + 5] += c35; C[o + 6] += c36; C[o + 7] += c37;
    return;
  }
  const t = tile;
  t[0] = c00; t[1] = c01; t[2] = c02; t[3] = c03; t[4] = c04; t[5] = c05; t[6] = c06; t[7] = c07;
  t[8] = c10; t[9] = c11; t[10] = c12; t[11] = c13; t[12] = c14; t[13] = c15; t[14] = c16; t[15] = c17;
  t[16] = c20; t[17] = c21; t[18] = c22; t[19] = c23; t[20] = c24; t[21] = c25; t[22] = c26; t[23] = c27;
  t[24] = c30; t[25] = c31; t[26] = c32; t[27] = c33; t[28] = c34; t[29] = c35; t[30] = c36; t[31] = c37;
  for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) C[co + i * ldc + j] += t[i * 8 + j];
}

const tile = new Float64Array(32);

/** Float64 reference GEMM for non-float32 dtypes (and small cases): same contract as sgemm. */
export function dgemm(
  transA: boolean, transB: boolean, M: number, N: number, K: number, alpha: number,
  A: ArrayLike<number>, aOff: number, lda: number,
  B: ArrayLike<number>, bOff: number, ldb: number,
  beta: number, C: Float64Array | Float32Array, cOff: number, ldc: number,
): void {
  const ars = transA ? 1 : lda, acs = transA ? lda : 1;
  const brs = transB ? 1 : ldb, bcs = transB ? ldb : 1;
  const acc = new Float64Array(N);
  for (let i = 0; i < M; i++) {
    acc.fill(0);
    for (let k = 0; k < K; k++) {
      const av = A[aOff + i * ars + k * acs];
      const bs = bOff + k * brs;
      for (let j = 0; j < N; j++) acc[j] += av * B[bs + j * bcs];
    }
    const row = cOff + i * ldc;
    for (let j = 0; j < N; j++) C[row + j] = alpha * acc[j] + (beta === 0 ? 0 : beta * C[row + j]);
  }
}
