/** Transpose, Expand, Tile, Constant, ConstantOfShape, EyeLike, Range, Dropout. */
import { TensorJetError } from '../../../../errors.js';
import { dtypeFromOnnx, isBigInt, type DType } from '../../../../tensor/dtype.js';
import { allocTensor, checkAllocation, makeTensor, type Tensor } from '../../../../tensor/tensor.js';
import type { KernelContext, KernelTable } from '../../kernel.js';
import { broadcastIndex, broadcastShapes, fromNumbers, readNumbers, strides, writeNumbers } from '../../util.js';
import { copyRun, ints, reshaped, transposeRaw } from './raw.js';

export function transposePerm(rank: number, perm: number[] | undefined): number[] {
  if (!perm) return Array.from({ length: rank }, (_, i) => rank - 1 - i);
  const seen = new Set(perm.map((p) => (p < 0 ? p + rank : p)));
  if (perm.length !== rank || seen.size !== rank || [...seen].some((p) => p < 0 || p >= rank)) {
    throw new TensorJetError('E_ATTRIBUTE', `Transpose: perm [${perm.join(', ')}] is not a permutation of rank ${rank}`);
  }
  return [...seen];
}

/** Expand: numpy broadcast of `x` to `shape` (either side may be 1). */
export function expandRaw(x: Tensor, shape: readonly number[]): Tensor {
  const outDims = broadcastShapes(x.dims, shape);
  checkAllocation(x.dtype, outDims, 'Expand output');
  const idx = broadcastIndex(x.dims, outDims);
  if (!idx) return reshaped(x, outDims);
  const out = allocTensor(x.dtype, outDims);
  const n = out.data.length;
  // Fast path: the input's trailing run repeats whole (e.g. [C] -> [N, C] or [N,1] -> [N,C] broadcast).
  const src = x.data as unknown as { [i: number]: unknown };
  const dst = out.data as unknown as { [i: number]: unknown };
  for (let i = 0; i < n; i++) dst[i] = src[idx[i]];
  return out;
}

export function tileRaw(x: Tensor, repeats: readonly number[]): Tensor {
  if (repeats.length !== x.dims.length) throw new TensorJetError('E_SHAPE', `Tile: ${repeats.length} repeats for rank ${x.dims.length}`);
  if (repeats.some((r) => r < 0)) throw new TensorJetError('E_SHAPE', `Tile: negative repeats [${repeats.join(', ')}]`);
  const outDims = x.dims.map((d, i) => d * repeats[i]);
  const out = allocTensor(x.dtype, outDims);
  const n = out.data.length;
  if (n === 0) return out;
  const rank = x.dims.length;
  if (rank === 0) { copyRun(out.data, 0, x.data, 0, 1); return out; }
  const inSt = strides(x.dims);
  const inner = x.dims[rank - 1];
  const c = new Array<number>(rank - 1).fill(0);
  for (let o = 0; o < n; ) {
    let off = 0;
    for (let d = 0; d < rank - 1; d++) off += (c[d] % x.dims[d]) * inSt[d];
    for (let r = 0; r < repeats[rank - 1]; r++, o += inner) copyRun(out.data, o, x.data, off, inner);
    for (let d = rank - 2; d >= 0; d--) {
      if (++c[d] < outDims[d]) break;
      c[d] = 0;
    }
  }
  return out;
}

function constantAttr(ctx: KernelContext): Tensor {
  const a = ctx.attrs;
  if (a.has('value')) return a.tensor('value');
  if (a.has('value_float')) return fromNumbers('float32', [], [a.float('value_float')]);
  if (a.has('value_floats')) { const v = a.floats('value_floats'); return fromNumbers('float32', [v.length], v); }
  if (a.has('value_int')) return fromNumbers('int64', [], [a.int('value_int')]);
  if (a.has('value_ints')) { const v = a.ints('value_ints'); return fromNumbers('int64', [v.length], v); }
  if (a.has('value_string')) return makeTensor('string', [], [a.string('value_string')]);
  if (a.has('value_strings')) { const v = a.strings('value_strings'); return makeTensor('string', [v.length], [...v]); }
  if (a.has('sparse_value')) throw ctx.error('sparse_value constants are not supported');
  throw ctx.error('no value attribute');
}

