/** OneHot, Compress, NonZero, Unique, TopK. */
import { isBigInt } from '../../../../tensor/dtype.js';
import { allocTensor, type Tensor } from '../../../../tensor/tensor.js';
import type { KernelTable } from '../../kernel.js';
import { normalizeAxis, readNumbers, strides } from '../../util.js';
import { copyRun, int64Tensor, ints } from '../shape/raw.js';

type Indexable = { [i: number]: unknown };

/** Comparable values: numbers (decoded), bigints for 64-bit integers, or strings. */
function comparable(t: Tensor): ArrayLike<number | bigint | string> {
  if (t.dtype === 'string') return t.data as string[];
  if (isBigInt(t.dtype)) return t.data as BigInt64Array;
  return readNumbers(t);
}

export const selectKernels: KernelTable = {
  OneHot(ctx) {
    const it = ctx.input(0), vals = ctx.input(2);
    const depth = Math.trunc(readNumbers(ctx.input(1))[0]);
    const rank = it.dims.length + 1;
    const axis = normalizeAxis(ctx.attrs.int('axis', -1), rank, 'OneHot axis');
    const outDims = [...it.dims.slice(0, axis), depth, ...it.dims.slice(axis)];
    const out = allocTensor(vals.dtype, outDims);
    const v = vals.data as unknown as Indexable, d = out.data as unknown as Indexable;
    for (let i = 0; i < out.data.length; i++) d[i] = v[0];
    const idx = readNumbers(it);
    const inner = it.dims.slice(axis).reduce((a, b) => a * b, 1);
    for (let i = 0; i < idx.length; i++) {
      let k = Math.trunc(idx[i]);
      if (k < 0) k += depth;
      if (k < 0 || k >= depth) continue;
      const outer = Math.floor(i / inner), rest = i % inner;
      d[(outer * depth + k) * inner + rest] = v[1];
    }
    return [out];
  },
  Compress(ctx) {
    let x = ctx.input(0);
    const cond = readNumbers(ctx.input(1));
    if (!ctx.attrs.has('axis')) x = { dtype: x.dtype, dims: [x.data.length], data: x.data };
    const axis = normalizeAxis(ctx.attrs.int('axis', 0), x.dims.length, 'Compress axis');
    const keep: number[] = [];
    for (let i = 0; i < Math.min(cond.length, x.dims[axis]); i++) if (cond[i]) keep.push(i);
    const outer = x.dims.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = x.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    const dims = [...x.dims];
    dims[axis] = keep.length;
    const out = allocTensor(x.dtype, dims);
    let o = 0;
    for (let b = 0; b < outer; b++) for (const k of keep) { copyRun(out.data, o, x.data, (b * x.dims[axis] + k) * inner, inner); o += inner; }
    return [out];
  },
  NonZero(ctx) {
    const x = ctx.input(0);
    const v = comparable(x);
    const nz: number[] = [];
    for (let i = 0; i < v.length; i++) if (v[i] !== 0 && v[i] !== 0n && v[i] !== '') nz.push(i);
    const rank = x.dims.length;
    const st = strides(x.dims);
    const vals = new Array<number>(rank * nz.length);
    nz.forEach((flat, j) => {
      for (let d = 0; d < rank; d++) vals[d * nz.length + j] = Math.floor(flat / st[d]) % x.dims[d];
    });
    return [int64Tensor(vals, [rank, nz.length])];
  },
  Unique(ctx) {
    const x0 = ctx.input(0);
    const sorted = ctx.attrs.int('sorted', 1) === 1;
    const hasAxis = ctx.attrs.has('axis');
    const x = hasAxis ? x0 : { dtype: x0.dtype, dims: [x0.data.length], data: x0.data };
    const axis = hasAxis ? normalizeAxis(ctx.attrs.int('axis'), x.dims.length, 'Unique axis') : 0;
    const v = comparable(x);
    const dim = x.dims[axis];
    const outer = x.dims.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = x.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    // Each slice along `axis` as a list of comparable values.
    const slices: (number | bigint | string)[][] = [];
    for (let k = 0; k < dim; k++) {
      const s: (number | bigint | string)[] = [];
      for (let b = 0; b < outer; b++) for (let i = 0; i < inner; i++) s.push(v[(b * dim + k) * inner + i]);
      slices.push(s);
    }
    const keyOf = (s: (number | bigint | string)[]) => s.map((e) => (typeof e === 'string' ? JSON.stringify(e) : String(e))).join(',');
    const first = new Map<string, number>();
    const uniq: number[] = [];
    const inverse = new Array<number>(dim);
    const slot = new Map<string, number>();
    const counts: number[] = [];
    slices.forEach((s, k) => {
      const key = keyOf(s);
      if (!first.has(key)) { first.set(key, k); slot.set(key, uniq.length); uniq.push(k); counts.push(0); }
      counts[slot.get(key)!]++;
    });
    let order = uniq.map((_, i) => i);
    if (sorted) {
      const cmp = (a: (number | bigint | string)[], b: (number | bigint | string)[]) => {
        for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
        return 0;
      };
      order.sort((p, q) => cmp(slices[uniq[p]], slices[uniq[q]]));
    }
    const rank = new Array<number>(uniq.length);
    order.forEach((u, r) => { rank[u] = r; });
    slices.forEach((s, k) => { inverse[k] = rank[slot.get(keyOf(s))!]; });
    const picked = order.map((u) => uniq[u]);
    const dims = [...x.dims];
    dims[axis] = picked.length;
    const y = allocTensor(x.dtype, dims);
    let o = 0;
    for (let b = 0; b < outer; b++) for (const k of picked) { copyRun(y.data, o, x.data, (b * dim + k) * inner, inner); o += inner; }
    order = order.map((u) => counts[u]);
    return [y, int64Tensor(picked), int64Tensor(inverse), int64Tensor(order)];
  },
  TopK(ctx) {
    const x = ctx.input(0);
    const k = ctx.opset >= 10 ? ints(ctx.input(1))[0] : ctx.attrs.int('k');
    const axis = normalizeAxis(ctx.attrs.int('axis', -1), x.dims.length, 'TopK axis');
    const largest = ctx.opset < 11 || ctx.attrs.int('largest', 1) === 1;
    const dim = x.dims[axis];
    if (k < 0 || k > dim) throw ctx.error(`k = ${k} is out of range for dimension ${dim}`);
    const outer = x.dims.slice(0, axis).reduce((a, b) => a * b, 1);
    const inner = x.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
    const dims = [...x.dims];
    dims[axis] = k;
    const vals = allocTensor(x.dtype, dims);
    const idxOut = allocTensor('int64', dims);
    const v = comparable(x) as ArrayLike<number | bigint>;
    const src = x.data as unknown as Indexable, dst = vals.data as unknown as Indexable, id = idxOut.data as BigInt64Array;
    const cand = new Array<number>(dim);
    for (let b = 0; b < outer; b++) {
      for (let i = 0; i < inner; i++) {
        const base = b * dim * inner + i;
        for (let j = 0; j < dim; j++) cand[j] = j;
        // NaN counts as largest; ties keep the lower index first.
        const key = (j: number) => v[base + j * inner];
        cand.sort((p, q) => {
          const a = key(p), c = key(q);
          if (a === c) return p - q;
          const an = typeof a === 'number' && Number.isNaN(a), cn = typeof c === 'number' && Number.isNaN(c);
          if (an || cn) return an && cn ? p - q : (an ? -1 : 1) * (largest ? 1 : -1);
          return (a > c ? -1 : 1) * (largest ? 1 : -1);
        });
        for (let j = 0; j < k; j++) {
          const o = (b * k + j) * inner + i;
          dst[o] = src[base + cand[j] * inner];
          id[o] = BigInt(cand[j]);
        }
      }
    }
    return [vals, idxOut];
  },
};
