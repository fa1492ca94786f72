/** Unary math ops (Abs Neg Sign ... Erf), IsNaN/IsInf, and Clip. */
import { isBigInt, isFloat } from '../../../../tensor/dtype.js';
import { allocTensor } from '../../../../tensor/tensor.js';
import type { KernelContext, KernelTable } from '../../kernel.js';
import { erf, erfPrecise, nums, rint, tensorFrom, unaryFloat } from './common.js';

/** Float-only unary op. */
function fl(fn: (v: number) => number) {
  return (ctx: KernelContext) => [unaryFloat(ctx.input(0), fn)];
}

/** Unary op defined for floats and integers (BigInt path for int64/uint64). */
function numeric(fn: (v: number) => number, big: (v: bigint) => bigint) {
  return (ctx: KernelContext) => {
    const x = ctx.input(0);
    if (isFloat(x.dtype)) return [unaryFloat(x, fn)];
    const out = allocTensor(x.dtype, x.dims);
    const n = x.data.length;
    if (isBigInt(x.dtype)) {
      const X = x.data as BigInt64Array;
      const O = out.data as BigInt64Array;
      for (let i = 0; i < n; i++) O[i] = big(X[i]);
    } else {
      const X = x.data as Int32Array;
      const O = out.data as Int32Array;
      for (let i = 0; i < n; i++) O[i] = fn(X[i]);
    }
    return [out];
  };
}

function isNaNK(ctx: KernelContext) {
  const x = ctx.input(0);
  const X = nums(x);
  const out = allocTensor('bool', x.dims);
  const O = out.data as Uint8Array;
  for (let i = 0; i < X.length; i++) O[i] = X[i] !== X[i] ? 1 : 0;
  return [out];
}

function isInfK(ctx: KernelContext) {
  const x = ctx.input(0);
  const pos = ctx.attrs.int('detect_positive', 1) !== 0;
  const neg = ctx.attrs.int('detect_negative', 1) !== 0;
  const X = nums(x);
  const out = allocTensor('bool', x.dims);
  const O = out.data as Uint8Array;
  for (let i = 0; i < X.length; i++) O[i] = (pos && X[i] === Infinity) || (neg && X[i] === -Infinity) ? 1 : 0;
  return [out];
}

/** Clip: min/max attributes before opset 11, optional scalar inputs from 11 on. */
function clip(ctx: KernelContext) {
  const x = ctx.input(0);
  if (isBigInt(x.dtype)) {
    const lo = ctx.optionalInput(1);
    const hi = ctx.optionalInput(2);
    const l = lo && lo.data.length ? (lo.data as BigInt64Array)[0] : undefined;
    const h = hi && hi.data.length ? (hi.data as BigInt64Array)[0] : undefined;
    const out = allocTensor(x.dtype, x.dims);
    const X = x.data as BigInt64Array;
    const O = out.data as BigInt64Array;
    for (let i = 0; i < X.length; i++) {
      let v = X[i];
      if (l !== undefined && v < l) v = l;
      if (h !== undefined && v > h) v = h;
      O[i] = v;
    }
    return [out];
  }
  let lo = -Infinity;
  let hi = Infinity;
  if (ctx.opset < 11) {
    lo = ctx.attrs.float('min', -3.4028234663852886e38);
    hi = ctx.attrs.float('max', 3.4028234663852886e38);
  } else {
    const l = ctx.optionalInput(1);
    const h = ctx.optionalInput(2);
    if (l && l.data.length) lo = nums(l)[0];
    if (h && h.data.length) hi = nums(h)[0];
  }
  const fn = (v: number) => (v !== v ? v : Math.min(Math.max(v, lo), hi));
  if (isFloat(x.dtype)) return [unaryFloat(x, fn)];
  const X = nums(x);
  const out = allocTensor(x.dtype, x.dims);
  const O = out.data as Int32Array;
  for (let i = 0; i < X.length; i++) O[i] = fn(X[i]);
  return [out];
}

const sign = (v: number) => (v > 0 ? 1 : v < 0 ? -1 : v === 0 ? 0 : NaN);

export const unaryKernels: KernelTable = {
  Abs: numeric(Math.abs, (v) => (v < 0n ? -v : v)),
  Neg: numeric((v) => -v, (v) => -v),
  Sign: numeric(sign, (v) => (v > 0n ? 1n : v < 0n ? -1n : 0n)),
  Reciprocal: fl((v) => 1 / v),
  Floor: fl(Math.floor),
  Ceil: fl(Math.ceil),
  Round: fl(rint),
  Sqrt: fl(Math.sqrt),
  Exp: fl(Math.exp),
  Log: fl(Math.log),
  Sin: fl(Math.sin),
  Cos: fl(Math.cos),
  Tan: fl(Math.tan),
  Asin: fl(Math.asin),
  Acos: fl(Math.acos),
  Atan: fl(Math.atan),
  Sinh: fl(Math.sinh),
  Cosh: fl(Math.cosh),
  Asinh: fl(Math.asinh),
  Acosh: fl(Math.acosh),
  Atanh: fl(Math.atanh),
  Erf: (ctx) => {
    const x = ctx.input(0);
    if (isFloat(x.dtype)) return [unaryFloat(x, x.dtype === 'float64' ? erfPrecise : erf)];
    return [tensorFrom(x.dtype, x.dims, Array.from(nums(x), (v) => Math.round(erfPrecise(v))))];
  },
  IsNaN: isNaNK,
  IsInf: isInfK,
  Clip: clip,
};
