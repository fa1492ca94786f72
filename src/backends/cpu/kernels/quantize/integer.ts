/** MatMulInteger, ConvInteger, QLinearMatMul, QLinearConv: exact integer accumulation, then requantization. */
import type { DType } from '../../../../tensor/dtype.js';
import { bfloat16ToFloat32, float16ToFloat32, float32ToBfloat16, float32ToFloat16 } from '../../../../tensor/float16.js';
import { type Tensor } from '../../../../tensor/tensor.js';
import type { KernelContext, KernelTable } from '../../kernel.js';
import { broadcastShapes, fromNumbers, readNumbers, strides } from '../../util.js';
import { QRANGE, rint } from './linear.js';

/** Rounds `v` to the precision of a float dtype (emulates arithmetic in float16/bfloat16/float32). */
function roundTo(dtype: DType, v: number): number {
  if (dtype === 'float16') return float16ToFloat32(float32ToFloat16(v));
  if (dtype === 'bfloat16') return bfloat16ToFloat32(float32ToBfloat16(v));
  if (dtype === 'float32') return Math.fround(v);
  return v;
}

/** Values minus a zero point that is scalar or 1-D along `axis` of a tensor of `dims`. */
function centered(t: Tensor, zp: Tensor | undefined, axis: number): Float64Array {
  const v = readNumbers(t);
  const out = Float64Array.from(v);
  if (!zp) return out;
  const z = readNumbers(zp);
  if (z.length === 1) { for (let i = 0; i < out.length; i++) out[i] -= z[0]; return out; }
  const a = axis < 0 ? axis + t.dims.length : axis;
  const inner = t.dims.slice(a + 1).reduce((p, q) => p * q, 1);
  for (let i = 0; i < out.length; i++) out[i] -= z[Math.floor(i / inner) % t.dims[a]];
  return out;
}

/** Batched (numpy-broadcast) matmul of row-major values; returns output dims and values. */
export function matmulValues(a: Float64Array, aDims0: readonly number[], b: Float64Array, bDims0: readonly number[]): { dims: number[]; v: Float64Array } {
  const aDims = aDims0.length === 1 ? [1, aDims0[0]] : [...aDims0];
  const bDims = bDims0.length === 1 ? [bDims0[0], 1] : [...bDims0];
  const [m, k] = aDims.slice(-2), [k2, n] = bDims.slice(-2);
  if (k !== k2) throw new Error(`inner dimensions differ: [${aDims0.join(', ')}] x [${bDims0.join(', ')}]`);
  const batch = broadcastShapes(aDims.slice(0, -2), bDims.slice(0, -2));
  const nb = batch.reduce((p, q) => p * q, 1);
  const out = new Float64Array(nb * m * n);
  const aB = aDims.slice(0, -2), bB = bDims.slice(0, -2);
  const bIdx = (dims: number[], i: number) => {
    let off = 0, rem = i;
    const st = strides(dims);
    for (let d = batch.length - 1, s = dims.length - 1; d >= 0; d--, s--) {
      const c = rem % batch[d];
      rem = Math.floor(rem / batch[d]);
      if (s >= 0 && dims[s] !== 1) off += c * st[s];
    }
    return off;
  };
  for (let bi = 0; bi < nb; bi++) {
    const ao = bIdx(aB, bi) * m * k, bo = bIdx(bB, bi) * k * n, oo = bi * m * n;
    for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) {
      const av = a[ao + i * k + p];
      if (av === 0) continue;
      for (let j = 0; j < n; j++) out[oo + i * n + j] += av * b[bo + p * n + j];
    }
  }
  const dims = [...batch];
  if (aDims0.length > 1) dims.push(m);
  if (bDims0.length > 1) dims.push(n);
  return { dims, v: out };
}

/** Direct N-D convolution (NC[spatial]) with groups, pads, strides, dilations and auto_pad. */
export function convValues(ctx: KernelContext, x: Float64Array, xd: readonly number[], w: Float64Array, wd: readonly number[]): { dims: number[]; v: Float64Array } {
  const a = ctx.attrs;
  const sp = xd.length - 2;
  const kshape = a.has('kernel_shape') ? a.ints('kernel_shape') : wd.slice(2);
  const str = a.has('strides') ? a.ints('strides') : new Array<number>(sp).fill(1);
  const dil = a.has('dilations') ? a.ints('dilations') : new Array<number>(sp).fill(1);
  const group = a.int('group', 1);
  let pads = a.has('pads') ? a.ints('pads') : new Array<number>(2 * sp).fill(0);
  const autoPad = a.string('auto_pad', 'NOTSET');
  const inSp = xd.slice(2);
  let outSp: number[];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    outSp = inSp.map((d, i) => Math.ceil(d / str[i]));
    pads = new Array<number>(2 * sp).fill(0);
    outSp.forEach((o, i) => {
      const total = Math.max(0, (o - 1) * str[i] + (kshape[i] - 1) * dil[i] + 1 - inSp[i]);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + sp] = total - pads[i];
    });
  } else {
    if (autoPad === 'VALID') pads = new Array<number>(2 * sp).fill(0);
    outSp = inSp.map((d, i) => Math.floor((d + pads[i] + pads[i + sp] - (kshape[i] - 1) * dil[i] - 1) / str[i]) + 1);
  }
  const [nB, cIn] = xd, cOut = wd[0];
  const cPerG = cIn / group, oPerG = cOut / group;
  const outDims = [nB, cOut, ...outSp];
  const out = new Float64Array(outDims.reduce((p, q) => p * q, 1));
  const inSt = strides(inSp);
  const inSize = inSp.reduce((p, q) => p * q, 1), kSize = kshape.reduce((p, q) => p * q, 1), outSize = outSp.reduce((p, q) => p * q, 1);
  const oc = new Array<number>(sp), kc = new Array<number>(sp);
  for (let o = 0; o < outSize; o++) {
    let r = o;
    for (let d = sp - 1; d >= 0; d--) { oc[d] = r % outSp[d]; r = Math.floor(r / outSp[d]); }
    // input offsets of each kernel tap (-1 when in padding)
    const taps = new Int32Array(kSize);
    for (let k = 0; k < kSize; k++) {
      let rk = k, off = 0, inside = true;
      for (let d = sp - 1; d >= 0; d--) { kc[d] = rk % kshape[d]; rk = Math.floor(rk / kshape[d]); }
      for (let d = 0; d < sp; d++) {
        const p = oc[d] * str[d] - pads[d] + kc[d] * dil[d];
        if (p < 0 || p >= inSp[d]) { inside = false; break; }
        off += p * inSt[d];
      }
      taps[k] = inside ? off : -1;
    }
    for (let b = 0; b < nB; b++) for (let m = 0; m < cOut; m++) {
      const g = Math.floor(m / oPerG);
      let acc = 0;
      for (let c = 0; c < cPerG; c++) {
        const xo = (b * cIn + g * cPerG + c) * inSize, wo = (m * cPerG + c) * kSize;
        for (let k = 0; k < kSize; k++) if (taps[k] >= 0) acc += x[xo + taps[k]] * w[wo + k];
      }
      out[(b * cOut + m) * outSize + o] = acc;
    }
  }
  return { dims: outDims, v: out };
}

