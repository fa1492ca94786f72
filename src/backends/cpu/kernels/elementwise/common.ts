/**
 * Shared machinery of the math families: broadcasting binary maps (number and BigInt paths), unary maps
 * over float tensors (float16/bfloat16/float8 computed in float32 and rounded back), and a few helpers.
 */
import { TensorJetError } from '../../../../errors.js';
import { isBigInt, isFloat, type DType } from '../../../../tensor/dtype.js';
import { allocTensor, numel, type Tensor } from '../../../../tensor/tensor.js';
import { broadcastIndex, broadcastShapes, readNumbers, writeNumbers } from '../../util.js';

export type NumFn = (a: number, b: number) => number;
export type BigFn = (a: bigint, b: bigint) => bigint | number | boolean;

/** Output storage that can hold JS numbers directly (typed arrays other than half/minifloat/bigint). */
export function directNumeric(d: DType): boolean {
  return !isBigInt(d) && d !== 'string' && d !== 'float16' && d !== 'bfloat16' && !(isFloat(d) && d !== 'float32' && d !== 'float64');
}

/** Writes `values` (computed in float64/float32) into a new tensor of `dtype`. */
export function tensorFrom(dtype: DType, dims: readonly number[], values: ArrayLike<number>): Tensor {
  const t = allocTensor(dtype, dims);
  writeNumbers(t, values);
  return t;
}

/** Values as numbers; BigInt tensors are converted (callers needing exact int64 use `.data`). */
export function nums(t: Tensor): ArrayLike<number> {
  if (t.dtype === 'string') throw new TensorJetError('E_UNSUPPORTED_DTYPE', 'string tensors have no numeric value');
  return readNumbers(t);
}

/**
 * Broadcasting binary map. `num` handles number-valued dtypes (ints are stored with wrap-around by the
 * typed array), `big` handles int64/uint64 exactly. `outDtype` defaults to a's dtype.
 */
export function binaryMap(a: Tensor, b: Tensor, num: NumFn, big: BigFn | undefined, outDtype: DType = a.dtype): Tensor {
  const outDims = broadcastShapes(a.dims, b.dims);
  const n = numel(outDims);
  const out = allocTensor(outDtype, outDims);
  const ia = broadcastIndex(a.dims, outDims);
  const ib = broadcastIndex(b.dims, outDims);
  if (isBigInt(a.dtype) && isBigInt(b.dtype)) {
    if (!big) throw new TensorJetError('E_UNSUPPORTED_DTYPE', `${a.dtype} is not supported here`);
    const A = a.data as BigInt64Array;
    const B = b.data as BigInt64Array;
    const O = out.data as unknown as { [i: number]: unknown };
    const bool = outDtype === 'bool';
    for (let i = 0; i < n; i++) {
      const r = big(A[ia ? ia[i] : i], B[ib ? ib[i] : i]);
      O[i] = bool ? (r ? 1 : 0) : r;
    }
    return out;
  }
  const A = nums(a);
  const B = nums(b);
  const direct = directNumeric(outDtype);
  const O = (direct ? out.data : new Float32Array(n)) as Float64Array;
  if (!ia && !ib) for (let i = 0; i < n; i++) O[i] = num(A[i], B[i]);
  else if (!ia && B.length === 1) {
    const bv = B[0];
    for (let i = 0; i < n; i++) O[i] = num(A[i], bv);
  } else if (!ib && A.length === 1) {
    const av = A[0];
    for (let i = 0; i < n; i++) O[i] = num(av, B[i]);
  } else for (let i = 0; i < n; i++) O[i] = num(A[ia ? ia[i] : i], B[ib ? ib[i] : i]);
  if (!direct) writeNumbers(out, O);
  return out;
}

/** Unary map over a float tensor (any float dtype), computing in float64 and rounding to the dtype. */
export function unaryFloat(x: Tensor, fn: (v: number) => number, outDtype: DType = x.dtype): Tensor {
  const n = x.data.length;
  if ((x.dtype === 'float32' || x.dtype === 'float64') && outDtype === x.dtype) {
    const out = allocTensor(outDtype, x.dims);
    const X = x.data as Float32Array;
    const O = out.data as Float32Array;
    for (let i = 0; i < n; i++) O[i] = fn(X[i]);
    return out;
  }
  const X = nums(x);
  const tmp = new Float64Array(n);
  for (let i = 0; i < n; i++) tmp[i] = fn(X[i]);
  return tensorFrom(outDtype, x.dims, tmp);
}

/** Round half to even (numpy's rint). */
export function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * Complementary error function with relative error < 1.2e-7 everywhere (Chebyshev fit, Numerical
 * Recipes' erfcc): float32-accurate and cheap, so Gelu/Erf over large tensors stay fast.
 */
export function erfc32(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const ans = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? ans : 2 - ans;
}

/** Error function to float32 accuracy: Taylor series for |x| < 0.5 (relative accuracy near 0), else 1 - erfc. */
export function erf(x: number): number {
  if (Math.abs(x) >= 0.5) return x > 0 ? 1 - erfc32(x) : erfc32(-x) - 1;
  const x2 = x * x;
  let term = x;
  let sum = x;
  for (let k = 1; k < 12; k++) {
    term *= -x2 / k;
    sum += term / (2 * k + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** Error function, accurate to ~1e-13 (float64 tensors): Taylor series near 0, continued fraction for erfc in the tails. */
export function erfPrecise(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 3) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let k = 1; k < 200; k++) {
      term *= -x2 / k;
      const add = term / (2 * k + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  if (ax > 6) return Math.sign(x);
  // erfc(x) = exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...))))
  let f = ax;
  for (let k = 60; k >= 1; k--) f = ax + k / 2 / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return Math.sign(x) * (1 - erfc);
}

/** Integer range of an integer dtype, for saturating casts / clamps. */
export function intRange(d: DType): [number, number] | undefined {
  switch (d) {
    case 'int8': return [-128, 127];
    case 'uint8': return [0, 255];
    case 'int16': return [-32768, 32767];
    case 'uint16': return [0, 65535];
    case 'int32': return [-2147483648, 2147483647];
    case 'uint32': return [0, 4294967295];
    case 'int4': return [-8, 7];
    case 'uint4': return [0, 15];
    case 'int2': return [-2, 1];
    case 'uint2': return [0, 3];
    default: return undefined;
  }
}
