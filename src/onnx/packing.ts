/** Sub-byte packing used by ONNX files: 4-bit types two per byte, 2-bit types four per byte, low bits first. */
import type { DType } from '../tensor/dtype.js';

/** Elements per byte in packed storage (1 for byte-sized and larger types). */
export function elementsPerByte(dtype: DType): number {
  return dtype === 'int4' || dtype === 'uint4' || dtype === 'float4e2m1' ? 2 : dtype === 'int2' || dtype === 'uint2' ? 4 : 1;
}

/** Unpacks `n` sub-byte elements from `bytes` (int4/int2 sign-extended into an Int8Array). */
export function unpackSubByte(dtype: DType, bytes: ArrayLike<number>, n: number): Int8Array | Uint8Array {
  const per = elementsPerByte(dtype);
  const bits = 8 / per;
  const mask = (1 << bits) - 1;
  const signed = dtype === 'int4' || dtype === 'int2';
  const out = signed ? new Int8Array(n) : new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let v = ((bytes[Math.floor(i / per)] & 0xff) >> ((i % per) * bits)) & mask;
    if (signed && v >> (bits - 1)) v -= 1 << bits;
    out[i] = v;
  }
  return out;
}

/** Packs sub-byte elements (one per array entry) into bytes, low bits first; the last byte is zero-padded. */
export function packSubByte(dtype: DType, values: ArrayLike<number>): Uint8Array {
  const per = elementsPerByte(dtype);
  const bits = 8 / per;
  const mask = (1 << bits) - 1;
  const out = new Uint8Array(Math.ceil(values.length / per));
  for (let i = 0; i < values.length; i++) out[Math.floor(i / per)] |= (values[i] & mask) << ((i % per) * bits);
  return out;
}
