/** MatMul and Gemm through cuBLASLt (bias and relu epilogues; general C through a broadcast copy + beta). */
import type { MatmulSpec } from '../ffi/cublaslt.js';
import { broadcastDims, broadcastStrides, contiguousStrides, numelOf, widthSuffix, type LowerCtx, type Lowered, type Lowering } from './types.js';

function floatDtype(c: LowerCtx, dtype: string): 'float32' | 'float16' {
  if (dtype !== 'float32' && dtype !== 'float16') throw c.unsupported(`dtype ${dtype} (cuBLASLt path handles float32 and float16)`);
  return dtype;
}

const matmul: Lowering = (c) => {
  const [a, b] = [c.input(0), c.input(1)];
  const dtype = floatDtype(c, a.dtype);
  if (b.dtype !== a.dtype) throw c.unsupported(`mixed dtypes ${a.dtype} x ${b.dtype}`);
  const ad = a.dims.length === 1 ? [1, a.dims[0]] : a.dims;
  const bd = b.dims.length === 1 ? [b.dims[0], 1] : b.dims;
  const [m, k] = ad.slice(-2);
  const [k2, n] = bd.slice(-2);
  if (k !== k2) throw c.error(`inner dimensions differ: [${a.dims}] x [${b.dims}]`);
  const ba = ad.slice(0, -2);
  const bb = bd.slice(0, -2);
  const batchDims = broadcastDims([ba, bb], c);
  const outDims = [...batchDims, ...(a.dims.length === 1 ? [] : [m]), ...(b.dims.length === 1 ? [] : [n])];
  const nb = numelOf(bb);
  const na = numelOf(ba);
  let spec: MatmulSpec;
  const base = { n, k, transA: false, transB: false, dtype, epilogue: 'none' as const };
  if (nb === 1) spec = { ...base, m: m * na, batch: 1, strideA: 0, strideB: 0, strideD: 0 };
  else if (na === 1 || (ba.length === bb.length && ba.every((d, i) => d === bb[i])) || numelOf(batchDims) === nb) {
    if (na !== 1 && na !== nb) throw c.unsupported(`batch dims [${ba}] and [${bb}] need a general broadcast`);
    spec = { ...base, m, batch: nb, strideA: na === 1 ? 0 : m * k, strideB: k * n, strideD: m * n };
  } else throw c.unsupported(`batch dims [${ba}] and [${bb}] need a general broadcast`);
  return {
    outputs: [{ dtype: a.dtype, dims: outDims }],
    deviceInputs: [0, 1],
    emit: (ip, op, l) => numelOf(outDims) && l.matmul(spec, ip[0], ip[1], op[0], 0),
  };
};

const gemm: Lowering = (c): Lowered => {
  const [a, b] = [c.input(0), c.input(1)];
  const cm = c.inputs[2];
  const dtype = floatDtype(c, a.dtype);
  const transA = c.attrs.int('transA', 0) === 1;
  const transB = c.attrs.int('transB', 0) === 1;
  const alpha = c.attrs.float('alpha', 1);
  let beta = cm ? c.attrs.float('beta', 1) : 0;
  const [m, k] = transA ? [a.dims[1], a.dims[0]] : a.dims;
  const [k2, n] = transB ? [b.dims[1], b.dims[0]] : b.dims;
  if (k !== k2) throw c.error(`inner dimensions differ: [${a.dims}] x [${b.dims}] (transA=${+transA}, transB=${+transB})`);
  const out = [m, n];
  const bias = !!cm && beta === 1 && numelOf(cm.dims) === n && (cm.dims.length === 1 || (cm.dims.length === 2 && cm.dims[0] === 1));
  const general = !!cm && beta !== 0 && !bias;
  if (!general) beta = 0;
  const spec: MatmulSpec = { m, n, k, transA, transB, batch: 1, strideA: 0, strideB: 0, strideD: 0, dtype, epilogue: bias ? 'bias' : 'none', alpha, beta };
  const cCopy = general
    ? { w: widthSuffix(a.dtype, c), idx: { dims: out, s0: broadcastStrides(cm!.dims, broadcastDims([cm!.dims, out], c)), s1: contiguousStrides(out) } }
    : undefined;
  return {
    outputs: [{ dtype: a.dtype, dims: out }],
    deviceInputs: cm ? [0, 1, 2] : [0, 1],
    emit: (ip, op, l) => {
      if (!m || !n) return;
      if (cCopy) l.elementwise('shape', `copy_nd_${cCopy.w}`, m * n, [{ ptr: ip[2] }, { ptr: op[0] }, { i64: m * n }, { idx: cCopy.idx }]);
      l.matmul(spec, ip[0], ip[1], op[0], bias ? ip[2] : 0);
    },
  };
};

export const matmulLowerings: Record<string, Lowering> = { MatMul: matmul, Gemm: gemm };
