/** CPU kernels for the 'matmul' family: MatMul and Gemm (over the shared SGEMM), Einsum, Det. */
import type { KernelContext, KernelTable } from '../kernel.js';
import { allocTensor, type Tensor } from '../../../tensor/tensor.js';
import { matmulShape } from '../../../ops/matmul.js';
import { broadcastIndex, readNumbers, writeNumbers } from '../util.js';
import { dgemm, sgemm } from '../gemm.js';
import { prod, toF32 } from './nn-util.js';
import { einsum } from './matmul-einsum.js';

/** float32 compute for float types; float64 for float64 and integers (exact up to 2^53). */
const useF32 = (t: Tensor): boolean => t.dtype === 'float32' || t.dtype === 'float16' || t.dtype === 'bfloat16';

/** Batched MatMul with numpy broadcasting; exported for attention. */
export function matmulTensors(A: Tensor, B: Tensor, where: string): Tensor {
  const outDims = matmulShape(A.dims, B.dims, where) as number[];
  const a2 = A.dims.length === 1 ? [1, A.dims[0]] : [...A.dims];
  const b2 = B.dims.length === 1 ? [B.dims[0], 1] : [...B.dims];
  const M = a2[a2.length - 2], K = a2[a2.length - 1], N = b2[b2.length - 1];
  const batch = outDims.slice(0, outDims.length - (A.dims.length > 1 ? 1 : 0) - (B.dims.length > 1 ? 1 : 0));
  const Y = allocTensor(A.dtype, outDims);
  const nb = prod(batch);
  const ia = broadcastIndex(a2.slice(0, -2), batch);
  const ib = broadcastIndex(b2.slice(0, -2), batch);
  const f32 = useF32(A);
  const a = f32 ? toF32(A) : Float64Array.from(readNumbers(A));
  const b = f32 ? toF32(B) : Float64Array.from(readNumbers(B));
  const y = A.dtype === 'float32' ? (Y.data as Float32Array) : f32 ? new Float32Array(Y.data.length) : new Float64Array(Y.data.length);
  for (let i = 0; i < nb; i++) {
    const ao = (ia ? ia[i] : i) * M * K;
    const bo = (ib ? ib[i] : i) * K * N;
    if (f32) sgemm(false, false, M, N, K, 1, a as Float32Array, ao, K, b as Float32Array, bo, N, 0, y as Float32Array, i * M * N, N);
    else dgemm(false, false, M, N, K, 1, a, ao, K, b, bo, N, 0, y, i * M * N, N);
  }
  if (Y.data !== y) writeNumbers(Y, y);
  return Y;
}

function matmul(ctx: KernelContext): Tensor[] {
  return [matmulTensors(ctx.input(0), ctx.input(1), `node '${ctx.node.name}' (MatMul)`)];
}

function gemm(ctx: KernelContext): Tensor[] {
  const A = ctx.input(0), B = ctx.input(1), Cin = ctx.optionalInput(2);
  const tA = ctx.attrs.int('transA', 0) === 1, tB = ctx.attrs.int('transB', 0) === 1;
  const alpha = ctx.attrs.float('alpha', 1), beta = ctx.attrs.float('beta', 1);
  if (A.dims.length !== 2 || B.dims.length !== 2) throw ctx.error(`A and B must be 2-D, got [${A.dims.join(', ')}] and [${B.dims.join(', ')}]`);
  const [M, K] = tA ? [A.dims[1], A.dims[0]] : A.dims;
  const [K2, N] = tB ? [B.dims[1], B.dims[0]] : B.dims;
  if (K !== K2) throw ctx.error(`inner dims differ: op(A) is ${M}x${K}, op(B) is ${K2}x${N}`);
  const Y = allocTensor(A.dtype, [M, N]);
  const f32 = useF32(A);
  const y = A.dtype === 'float32' ? (Y.data as Float32Array) : f32 ? new Float32Array(M * N) : new Float64Array(M * N);
  let hasC = false;
  if (Cin && beta !== 0) {
    if (Cin.dims.length > 2) throw ctx.error(`C must be at most 2-D, got [${Cin.dims.join(', ')}]`);
    const c = readNumbers(Cin);
    const idx = broadcastIndex(Cin.dims, [M, N]);
    for (let i = 0; i < M * N; i++) y[i] = c[idx ? idx[i] : i];
    hasC = true;
  }
  const lda = A.dims[1], ldb = B.dims[1];
  if (f32) sgemm(tA, tB, M, N, K, alpha, toF32(A), 0, lda, toF32(B), 0, ldb, hasC ? beta : 0, y as Float32Array, 0, N);
  else dgemm(tA, tB, M, N, K, alpha, readNumbers(A), 0, lda, readNumbers(B), 0, ldb, hasC ? beta : 0, y, 0, N);
  if (Y.data !== y) writeNumbers(Y, y);
  return [Y];
}

function det(ctx: KernelContext): Tensor[] {
  const X = ctx.input(0);
  const r = X.dims.length;
  const n = X.dims[r - 1];
  if (r < 2 || X.dims[r - 2] !== n) throw ctx.error(`input must be [..., n, n], got [${X.dims.join(', ')}]`);
  const Y = allocTensor(X.dtype, X.dims.slice(0, -2));
  const x = readNumbers(X);
  const out = new Float64Array(Y.data.length);
  const m = new Float64Array(n * n);
  for (let b = 0; b < out.length; b++) {
    for (let i = 0; i < n * n; i++) m[i] = x[b * n * n + i];
    let d = 1;
    for (let c = 0; c < n; c++) {
      let piv = c;
      for (let i = c + 1; i < n; i++) if (Math.abs(m[i * n + c]) > Math.abs(m[piv * n + c])) piv = i;
      if (m[piv * n + c] === 0) { d = 0; break; }
      if (piv !== c) {
        for (let j = 0; j < n; j++) { const t = m[c * n + j]; m[c * n + j] = m[piv * n + j]; m[piv * n + j] = t; }
        d = -d;
      }
      const p = m[c * n + c];
      d *= p;
      for (let i = c + 1; i < n; i++) {
        const f = m[i * n + c] / p;
        if (f !== 0) for (let j = c; j < n; j++) m[i * n + j] -= f * m[c * n + j];
      }
    }
    out[b] = d;
  }
  writeNumbers(Y, out);
  return [Y];
}

export const kernels: KernelTable = {
  MatMul: matmul,
  Gemm: gemm,
  Einsum: einsum,
  Det: det,
};

