/**
 * CPU reference kernels for the 'reduce' op family: ReduceSum/Mean/Max/Min/Prod/L1/L2/LogSum/LogSumExp/
 * SumSquare (axes as attribute, or as input from opset 13 for ReduceSum and 18 for the rest; keepdims;
 * noop_with_empty_axes; reductions over empty sets give the identity: 0, 1, -inf, +inf, NaN for Mean)
 * and ArgMax/ArgMin (select_last_index). Floats accumulate in float64; int64 sums/products are exact.
 */
import { isBigInt } from '../../../tensor/dtype.js';
import { allocTensor } from '../../../tensor/tensor.js';
import type { KernelContext, KernelTable } from '../kernel.js';
import { normalizeAxis, readInts, readNumbers, stridedOffsets, strides, writeNumbers } from '../util.js';
import { intRange } from './elementwise/common.js';

/** Output base offsets and reduced-axis offsets for reducing `dims` over `axes`. */
export function reductionPlan(dims: readonly number[], axes: readonly number[], keepdims: boolean) {
  const rank = dims.length;
  const st = strides(dims);
  const red = new Array<boolean>(rank).fill(false);
  for (const a of axes) red[a] = true;
  const keptAxes = [...Array(rank).keys()].filter((i) => !red[i]);
  const redAxes = [...Array(rank).keys()].filter((i) => red[i]);
  const outDims = keepdims ? dims.map((d, i) => (red[i] ? 1 : d)) : keptAxes.map((i) => dims[i]);
  const offsets = (list: number[]): Int32Array => stridedOffsets(list.map((a) => dims[a]), list.map((a) => st[a]));
  return { outDims, base: offsets(keptAxes), roff: offsets(redAxes) };
}

type Kind = 'Sum' | 'Mean' | 'Max' | 'Min' | 'Prod' | 'L1' | 'L2' | 'LogSum' | 'LogSumExp' | 'SumSquare';

/** Axes from the attribute or input (by opset), normalized; undefined means "all" or noop (see caller). */
function readAxes(ctx: KernelContext, kind: Kind, rank: number): number[] | undefined {
  const fromInput = kind === 'Sum' ? ctx.opset >= 13 : ctx.opset >= 18;
  let axes: number[] | undefined;
  if (fromInput) {
    const t = ctx.optionalInput(1);
    axes = t ? readInts(t) : undefined;
  } else if (ctx.attrs.has('axes')) axes = ctx.attrs.ints('axes');
  if (axes === undefined || axes.length === 0) return undefined;
  const norm = axes.map((a) => normalizeAxis(a, rank, 'axes entry'));
  if (new Set(norm).size !== norm.length) throw ctx.error(`axes [${axes.join(', ')}] contain duplicates`);
  return norm;
}

function reduceNumbers(kind: Kind, X: ArrayLike<number>, base: Int32Array, roff: Int32Array): Float64Array {
  const out = new Float64Array(base.length);
  const m = roff.length;
  for (let o = 0; o < base.length; o++) {
    const b = base[o];
    let acc: number;
    switch (kind) {
      case 'Max':
        acc = -Infinity;
        for (let k = 0; k < m; k++) { const v = X[b + roff[k]]; if (v > acc || v !== v) acc = v; if (acc !== acc) break; }
        break;
      case 'Min':
        acc = Infinity;
        for (let k = 0; k < m; k++) { const v = X[b + roff[k]]; if (v < acc || v !== v) acc = v; if (acc !== acc) break; }
        break;
      case 'Prod':
        acc = 1;
        for (let k = 0; k < m; k++) acc *= X[b + roff[k]];
        break;
      case 'L1': case 'LogSum': case 'Sum': case 'Mean':
        acc = 0;
        if (kind === 'L1') for (let k = 0; k < m; k++) acc += Math.abs(X[b + roff[k]]);
        else for (let k = 0; k < m; k++) acc += X[b + roff[k]];
        if (kind === 'Mean') acc /= m;
        else if (kind === 'LogSum') acc = Math.log(acc);
        break;
      case 'L2': case 'SumSquare':
        acc = 0;
        for (let k = 0; k < m; k++) { const v = X[b + roff[k]]; acc += v * v; }
        if (kind === 'L2') acc = Math.sqrt(acc);
        break;
      case 'LogSumExp': {
        let mx = -Infinity;
        for (let k = 0; k < m; k++) { const v = X[b + roff[k]]; if (v > mx) mx = v; }
        if (mx === -Infinity || mx === Infinity) { acc = mx; break; }
        let s = 0;
        for (let k = 0; k < m; k++) s += Math.exp(X[b + roff[k]] - mx);
        acc = mx + Math.log(s);
        break;
      }
    }
    out[o] = acc;
  }
  return out;
}