/** Requantizes accumulators: rint(acc * scale) + zp, saturated to the output dtype. */
function requantize(acc: Float64Array, mult: (i: number) => number, zp: (i: number) => number, dtype: DType, dims: number[]): Tensor {
  const [lo, hi] = QRANGE[dtype] ?? [0, 255];
  const out = new Float64Array(acc.length);
  for (let i = 0; i < acc.length; i++) out[i] = Math.min(Math.max(rint(acc[i] * mult(i) + zp(i)), lo), hi);
  return fromNumbers(dtype, dims, out);
}

/** Per-tensor or per-channel parameter lookup for output element i (channel = floor(i / inner) % count). */
function perChannel(t: Tensor | undefined, inner: number, fallback = 0): (i: number, v?: ArrayLike<number>) => number {
  if (!t) return () => fallback;
  const v = readNumbers(t);
  if (v.length === 1) return () => v[0];
  return (i) => v[Math.floor(i / inner) % v.length];
}

export const integerKernels: KernelTable = {
  MatMulInteger(ctx) {
    const A = ctx.input(0), B = ctx.input(1);
    const a = centered(A, ctx.optionalInput(2), -2 + (A.dims.length === 1 ? 1 : 0));
    const b = centered(B, ctx.optionalInput(3), -1);
    const r = matmulValues(a, A.dims, b, B.dims);
    return [fromNumbers('int32', r.dims, r.v)];
  },
  ConvInteger(ctx) {
    const X = ctx.input(0), W = ctx.input(1);
    const r = convValues(ctx, centered(X, ctx.optionalInput(2), 1), X.dims, centered(W, ctx.optionalInput(3), 0), W.dims);
    return [fromNumbers('int32', r.dims, r.v)];
  },
  QLinearMatMul(ctx) {
    const A = ctx.input(0), as = ctx.input(1), B = ctx.input(3), bs = ctx.input(4), ys = ctx.input(6), yzp = ctx.optionalInput(7);
    const a = centered(A, ctx.optionalInput(2), -2);
    const b = centered(B, ctx.optionalInput(5), -1);
    const r = matmulValues(a, A.dims, b, B.dims);
    const n = r.dims[r.dims.length - 1], m = r.dims[r.dims.length - 2] ?? 1;
    const asv = readNumbers(as), bsv = readNumbers(bs), ysv = readNumbers(ys);
    const sd = ys.dtype;
    const mult = (i: number) => {
      const row = Math.floor(i / n) % m, col = i % n;
      const av = asv.length === 1 ? asv[0] : asv[row], bv = bsv.length === 1 ? bsv[0] : bsv[col], yv = ysv.length === 1 ? ysv[0] : ysv[col];
      return roundTo(sd, roundTo(sd, av * bv) / yv);
    };
    const zp = perChannel(yzp, 1);
    return [requantize(r.v, mult, (i) => zp(i % n), yzp?.dtype ?? A.dtype, r.dims)];
  },
  QLinearConv(ctx) {
    const X = ctx.input(0), xs = ctx.input(1), W = ctx.input(3), ws = ctx.input(4), ys = ctx.input(6), yzp = ctx.optionalInput(7), bias = ctx.optionalInput(8);
    const r = convValues(ctx, centered(X, ctx.optionalInput(2), 1), X.dims, centered(W, ctx.optionalInput(5), 0), W.dims);
    const inner = r.dims.slice(2).reduce((p, q) => p * q, 1);
    if (bias) { const bv = readNumbers(bias); for (let i = 0; i < r.v.length; i++) r.v[i] += bv[Math.floor(i / inner) % bv.length]; }
    const xsv = readNumbers(xs)[0], ysv = readNumbers(ys)[0];
    const wsc = perChannel(ws, inner);
    const zp = perChannel(yzp, inner);
    return [requantize(r.v, (i) => Math.fround(Math.fround(xsv * wsc(i)) / ysv), zp, yzp?.dtype ?? X.dtype, r.dims)];
  },
};
