/**
 * Raw element movement shared by the copying kernels (shape, slice, indexing families): every dtype
 * (strings, bool, float16 bits, int64) moves as stored, never through a numeric conversion.
 */
import type { TensorData } from '../../../../tensor/dtype.js';
import { allocTensor, makeTensor, type Tensor } from '../../../../tensor/tensor.js';
import { readNumbers, strides } from '../../util.js';

type Indexable = { [i: number]: unknown; length: number };

/** Copies `n` elements src[srcOff..] -> dst[dstOff..] (typed arrays through `set`). */
export function copyRun(dst: TensorData, dstOff: number, src: TensorData, srcOff: number, n: number): void {
  if (n <= 0) return;
  if (Array.isArray(src)) {
    const d = dst as string[];
    for (let i = 0; i < n; i++) d[dstOff + i] = src[srcOff + i];
  } else if (n < 16) {
    const d = dst as unknown as Indexable;
    const s = src as unknown as Indexable;
    for (let i = 0; i < n; i++) d[dstOff + i] = s[srcOff + i];
  } else {
    (dst as Uint8Array).set((src as Uint8Array).subarray(srcOff, srcOff + n), dstOff);
  }
}

/** A tensor sharing `t`'s data with new dims (Reshape and friends). */
export function reshaped(t: Tensor, dims: readonly number[]): Tensor {
  return makeTensor(t.dtype, dims, t.data);
}

/** Integers of an int32/int64 tensor as JS numbers (fast path for BigInt64Array). */
export function ints(t: Tensor): number[] {
  const d = t.data;
  if (d instanceof BigInt64Array || d instanceof BigUint64Array) {
    const out = new Array<number>(d.length);
    for (let i = 0; i < d.length; i++) out[i] = Number(d[i]);
    return out;
  }
  return Array.from(readNumbers(t), Number);
}

/** A 1-D (or given-shape) int64 tensor from numbers. */
export function int64Tensor(values: readonly number[], dims: readonly number[] = [values.length]): Tensor {
  const t = allocTensor('int64', dims);
  const d = t.data as BigInt64Array;
  for (let i = 0; i < values.length; i++) d[i] = BigInt(values[i]);
  return t;
}

/** Transposes by `perm`, merging axes that stay adjacent; the innermost run is copied in one go when contiguous. */
export function transposeRaw(t: Tensor, perm: readonly number[]): Tensor {
  const outDims = perm.map((p) => t.dims[p]);
  const out = allocTensor(t.dtype, outDims);
  const n = out.data.length;
  if (n === 0) return out;
  // Drop size-1 axes and merge runs of consecutive input axes.
  const keep = perm.filter((p) => t.dims[p] !== 1);
  const groups: number[][] = [];
  for (const p of keep) {
    const g = groups[groups.length - 1];
    if (g && g[g.length - 1] + 1 === p) g.push(p);
    else groups.push([p]);
  }
  if (groups.length <= 1) {
    copyRun(out.data, 0, t.data, 0, n);
    return out;
  }
  // Merged input shape ordered by input axis; merged perm.
  const order = groups.map((g) => g[0]).sort((a, b) => a - b);
  const mDims = order.map((first) => groups.find((g) => g[0] === first)!.reduce((acc, ax) => acc * t.dims[ax], 1));
  const mPerm = groups.map((g) => order.indexOf(g[0]));
  const st = strides(mDims);
  const r = mPerm.length;
  const oDims = mPerm.map((p) => mDims[p]);
  const oSt = mPerm.map((p) => st[p]);
  const inner = oDims[r - 1];
  const innerSt = oSt[r - 1];
  const src = t.data as unknown as Indexable;
  const dst = out.data as unknown as Indexable;
  const counter = new Array<number>(r - 1).fill(0);
  let srcOff = 0;
  let o = 0;
  while (o < n) {
    if (innerSt === 1) copyRun(out.data, o, t.data, srcOff, inner);
    else for (let i = 0, s = srcOff; i < inner; i++, s += innerSt) dst[o + i] = src[s];
    o += inner;
    for (let d = r - 2; d >= 0; d--) {
      counter[d]++;
      srcOff += oSt[d];
      if (counter[d] < oDims[d]) break;
      srcOff -= oSt[d] * counter[d];
      counter[d] = 0;
    }
  }
  return out;
}

/** Gathers elements of `t` at flat indices `idx` (broadcast, tile, ...). */
export function gatherFlat(t: Tensor, dims: readonly number[], idx: ArrayLike<number>): Tensor {
  const out = allocTensor(t.dtype, dims);
  const src = t.data as unknown as Indexable;
  const dst = out.data as unknown as Indexable;
  for (let i = 0; i < idx.length; i++) dst[i] = src[idx[i]];
  return out;
}

/** Row-major iteration over `dims`, calling `fn(flatOut, coords)` (coords reused; do not keep). */
export function forEachIndex(dims: readonly number[], fn: (i: number, c: number[]) => void): void {
  const n = dims.reduce((a, b) => a * b, 1);
  const c = new Array<number>(dims.length).fill(0);
  for (let i = 0; i < n; i++) {
    fn(i, c);
    for (let d = dims.length - 1; d >= 0; d--) {
      if (++c[d] < dims[d]) break;
      c[d] = 0;
    }
  }
}
