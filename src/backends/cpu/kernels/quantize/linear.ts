/** QuantizeLinear, DequantizeLinear (per-tensor, per-axis, blocked), DynamicQuantizeLinear. */
import { TensorJetError } from '../../../../errors.js';
import { dtypeFromOnnx, type DType } from '../../../../tensor/dtype.js';
import { encodeMinifloat, isMinifloat } from '../../../../tensor/minifloat.js';
import { allocTensor, type Tensor } from '../../../../tensor/tensor.js';
import type { KernelTable } from '../../kernel.js';
import { fromNumbers, normalizeAxis, readNumbers, strides, writeNumbers } from '../../util.js';

/** Integer range of each quantized integer dtype. */
export const QRANGE: Partial<Record<DType, [number, number]>> = {
  uint8: [0, 255], int8: [-128, 127], uint16: [0, 65535], int16: [-32768, 32767],
  int32: [-2147483648, 2147483647], uint4: [0, 15], int4: [-8, 7], uint2: [0, 3], int2: [-2, 1],
};

/** Round half to even. */
export function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r;
}

export function saturateInt(v: number, dtype: DType): number {
  const r = QRANGE[dtype];
  if (!r) throw new TensorJetError('E_UNSUPPORTED_DTYPE', `quantization to ${dtype} is not supported`);
  return Math.min(Math.max(v, r[0]), r[1]);
}

/**
 * For each element of a tensor of `dims`, the flat index of its scale/zero point: per-tensor (1 element),
 * per-axis (1-D over `axis`), or blocked (same rank, `axis` divided into blocks of `blockSize`).
 */
export function paramIndex(dims: readonly number[], pdims: readonly number[], axis0: number, blockSize: number): Int32Array | null {
  const n = dims.reduce((a, b) => a * b, 1);
  const pn = pdims.reduce((a, b) => a * b, 1);
  if (pn === 1) return null;
  const rank = dims.length;
  const axis = normalizeAxis(axis0, rank, 'quantization axis');
  const idx = new Int32Array(n);
  if (pdims.length === 1 && blockSize <= 0) {
    if (pdims[0] !== dims[axis]) throw new TensorJetError('E_SHAPE', `per-axis scale has ${pdims[0]} elements but axis ${axis} has ${dims[axis]}`);
    const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    for (let i = 0; i < n; i++) idx[i] = Math.floor(i / inner) % dims[axis];
    return idx;
  }
  if (pdims.length !== rank) throw new TensorJetError('E_SHAPE', `blocked scale of rank ${pdims.length} for input of rank ${rank}`);
  const bs = blockSize > 0 ? blockSize : Math.ceil(dims[axis] / pdims[axis]);
  const pst = strides(pdims);
  const c = new Array<number>(rank).fill(0);
  for (let i = 0; i < n; i++) {
    let off = 0;
    for (let d = 0; d < rank; d++) off += (d === axis ? Math.floor(c[d] / bs) : c[d]) * pst[d];
    idx[i] = off;
    for (let d = rank - 1; d >= 0; d--) { if (++c[d] < dims[d]) break; c[d] = 0; }
  }
  return idx;
}

/** Quantizes float values to `dtype` (integer: round-half-even + saturate; float8/float4: encode). */
export function quantizeValues(values: Float64Array, dtype: DType, saturate: boolean): Tensor['data'] {
  if (isMinifloat(dtype)) return encodeMinifloat(dtype, values, saturate);
  const t = allocTensor(dtype, [values.length]);
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = saturateInt(rint(values[i]), dtype);
  writeNumbers(t, out);
  return t.data;
}

export const linearKernels: KernelTable = {
  QuantizeLinear(ctx) {
    const x = ctx.input(0), scale = ctx.input(1), zp = ctx.optionalInput(2);
    const outDtype: DType = zp ? zp.dtype : ctx.attrs.has('output_dtype') && ctx.attrs.int('output_dtype') !== 0 ? dtypeFromOnnx(ctx.attrs.int('output_dtype')) : 'uint8';
    const axis = ctx.attrs.int('axis', 1);
    const blockSize = ctx.attrs.int('block_size', 0);
    const saturate = ctx.attrs.int('saturate', 1) === 1;
    const xv = readNumbers(x), sv = readNumbers(scale), zv = zp ? readNumbers(zp) : undefined;
    const idx = paramIndex(x.dims, scale.dims, axis, blockSize);
    const vals = new Float64Array(xv.length);
    const f32 = x.dtype === 'float32' || x.dtype === 'float16' || x.dtype === 'bfloat16';
    for (let i = 0; i < xv.length; i++) {
      const p = idx ? idx[i] : 0;
      const q = f32 ? Math.fround(xv[i] / sv[p]) : xv[i] / sv[p];
      vals[i] = isMinifloat(outDtype) ? q + (zv ? zv[p] : 0) : rint(q) + (zv ? zv[p] : 0);
    }
    return [{ dtype: outDtype, dims: [...x.dims], data: quantizeValues(vals, outDtype, saturate) }];
  },
  DequantizeLinear(ctx) {
    const x = ctx.input(0), scale = ctx.input(1), zp = ctx.optionalInput(2);
    const axis = ctx.attrs.int('axis', 1);
    const blockSize = ctx.attrs.int('block_size', 0);
    const outDtype: DType = ctx.attrs.has('output_dtype') && ctx.attrs.int('output_dtype') !== 0 ? dtypeFromOnnx(ctx.attrs.int('output_dtype')) : scale.dtype;
    const xv = readNumbers(x), sv = readNumbers(scale), zv = zp ? readNumbers(zp) : undefined;
    const idx = paramIndex(x.dims, scale.dims, axis, blockSize);
    const vals = new Float64Array(xv.length);
    for (let i = 0; i < xv.length; i++) {
      const p = idx ? idx[i] : 0;
      vals[i] = (xv[i] - (zv ? zv[p] : 0)) * sv[p];
    }
    return [fromNumbers(outDtype, x.dims, vals)];
  },
  DynamicQuantizeLinear(ctx) {
    const x = ctx.input(0);
    const xv = readNumbers(x);
    let lo = 0, hi = 0;
    for (let i = 0; i < xv.length; i++) { if (xv[i] < lo) lo = xv[i]; if (xv[i] > hi) hi = xv[i]; }
    const scale = Math.fround((hi - lo) / 255);
    const zp = scale === 0 ? 0 : saturateInt(rint(Math.fround(-lo / scale)), 'uint8');
    const vals = new Float64Array(xv.length);
    for (let i = 0; i < xv.length; i++) vals[i] = scale === 0 ? zp : rint(Math.fround(xv[i] / scale)) + zp;
    return [
      { dtype: 'uint8', dims: [...x.dims], data: quantizeValues(vals, 'uint8', true) },
      fromNumbers('float32', [], [scale]),
      fromNumbers('uint8', [], [zp]),
    ];
  },
};
