/** Slice, Split, Concat: strided and chunked copies of raw elements. */
import { TensorJetError } from '../../../../errors.js';
import { allocTensor, type Tensor } from '../../../../tensor/tensor.js';
import type { KernelContext, KernelTable } from '../../kernel.js';
import { normalizeAxis, strides } from '../../util.js';
import { copyRun, ints } from '../shape/raw.js';

export interface SliceAxes { starts: number[]; steps: number[]; counts: number[] }

/** Resolves Slice's starts/ends/axes/steps against `dims` (negative and out-of-range values clamp). */
export function resolveSlice(dims: readonly number[], starts: number[], ends: number[], axes?: number[], steps?: number[]): SliceAxes {
  const rank = dims.length;
  const r: SliceAxes = { starts: dims.map(() => 0), steps: dims.map(() => 1), counts: [...dims] };
  if (starts.length !== ends.length) throw new TensorJetError('E_SHAPE', `Slice: ${starts.length} starts but ${ends.length} ends`);
  const ax = axes ?? starts.map((_, i) => i);
  ax.forEach((a0, i) => {
    const a = normalizeAxis(a0, rank, 'Slice axis');
    const dim = dims[a];
    const step = steps?.[i] ?? 1;
    if (step === 0) throw new TensorJetError('E_SHAPE', 'Slice: step is 0');
    let s = starts[i], e = ends[i];
    if (s < 0) s += dim;
    if (e < 0) e += dim;
    if (step > 0) {
      s = Math.min(Math.max(s, 0), dim);
      e = Math.min(Math.max(e, 0), dim);
    } else {
      s = Math.min(Math.max(s, 0), dim - 1);
      e = Math.min(Math.max(e, -1), dim - 1);
    }
    r.starts[a] = s;
    r.steps[a] = step;
    r.counts[a] = Math.max(0, step > 0 ? Math.ceil((e - s) / step) : Math.ceil((s - e) / -step));
  });
  return r;
}

/** Copies the strided box described by `sl` out of `x`. */
export function sliceRaw(x: Tensor, sl: SliceAxes): Tensor {
  const out = allocTensor(x.dtype, sl.counts);
  const n = out.data.length;
  if (n === 0) return out;
  const rank = x.dims.length;
  if (rank === 0) { copyRun(out.data, 0, x.data, 0, 1); return out; }
  const st = strides(x.dims);
  const inner = sl.counts[rank - 1];
  const innerStep = sl.steps[rank - 1];
  const c = new Array<number>(rank - 1).fill(0);
  const src = x.data as unknown as { [i: number]: unknown };
  const dst = out.data as unknown as { [i: number]: unknown };
  for (let o = 0; o < n; o += inner) {
    let off = sl.starts[rank - 1];
    for (let d = 0; d < rank - 1; d++) off += (sl.starts[d] + c[d] * sl.steps[d]) * st[d];
    if (innerStep === 1) copyRun(out.data, o, x.data, off, inner);
    else for (let i = 0; i < inner; i++, off += innerStep) dst[o + i] = src[off];
    for (let d = rank - 2; d >= 0; d--) {
      if (++c[d] < sl.counts[d]) break;
      c[d] = 0;
    }
  }
  return out;
}

/** Splits `x` along `axis` into pieces of the given sizes. */
export function splitRaw(x: Tensor, axis: number, sizes: number[]): Tensor[] {
  const inner = x.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = x.dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const dim = x.dims[axis];
  let start = 0;
  return sizes.map((sz) => {
    const dims = [...x.dims];
    dims[axis] = sz;
    const out = allocTensor(x.dtype, dims);
    const run = sz * inner;
    for (let o = 0; o < outer; o++) copyRun(out.data, o * run, x.data, (o * dim + start) * inner, run);
    start += sz;
    return out;
  });
}

/** Split sizes: explicit, or `n` parts (equal, or ceil-sized with a smaller last part when `uneven`). */
export function splitSizes(dim: number, n: number, explicit: number[] | undefined, uneven: boolean): number[] {
  if (explicit) {
    if (explicit.reduce((a, b) => a + b, 0) !== dim) throw new TensorJetError('E_SHAPE', `Split: sizes [${explicit.join(', ')}] do not sum to ${dim}`);
    return explicit;
  }
  if (!uneven && dim % n !== 0) throw new TensorJetError('E_SHAPE', `Split: dimension ${dim} is not divisible into ${n} parts`);
  const chunk = Math.ceil(dim / n);
  return Array.from({ length: n }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
}

export function concatRaw(xs: Tensor[], axis0: number): Tensor {
  const first = xs[0];
  const rank = first.dims.length;
  const axis = normalizeAxis(axis0, rank, 'Concat axis');
  const dims = [...first.dims];
  dims[axis] = 0;
  for (const x of xs) {
    if (x.dims.length !== rank || x.dims.some((d, i) => i !== axis && d !== first.dims[i])) {
      throw new TensorJetError('E_SHAPE', `Concat: shapes [${first.dims.join(', ')}] and [${x.dims.join(', ')}] differ outside axis ${axis}`);
    }
    if (x.dtype !== first.dtype) throw new TensorJetError('E_SHAPE', `Concat: dtypes ${first.dtype} and ${x.dtype} differ`);
    dims[axis] += x.dims[axis];
  }
  const out = allocTensor(first.dtype, dims);
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const outRun = dims[axis] * inner;
  let start = 0;
  for (const x of xs) {
    const run = x.dims[axis] * inner;
    for (let o = 0; o < outer; o++) copyRun(out.data, o * outRun + start, x.data, o * run, run);
    start += run;
  }
  return out;
}

function sliceArgs(ctx: KernelContext): SliceAxes {
  const x = ctx.input(0);
  if (ctx.opset < 10) {
    const a = ctx.attrs;
    return resolveSlice(x.dims, a.ints('starts'), a.ints('ends'), a.has('axes') ? a.ints('axes') : undefined);
  }
  const opt = (i: number) => { const t = ctx.optionalInput(i); return t ? ints(t) : undefined; };
  return resolveSlice(x.dims, ints(ctx.input(1)), ints(ctx.input(2)), opt(3), opt(4));
}

export const sliceKernels: KernelTable = {
  Slice(ctx) {
    return [sliceRaw(ctx.input(0), sliceArgs(ctx))];
  },
  Split(ctx) {
    const x = ctx.input(0);
    const axis = normalizeAxis(ctx.attrs.int('axis', 0), x.dims.length, 'Split axis');
    let explicit: number[] | undefined;
    if (ctx.opset < 13) explicit = ctx.attrs.has('split') ? ctx.attrs.ints('split') : undefined;
    else { const s = ctx.optionalInput(1); explicit = s ? ints(s) : undefined; }
    const n = ctx.opset >= 18 && ctx.attrs.has('num_outputs') ? ctx.attrs.int('num_outputs') : ctx.node.outputs.length;
    return splitRaw(x, axis, splitSizes(x.dims[axis], n, explicit, ctx.opset >= 18));
  },
  Concat(ctx) {
    const xs = ctx.inputs.map((_, i) => ctx.input(i));
    return [concatRaw(xs, ctx.attrs.int('axis'))];
  },
};