function reduceBig(kind: Kind, X: BigInt64Array, base: Int32Array, roff: Int32Array): BigInt64Array | undefined {
  const out = new BigInt64Array(base.length);
  const m = roff.length;
  if (m === 0 && (kind === 'Max' || kind === 'Min')) return undefined;
  for (let o = 0; o < base.length; o++) {
    const b = base[o];
    let acc: bigint;
    switch (kind) {
      case 'Sum': case 'Mean': acc = 0n; for (let k = 0; k < m; k++) acc += X[b + roff[k]]; if (kind === 'Mean') acc /= BigInt(Math.max(m, 1)); break;
      case 'Prod': acc = 1n; for (let k = 0; k < m; k++) acc *= X[b + roff[k]]; break;
      case 'SumSquare': acc = 0n; for (let k = 0; k < m; k++) acc += X[b + roff[k]] * X[b + roff[k]]; break;
      case 'L1': acc = 0n; for (let k = 0; k < m; k++) { const v = X[b + roff[k]]; acc += v < 0n ? -v : v; } break;
      case 'Max': acc = X[b + roff[0]]; for (let k = 1; k < m; k++) if (X[b + roff[k]] > acc) acc = X[b + roff[k]]; break;
      case 'Min': acc = X[b + roff[0]]; for (let k = 1; k < m; k++) if (X[b + roff[k]] < acc) acc = X[b + roff[k]]; break;
      default: return undefined;
    }
    out[o] = acc;
  }
  return out;
}

function reduce(kind: Kind) {
  return (ctx: KernelContext) => {
    const x = ctx.input(0);
    const rank = x.dims.length;
    const keepdims = ctx.attrs.int('keepdims', 1) !== 0;
    let axes = readAxes(ctx, kind, rank);
    if (axes === undefined) {
      const noop = ctx.attrs.int('noop_with_empty_axes', 0) !== 0;
      if (noop) {
        const out = allocTensor(x.dtype, x.dims);
        (out.data as Uint8Array).set(x.data as Uint8Array);
        return [out];
      }
      axes = [...Array(rank).keys()];
    }
    const { outDims, base, roff } = reductionPlan(x.dims, axes, keepdims);
    const out = allocTensor(x.dtype, outDims);
    if (isBigInt(x.dtype)) {
      const r = reduceBig(kind, x.data as BigInt64Array, base, roff);
      if (r) {
        (out.data as BigInt64Array).set(r);
        return [out];
      }
    }
    const vals = reduceNumbers(kind, readNumbers(x), base, roff);
    const range = intRange(x.dtype);
    if (range) {
      // empty-set identities for integers: the dtype's extremes instead of +/-inf (int64 clamps on write)
      for (let i = 0; i < vals.length; i++) {
        if (vals[i] === -Infinity) vals[i] = range[0];
        else if (vals[i] === Infinity) vals[i] = range[1];
        else if (vals[i] !== vals[i]) vals[i] = 0;
      }
    }
    writeNumbers(out, vals);
    return [out];
  };
}

function argReduce(isMax: boolean) {
  return (ctx: KernelContext) => {
    const x = ctx.input(0);
    const rank = x.dims.length;
    const axis = normalizeAxis(ctx.attrs.int('axis', 0), rank);
    const keepdims = ctx.attrs.int('keepdims', 1) !== 0;
    const last = ctx.attrs.int('select_last_index', 0) !== 0;
    if (x.dims[axis] === 0) throw ctx.error(`cannot take ${isMax ? 'ArgMax' : 'ArgMin'} over the empty axis ${axis}`);
    const { outDims, base, roff } = reductionPlan(x.dims, [axis], keepdims);
    const out = allocTensor('int64', outDims);
    const O = out.data as BigInt64Array;
    const big = isBigInt(x.dtype);
    const X = (big ? x.data : readNumbers(x)) as ArrayLike<number>;
    const better = (v: number, best: number): boolean => {
      if (best !== best) return false; // first NaN wins (numpy)
      if (v !== v) return true;
      return isMax ? (last ? v >= best : v > best) : last ? v <= best : v < best;
    };
    for (let o = 0; o < base.length; o++) {
      const b = base[o];
      let bi = 0;
      let best = X[b];
      for (let k = 1; k < roff.length; k++) {
        const v = X[b + roff[k]];
        if (better(v, best)) {
          best = v;
          bi = k;
        }
      }
      O[o] = BigInt(bi);
    }
    return [out];
  };
}

export const kernels: KernelTable = {
  ReduceSum: reduce('Sum'),
  ReduceMean: reduce('Mean'),
  ReduceMax: reduce('Max'),
  ReduceMin: reduce('Min'),
  ReduceProd: reduce('Prod'),
  ReduceL1: reduce('L1'),
  ReduceL2: reduce('L2'),
  ReduceLogSum: reduce('LogSum'),
  ReduceLogSumExp: reduce('LogSumExp'),
  ReduceSumSquare: reduce('SumSquare'),
  ArgMax: argReduce(true),
  ArgMin: argReduce(false),
};
