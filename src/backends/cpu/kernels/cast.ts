/**
 * CPU reference kernels for the 'cast' op family: Cast, CastLike, BitCast. Conversions among all dtypes:
 * floats round to nearest even (float8/float4 honour `saturate`, float8e8m0 `round_mode`), floats to
 * integers truncate toward zero and wrap like numpy's astype (int4/int2 wrap to their width), int64 is
 * exact, strings parse and print like the ONNX reference ("NaN", "INF", "-INF").
 */
import { DTYPES, dtypeFromOnnx, isBigInt, isFloat, type DType } from '../../../tensor/dtype.js';
import { encodeMinifloat, isMinifloat, type E8M0RoundMode } from '../../../tensor/minifloat.js';
import { allocTensor, type Tensor } from '../../../tensor/tensor.js';
import type { KernelContext, KernelTable } from '../kernel.js';
import { readNumbers, writeNumbers } from '../util.js';

const SUBBYTE_BITS: Partial<Record<DType, number>> = { int4: 4, uint4: 4, int2: 2, uint2: 2 };

/** Wraps an integer to an n-bit field (two's complement when signed). */
function wrapBits(v: number, bits: number, signed: boolean): number {
  const m = 1 << bits;
  let r = ((v % m) + m) % m;
  if (signed && r >= m / 2) r -= m;
  return r;
}

export function parseNumber(s: string): number {
  const t = s.trim().toLowerCase();
  if (t === 'nan' || t === '+nan' || t === '-nan') return NaN;
  if (t === 'inf' || t === '+inf' || t === 'infinity' || t === '+infinity') return Infinity;
  if (t === '-inf' || t === '-infinity') return -Infinity;
  return Number(t);
}

/** Shortest decimal that round-trips through the dtype (float32 by default), formatted like Python repr. */
export function formatNumber(v: number, dtype: DType): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'INF';
  if (v === -Infinity) return '-INF';
  if (!isFloat(dtype)) return String(v);
  let s = String(v);
  if (dtype !== 'float64') {
    for (let p = 1; p <= 17; p++) {
      const c = v.toPrecision(p);
      if (Math.fround(Number(c)) === Math.fround(v)) {
        s = String(Number(c));
        break;
      }
    }
  }
  const n = Number(s);
  if (n === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const exp = Math.floor(Math.log10(Math.abs(n)));
  if (exp < -4 || exp >= 16) {
    let [mant, e] = n.toExponential().split('e');
    const en = Number(e);
    e = (en < 0 ? '-' : '+') + String(Math.abs(en)).padStart(2, '0');
    return `${mant}e${e}`;
  }
  return s.includes('.') || s.includes('e') ? s : `${s}.0`;
}

