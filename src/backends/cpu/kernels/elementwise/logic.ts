/** Comparisons, logical and bitwise ops, BitShift and Where. Outputs of comparisons are bool. */
import { isBigInt } from '../../../../tensor/dtype.js';
import { allocTensor, numel, type Tensor } from '../../../../tensor/tensor.js';
import type { KernelContext, KernelTable } from '../../kernel.js';
import { broadcastIndex, broadcastShapes } from '../../util.js';
import { binaryMap, type BigFn, type NumFn } from './common.js';

function compare(num: NumFn, big: BigFn, str?: (a: string, b: string) => boolean) {
  return (ctx: KernelContext) => {
    const a = ctx.input(0);
    const b = ctx.input(1);
    if (a.dtype !== b.dtype) throw ctx.error(`input dtypes differ (${a.dtype} and ${b.dtype})`);
    if (a.dtype === 'string') {
      if (!str) throw ctx.error('string inputs are not supported');
      return [stringCompare(a, b, str)];
    }
    return [binaryMap(a, b, num, big, 'bool')];
  };
}

function stringCompare(a: Tensor, b: Tensor, fn: (x: string, y: string) => boolean): Tensor {
  const outDims = broadcastShapes(a.dims, b.dims);
  const out = allocTensor('bool', outDims);
  const ia = broadcastIndex(a.dims, outDims);
  const ib = broadcastIndex(b.dims, outDims);
  const A = a.data as string[];
  const B = b.data as string[];
  const O = out.data as Uint8Array;
  for (let i = 0; i < O.length; i++) O[i] = fn(A[ia ? ia[i] : i], B[ib ? ib[i] : i]) ? 1 : 0;
  return out;
}

function logical(fn: NumFn) {
  return (ctx: KernelContext) => [binaryMap(ctx.input(0), ctx.input(1), fn, undefined, 'bool')];
}

function bitwise(num: NumFn, big: BigFn) {
  return (ctx: KernelContext) => {
    const a = ctx.input(0);
    const b = ctx.input(1);
    if (a.dtype !== b.dtype) throw ctx.error(`input dtypes differ (${a.dtype} and ${b.dtype})`);
    return [binaryMap(a, b, num, big)];
  };
}

const BITS: Record<string, number> = { uint8: 8, uint16: 16, uint32: 32, uint64: 64 };

function bitShift(ctx: KernelContext) {
  const a = ctx.input(0);
  const b = ctx.input(1);
  const dir = ctx.attrs.string('direction');
  if (dir !== 'LEFT' && dir !== 'RIGHT') throw ctx.attrs.error(`direction must be LEFT or RIGHT, got '${dir}'`);
  const bits = BITS[a.dtype] ?? 32;
  const left = dir === 'LEFT';
  const num: NumFn = (x, s) => {
    if (s >= bits || s < 0) return 0;
    if (left) return bits === 32 ? (x * 2 ** s) % 4294967296 : x * 2 ** s; // typed array store wraps
    return Math.floor(x / 2 ** s);
  };
  const big: BigFn = (x, s) => (s >= 64n ? 0n : left ? BigInt.asUintN(64, x << s) : x >> s);
  return [binaryMap(a, b, num, big)];
}

function where(ctx: KernelContext) {
  const c = ctx.input(0);
  const x = ctx.input(1);
  const y = ctx.input(2);
  if (x.dtype !== y.dtype) throw ctx.error(`X and Y dtypes differ (${x.dtype} and ${y.dtype})`);
  const outDims = broadcastShapes(c.dims, x.dims, y.dims);
  const out = allocTensor(x.dtype, outDims);
  const ic = broadcastIndex(c.dims, outDims);
  const ix = broadcastIndex(x.dims, outDims);
  const iy = broadcastIndex(y.dims, outDims);
  const C = c.data as Uint8Array;
  const X = x.data as unknown as ArrayLike<unknown>;
  const Y = y.data as unknown as ArrayLike<unknown>;
  const O = out.data as unknown as unknown[];
  const n = numel(outDims);
  for (let i = 0; i < n; i++) O[i] = C[ic ? ic[i] : i] ? X[ix ? ix[i] : i] : Y[iy ? iy[i] : i];
  return [out];
}

/** Unary bit/logic ops. */
function notK(ctx: KernelContext) {
  const x = ctx.input(0);
  const out = allocTensor('bool', x.dims);
  const X = x.data as Uint8Array;
  const O = out.data as Uint8Array;
  for (let i = 0; i < X.length; i++) O[i] = X[i] ? 0 : 1;
  return [out];
}

function bitwiseNot(ctx: KernelContext) {
  const x = ctx.input(0);
  const out = allocTensor(x.dtype, x.dims);
  const n = x.data.length;
  if (isBigInt(x.dtype)) {
    const X = x.data as BigInt64Array;
    const O = out.data as BigInt64Array;
    for (let i = 0; i < n; i++) O[i] = ~X[i];
  } else {
    const X = x.data as Int32Array;
    const O = out.data as Int32Array;
    for (let i = 0; i < n; i++) O[i] = ~X[i];
  }
  return [out];
}

export const logicKernels: KernelTable = {
  Equal: compare((a, b) => (a === b ? 1 : 0), (a, b) => a === b, (a, b) => a === b),
  Less: compare((a, b) => (a < b ? 1 : 0), (a, b) => a < b),
  LessOrEqual: compare((a, b) => (a <= b ? 1 : 0), (a, b) => a <= b),
  Greater: compare((a, b) => (a > b ? 1 : 0), (a, b) => a > b),
  GreaterOrEqual: compare((a, b) => (a >= b ? 1 : 0), (a, b) => a >= b),
  And: logical((a, b) => (a && b ? 1 : 0)),
  Or: logical((a, b) => (a || b ? 1 : 0)),
  Xor: logical((a, b) => (!a !== !b ? 1 : 0)),
  BitwiseAnd: bitwise((a, b) => a & b, (a, b) => a & b),
  BitwiseOr: bitwise((a, b) => a | b, (a, b) => a | b),
  BitwiseXor: bitwise((a, b) => a ^ b, (a, b) => a ^ b),
  BitwiseNot: bitwiseNot,
  BitShift: bitShift,
  Where: where,
  Not: notK,
};
