/**
 * float8 (e4m3fn, e4m3fnuz, e5m2, e5m2fnuz, e8m0) and float4e2m1 encode/decode, following the ONNX Cast
 * rules: round to nearest even; with `saturate` out-of-range values (and infinities, except where the
 * format has no NaN to give) clamp to the largest finite value, otherwise they become NaN (or Inf for
 * e5m2). "fnuz" formats have no negative zero (0x80 is their only NaN). float4e2m1 has no NaN/Inf:
 * NaN encodes as -0 and infinities always saturate. e8m0 is an unsigned power of two (2^(e-127)),
 * 0xFF is NaN, and its rounding is chosen by `roundMode` ('up' by default, as in Cast-24).
 */
import { TensorJetError } from '../errors.js';
import type { DType } from './dtype.js';

interface Format {
  mbits: number;
  bias: number;
  /** largest finite magnitude code (sign bit excluded) */
  maxCode: number;
  /** code for NaN (undefined: none) */
  nan: number | undefined;
  /** code of +Inf (undefined: none) */
  inf: number | undefined;
  /** no negative zero; the sign-only pattern is NaN */
  uz: boolean;
  /** sign bit position */
  signBit: number;
}

const FORMATS: Partial<Record<DType, Format>> = {
  float8e4m3fn: { mbits: 3, bias: 7, maxCode: 0x7e, nan: 0x7f, inf: undefined, uz: false, signBit: 7 },
  float8e4m3fnuz: { mbits: 3, bias: 8, maxCode: 0x7f, nan: 0x80, inf: undefined, uz: true, signBit: 7 },
  float8e5m2: { mbits: 2, bias: 15, maxCode: 0x7b, nan: 0x7e, inf: 0x7c, uz: false, signBit: 7 },
  float8e5m2fnuz: { mbits: 2, bias: 16, maxCode: 0x7f, nan: 0x80, inf: undefined, uz: true, signBit: 7 },
  float4e2m1: { mbits: 1, bias: 1, maxCode: 0x7, nan: undefined, inf: undefined, uz: false, signBit: 3 },
};

const MINIFLOATS = new Set<DType>(['float8e4m3fn', 'float8e4m3fnuz', 'float8e5m2', 'float8e5m2fnuz', 'float8e8m0', 'float4e2m1']);

export const isMinifloat = (d: DType): boolean => MINIFLOATS.has(d);

export type E8M0RoundMode = 'up' | 'down' | 'nearest';

/** 256-entry (16 for float4) decode tables, built on first use. */
const tables = new Map<DType, Float32Array>();

function decodeOne(fmt: Format, code: number): number {
  const sign = code >> fmt.signBit ? -1 : 1;
  const mag = code & ((1 << fmt.signBit) - 1);
  if (fmt.nan !== undefined && (code === fmt.nan || (!fmt.uz && mag === fmt.nan))) return NaN;
  if (fmt.inf !== undefined && mag === fmt.inf) return sign * Infinity;
  if (fmt.inf !== undefined && mag > fmt.inf) return NaN; // e5m2: all-ones exponent with mantissa
  const e = mag >> fmt.mbits;
  const m = mag & ((1 << fmt.mbits) - 1);
  const v = e === 0 ? m * 2 ** (1 - fmt.bias - fmt.mbits) : (1 + m / (1 << fmt.mbits)) * 2 ** (e - fmt.bias);
  return sign * v;
}

function table(dtype: DType): Float32Array {
  let t = tables.get(dtype);
  if (t) return t;
  if (dtype === 'float8e8m0') {
    t = new Float32Array(256);
    for (let i = 0; i < 256; i++) t[i] = i === 255 ? NaN : 2 ** (i - 127);
  } else {
    const fmt = FORMATS[dtype];
    if (!fmt) throw new TensorJetError('E_UNSUPPORTED_DTYPE', `${dtype} is not a minifloat type`);
    t = new Float32Array(1 << (fmt.signBit + 1));
    for (let i = 0; i < t.length; i++) t[i] = decodeOne(fmt, i);
  }
  tables.set(dtype, t);
  return t;
}

export function decodeMinifloat(dtype: DType, bits: Uint8Array): Float32Array {
  const tb = table(dtype);
  const mask = tb.length - 1;
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = tb[bits[i] & mask];
  return out;
}

/** Round half to even. */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Magnitude code of a finite |v| > 0, before overflow handling (may exceed maxCode). */
function encodeMagnitude(fmt: Format, a: number): number {
  const emin = 1 - fmt.bias;
  if (a < 2 ** emin) return rint(a * 2 ** (fmt.mbits - emin)); // subnormal (may round up to the first normal)
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  let m = rint(a * 2 ** (fmt.mbits - e));
  if (m === 2 << fmt.mbits) {
    e++;
    m = 1 << fmt.mbits;
  }
  const be = e + fmt.bias;
  if (be > 60) return 0x7fffffff; // far out of range
  return (be << fmt.mbits) | (m - (1 << fmt.mbits));
}

function encodeOne(fmt: Format, v: number, saturate: boolean): number {
  const signed = v < 0 || Object.is(v, -0);
  const sign = signed ? 1 << fmt.signBit : 0;
  if (Number.isNaN(v)) return fmt.nan ?? 1 << fmt.signBit; // float4 has no NaN: -0
  const a = Math.abs(v);
  let mag: number;
  if (a === Infinity) {
    if (saturate || (fmt.nan === undefined && fmt.inf === undefined)) mag = fmt.maxCode;
    else return fmt.inf !== undefined ? sign | fmt.inf : (fmt.nan as number);
  } else {
    mag = a === 0 ? 0 : encodeMagnitude(fmt, a);
    if (mag > fmt.maxCode) {
      if (saturate || fmt.nan === undefined) mag = fmt.maxCode;
      else return fmt.inf !== undefined ? sign | fmt.inf : (fmt.nan as number);
    }
  }
  if (mag === 0 && fmt.uz) return 0;
  return sign | mag;
}

function encodeE8M0(v: number, saturate: boolean, mode: E8M0RoundMode): number {
  if (Number.isNaN(v)) return 0xff;
  const a = Math.abs(v);
  if (a === Infinity) return saturate ? 0xfe : 0xff;
  if (a === 0) return 0;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const exact = 2 ** e === a;
  if (!exact) {
    if (mode === 'up') e++;
    else if (mode === 'nearest') {
      // nearest power of two, ties (a = 1.5 * 2^e) going up
      if (a >= 1.5 * 2 ** e) e++;
    }
  }
  let code = e + 127;
  if (code < 0) code = 0;
  if (code > 254) return saturate ? 0xfe : 0xff;
  return code;
}

/** Round-to-nearest-even with saturation (the ONNX Cast default). */
export function encodeMinifloat(dtype: DType, values: ArrayLike<number>, saturate = true, roundMode: E8M0RoundMode = 'up'): Uint8Array {
  const n = values.length;
  const out = new Uint8Array(n);
  if (dtype === 'float8e8m0') {
    for (let i = 0; i < n; i++) out[i] = encodeE8M0(values[i], saturate, roundMode);
    return out;
  }
  const fmt = FORMATS[dtype];
  if (!fmt) throw new TensorJetError('E_UNSUPPORTED_DTYPE', `${dtype} is not a minifloat type`);
  for (let i = 0; i < n; i++) out[i] = encodeOne(fmt, values[i], saturate);
  return out;
}
