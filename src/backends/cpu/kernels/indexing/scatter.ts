/** Scatter, ScatterElements, ScatterND (with reductions), TensorScatter. */
import { TensorJetError } from '../../../../errors.js';
import { bfloat16ToFloat32, float16ToFloat32, float32ToBfloat16, float32ToFloat16 } from '../../../../tensor/float16.js';
import type { DType } from '../../../../tensor/dtype.js';
import { allocTensor, type Tensor } from '../../../../tensor/tensor.js';
import type { KernelContext, KernelTable } from '../../kernel.js';
import { normalizeAxis, strides } from '../../util.js';
import { copyRun, ints } from '../shape/raw.js';
import { indexIn } from './gather.js';

type Raw = unknown;
type Combine = (a: Raw, b: Raw) => Raw;

/** Combines two raw elements of `dtype` by `mode` ('none' replaces). */
export function reducer(dtype: DType, mode: string): Combine {
  if (mode === 'none') return (_a, b) => b;
  const num = (f: (a: number, b: number) => number): Combine => (a, b) => f(a as number, b as number);
  const big = (f: (a: bigint, b: bigint) => bigint): Combine => (a, b) => f(a as bigint, b as bigint);
  const ops: Record<string, [(a: number, b: number) => number, (a: bigint, b: bigint) => bigint]> = {
    add: [(a, b) => a + b, (a, b) => a + b],
    mul: [(a, b) => a * b, (a, b) => a * b],
    max: [(a, b) => (b > a || Number.isNaN(b) ? b : a), (a, b) => (b > a ? b : a)],
    min: [(a, b) => (b < a || Number.isNaN(b) ? b : a), (a, b) => (b < a ? b : a)],
  };
  const op = ops[mode];
  if (!op) throw new TensorJetError('E_ATTRIBUTE', `unknown reduction '${mode}'`);
  if (dtype === 'int64') return big((a, b) => BigInt.asIntN(64, op[1](a, b)));
  if (dtype === 'uint64') return big((a, b) => BigInt.asUintN(64, op[1](a, b)));
  if (dtype === 'float16') return num((a, b) => float32ToFloat16(op[0](float16ToFloat32(a), float16ToFloat32(b))));
  if (dtype === 'bfloat16') return num((a, b) => float32ToBfloat16(op[0](bfloat16ToFloat32(a), bfloat16ToFloat32(b))));
  if (dtype === 'float32') return num((a, b) => Math.fround(op[0](a, b)));
  if (dtype === 'string') throw new TensorJetError('E_UNSUPPORTED_DTYPE', `reduction '${mode}' on strings`);
  return num(op[0]); // integer typed arrays wrap on store
}

function copyOf(x: Tensor): Tensor {
  const out = allocTensor(x.dtype, x.dims);
  copyRun(out.data, 0, x.data, 0, x.data.length);
  return out;
}

function scatterElements(ctx: KernelContext, reduction: string): Tensor {
  const x = ctx.input(0), it = ctx.input(1), up = ctx.input(2);
  const rank = x.dims.length;
  const axis = normalizeAxis(ctx.attrs.int('axis', 0), rank, 'ScatterElements axis');
  const idx = ints(it);
  const out = copyOf(x);
  const xs = strides(x.dims);
  const f = reducer(x.dtype, reduction);
  const src = up.data as unknown as { [i: number]: Raw }, dst = out.data as unknown as { [i: number]: Raw };
  const c = new Array<number>(rank).fill(0);
  for (let i = 0; i < idx.length; i++) {
    let off = 0;
    for (let d = 0; d < rank; d++) off += (d === axis ? indexIn(idx[i], x.dims[axis], 'ScatterElements') : c[d]) * xs[d];
    dst[off] = f(dst[off], src[i]);
    for (let d = rank - 1; d >= 0; d--) { if (++c[d] < it.dims[d]) break; c[d] = 0; }
  }
  return out;
}

export const scatterKernels: KernelTable = {
  Scatter(ctx) {
    return [scatterElements(ctx, 'none')];
  },
  ScatterElements(ctx) {
    return [scatterElements(ctx, ctx.opset >= 16 ? ctx.attrs.string('reduction', 'none') : 'none')];
  },
  ScatterND(ctx) {
    const x = ctx.input(0), it = ctx.input(1), up = ctx.input(2);
    const reduction = ctx.opset >= 16 ? ctx.attrs.string('reduction', 'none') : 'none';
    const k = it.dims[it.dims.length - 1];
    const idx = ints(it);
    const xs = strides(x.dims);
    const slice = x.dims.slice(k).reduce((a, b) => a * b, 1);
    const tuples = k === 0 ? 0 : idx.length / k;
    const out = copyOf(x);
    const f = reducer(x.dtype, reduction);
    const src = up.data as unknown as { [i: number]: Raw }, dst = out.data as unknown as { [i: number]: Raw };
    for (let t = 0; t < tuples; t++) {
      let off = 0;
      for (let j = 0; j < k; j++) off += indexIn(idx[t * k + j], x.dims[j], 'ScatterND') * xs[j];
      if (reduction === 'none') copyRun(out.data, off, up.data, t * slice, slice);
      else for (let e = 0; e < slice; e++) dst[off + e] = f(dst[off + e], src[t * slice + e]);
    }
    return [out];
  },
  TensorScatter(ctx) {
    const cache = ctx.input(0), up = ctx.input(1), wi = ctx.optionalInput(2);
    const rank = cache.dims.length;
    const axis = normalizeAxis(ctx.attrs.int('axis', -2), rank, 'TensorScatter axis');
    const circular = ctx.attrs.string('mode', 'linear') === 'circular';
    const batch = cache.dims[0];
    const starts = wi ? ints(wi) : new Array<number>(batch).fill(0);
    const maxSeq = cache.dims[axis], seq = up.dims[axis];
    const inner = cache.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    const mid = cache.dims.slice(1, axis).reduce((a, b) => a * b, 1);
    const out = copyOf(cache);
    for (let b = 0; b < batch; b++) {
      for (let m = 0; m < mid; m++) {
        for (let s = 0; s < seq; s++) {
          let pos = starts[b] + s;
          if (circular) pos %= maxSeq;
          else if (pos >= maxSeq) throw ctx.error(`write index ${pos} is past the cache length ${maxSeq}`);
          const row = b * mid + m;
          copyRun(out.data, (row * maxSeq + pos) * inner, up.data, (row * seq + s) * inner, inner);
        }
      }
    }
    return [out];
  },
};