/** Converts tensor `x` to `to`. */
export function castTensor(x: Tensor, to: DType, saturate = true, roundMode: E8M0RoundMode = 'up'): Tensor {
  const out = allocTensor(to, x.dims);
  const n = x.data.length;
  if (x.dtype === to) {
    if (to === 'string') (out.data as string[]).splice(0, n, ...(x.data as string[]));
    else (out.data as Uint8Array).set(x.data as Uint8Array);
    return out;
  }
  // string source: parse
  if (x.dtype === 'string') {
    const S = x.data as string[];
    if (isBigInt(to)) {
      const O = out.data as BigInt64Array;
      for (let i = 0; i < n; i++) {
        const t = S[i].trim();
        O[i] = /^[+-]?\d+$/.test(t) ? BigInt(t) : BigInt(Math.trunc(parseNumber(t)) || 0);
      }
      return out;
    }
    const vals = new Float64Array(n);
    for (let i = 0; i < n; i++) vals[i] = parseNumber(S[i]);
    return castTensor({ dtype: 'float64', dims: x.dims, data: vals }, to, saturate, roundMode);
  }
  // string target: format
  if (to === 'string') {
    const O = out.data as string[];
    if (isBigInt(x.dtype)) {
      const X = x.data as BigInt64Array;
      for (let i = 0; i < n; i++) O[i] = X[i].toString();
    } else {
      const X = readNumbers(x);
      for (let i = 0; i < n; i++) O[i] = x.dtype === 'bool' ? (X[i] ? 'True' : 'False') : formatNumber(X[i], x.dtype);
    }
    return out;
  }
  // 64-bit integer source: exact conversions
  if (isBigInt(x.dtype)) {
    const X = x.data as BigInt64Array;
    if (isBigInt(to)) {
      const O = out.data as BigInt64Array;
      for (let i = 0; i < n; i++) O[i] = X[i]; // typed array store wraps modulo 2^64
      return out;
    }
    if (to === 'bool') {
      const O = out.data as Uint8Array;
      for (let i = 0; i < n; i++) O[i] = X[i] !== 0n ? 1 : 0;
      return out;
    }
    const vals = new Float64Array(n);
    const sub = SUBBYTE_BITS[to];
    if (isFloat(to)) for (let i = 0; i < n; i++) vals[i] = Number(X[i]);
    else for (let i = 0; i < n; i++) vals[i] = Number(BigInt.asIntN(sub ?? 32, X[i]));
    return castTensor({ dtype: 'float64', dims: x.dims, data: vals }, to, saturate, roundMode);
  }
  const X = readNumbers(x);
  if (isBigInt(to)) {
    const O = out.data as BigInt64Array;
    for (let i = 0; i < n; i++) {
      const v = X[i];
      O[i] = Number.isFinite(v) ? BigInt(Math.trunc(v)) : -0x8000000000000000n;
    }
    return out;
  }
  if (to === 'bool') {
    const O = out.data as Uint8Array;
    for (let i = 0; i < n; i++) O[i] = X[i] !== 0 ? 1 : 0;
    return out;
  }
  if (isMinifloat(to)) {
    (out.data as Uint8Array).set(encodeMinifloat(to, X, saturate, roundMode));
    return out;
  }
  const sub = SUBBYTE_BITS[to];
  if (sub !== undefined) {
    const O = out.data as Int8Array;
    const signed = DTYPES[to].signed;
    for (let i = 0; i < n; i++) O[i] = Number.isFinite(X[i]) ? wrapBits(Math.trunc(X[i]), sub, signed) : 0;
    return out;
  }
  if (!isFloat(to) && isFloat(x.dtype)) {
    // float -> int: truncate; NaN/Inf give 0 (typed array store); store wraps out-of-range values
    const O = out.data as Int32Array;
    for (let i = 0; i < n; i++) O[i] = Math.trunc(X[i]);
    return out;
  }
  writeNumbers(out, X);
  return out;
}

function castOptions(ctx: KernelContext): { saturate: boolean; roundMode: E8M0RoundMode } {
  const saturate = ctx.attrs.int('saturate', 1) !== 0;
  const rm = ctx.attrs.string('round_mode', 'up');
  if (rm !== 'up' && rm !== 'down' && rm !== 'nearest') throw ctx.attrs.error(`round_mode must be up, down or nearest, got '${rm}'`);
  return { saturate, roundMode: rm };
}

function cast(ctx: KernelContext) {
  const x = ctx.input(0);
  const to = dtypeFromOnnx(ctx.attrs.int('to'));
  const { saturate, roundMode } = castOptions(ctx);
  return [castTensor(x, to, saturate, roundMode)];
}

function castLike(ctx: KernelContext) {
  const x = ctx.input(0);
  const like = ctx.input(1);
  const { saturate, roundMode } = castOptions(ctx);
  return [castTensor(x, like.dtype, saturate, roundMode)];
}

/** BitCast: reinterprets the bits of each element as `to` (same bit width). */
function bitCast(ctx: KernelContext) {
  const x = ctx.input(0);
  const to = dtypeFromOnnx(ctx.attrs.int('to'));
  if (x.dtype === 'string' || to === 'string') throw ctx.error('BitCast does not support strings');
  if (DTYPES[x.dtype].bits !== DTYPES[to].bits) {
    throw ctx.error(`BitCast needs equal bit widths (${x.dtype}: ${DTYPES[x.dtype].bits}, ${to}: ${DTYPES[to].bits})`);
  }
  const out = allocTensor(to, x.dims);
  const sub = SUBBYTE_BITS[to];
  if (sub !== undefined || SUBBYTE_BITS[x.dtype] !== undefined) {
    const X = x.data as Int8Array;
    const O = out.data as Int8Array;
    const bits = DTYPES[to].bits;
    for (let i = 0; i < X.length; i++) O[i] = sub !== undefined ? wrapBits(X[i], bits, DTYPES[to].signed) : X[i] & ((1 << bits) - 1);
    return [out];
  }
  const src = x.data as Uint8Array;
  const bytes = new Uint8Array(src.buffer, src.byteOffset, src.byteLength);
  new Uint8Array((out.data as Uint8Array).buffer).set(bytes);
  return [out];
}

export const kernels: KernelTable = {
  Cast: cast,
  CastLike: castLike,
  BitCast: bitCast,
};
