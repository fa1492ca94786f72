/**
 * float8 (e4m3fn, e4m3fnuz, e5m2, e5m2fnuz, e8m0) and float4e2m1 encode/decode.
 * Placeholder signatures: the cast family fills in the conversions.
 */
import { TensorJetError } from '../errors.js';
import type { DType } from './dtype.js';

const MINIFLOATS = new Set<DType>(['float8e4m3fn', 'float8e4m3fnuz', 'float8e5m2', 'float8e5m2fnuz', 'float8e8m0', 'float4e2m1']);

export const isMinifloat = (d: DType): boolean => MINIFLOATS.has(d);

export function decodeMinifloat(dtype: DType, bits: Uint8Array): Float32Array {
  throw new TensorJetError('E_UNSUPPORTED_DTYPE', `${dtype} decoding is not implemented yet (${bits.length} elements)`);
}

/** Round-to-nearest-even with saturation (the ONNX Cast default). */
export function encodeMinifloat(dtype: DType, values: ArrayLike<number>, saturate = true): Uint8Array {
  throw new TensorJetError('E_UNSUPPORTED_DTYPE', `${dtype} encoding is not implemented yet (${values.length} elements, saturate=${saturate})`);
}