/** Number of Range elements: max(ceil((limit - start) / delta), 0). */
export function rangeCount(start: number, limit: number, delta: number): number {
  if (delta === 0) throw new TensorJetError('E_SHAPE', 'Range: delta is 0');
  return Math.max(Math.ceil((limit - start) / delta), 0);
}

function fill(t: Tensor, v: Tensor): void {
  const src = v.data as unknown as { [i: number]: unknown };
  const dst = t.data as unknown as { fill?: (x: unknown) => void; [i: number]: unknown; length: number };
  if (dst.fill) dst.fill(src[0]);
  else for (let i = 0; i < dst.length; i++) dst[i] = src[0];
}

export const constructKernels: KernelTable = {
  Transpose(ctx) {
    const x = ctx.input(0);
    const perm = transposePerm(x.dims.length, ctx.attrs.has('perm') ? ctx.attrs.ints('perm') : undefined);
    return [transposeRaw(x, perm)];
  },
  Expand(ctx) {
    return [expandRaw(ctx.input(0), ints(ctx.input(1)))];
  },
  Tile(ctx) {
    return [tileRaw(ctx.input(0), ints(ctx.input(1)))];
  },
  Constant(ctx) {
    return [constantAttr(ctx)];
  },
  ConstantOfShape(ctx) {
    const dims = ints(ctx.input(0));
    const v = ctx.attrs.has('value') ? ctx.attrs.tensor('value') : fromNumbers('float32', [1], [0]);
    const out = allocTensor(v.dtype, dims);
    fill(out, v);
    return [out];
  },
  EyeLike(ctx) {
    const x = ctx.input(0);
    if (x.dims.length !== 2) throw ctx.error(`input must be 2-D, got [${x.dims.join(', ')}]`);
    const dtype: DType = ctx.attrs.has('dtype') ? dtypeFromOnnx(ctx.attrs.int('dtype')) : x.dtype;
    const k = ctx.attrs.int('k', 0);
    const [r, c] = x.dims;
    const out = allocTensor(dtype, [r, c]);
    const d = out.data as unknown as { [i: number]: unknown };
    const one = isBigInt(dtype) ? 1n : dtype === 'float16' ? 0x3c00 : dtype === 'bfloat16' ? 0x3f80 : 1;
    for (let i = 0; i < r; i++) {
      const j = i + k;
      if (j >= 0 && j < c) d[i * c + j] = one;
    }
    return [out];
  },
  Range(ctx) {
    const [s, l, dl] = [0, 1, 2].map((i) => ctx.input(i));
    const dtype = s.dtype;
    if (isBigInt(dtype)) {
      const start = (s.data as BigInt64Array)[0], limit = (l.data as BigInt64Array)[0], delta = (dl.data as BigInt64Array)[0];
      const n = rangeCount(Number(start), Number(limit), Number(delta));
      const out = allocTensor(dtype, [n]);
      const d = out.data as BigInt64Array;
      for (let i = 0; i < n; i++) d[i] = start + BigInt(i) * delta;
      return [out];
    }
    const start = readNumbers(s)[0], limit = readNumbers(l)[0], delta = readNumbers(dl)[0];
    const n = rangeCount(start, limit, delta);
    const out = allocTensor(dtype, [n]);
    const vals = new Float64Array(n);
    for (let i = 0; i < n; i++) vals[i] = start + i * delta;
    writeNumbers(out, vals);
    return [out];
  },
  Dropout(ctx) {
    const x = ctx.input(0);
    let ratio = 0.5;
    let training = false;
    if (ctx.opset >= 12) {
      const r = ctx.optionalInput(1);
      if (r) ratio = readNumbers(r)[0];
      const tm = ctx.optionalInput(2);
      if (tm) training = (tm.data as Uint8Array)[0] !== 0;
    } else {
      ratio = ctx.attrs.float('ratio', 0.5);
    }
    if (training && ratio > 0) {
      throw ctx.error(`training-mode dropout (ratio ${ratio}) needs random numbers; the CPU reference runs inference only`);
    }
    const out: Tensor[] = [{ dtype: x.dtype, dims: [...x.dims], data: x.data }];
    if (ctx.node.outputs.length > 1 && ctx.node.outputs[1]) {
      const mask = allocTensor(ctx.opset >= 10 ? 'bool' : x.dtype, x.dims);
      if (ctx.opset >= 10) (mask.data as Uint8Array).fill(1);
      else writeNumbers(mask, new Float64Array(mask.data.length).fill(1));
      out.push(mask);
    }
    return out;
  },
};
