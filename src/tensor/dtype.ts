/** Element types: names, ONNX codes, sizes and the typed arrays that hold them on the host. */
import { TensorJetError } from '../errors.js';

export type DType =
  | 'float32' | 'float16' | 'bfloat16' | 'float64'
  | 'int8' | 'int16' | 'int32' | 'int64'
  | 'uint8' | 'uint16' | 'uint32' | 'uint64'
  | 'bool' | 'string'
  | 'float8e4m3fn' | 'float8e4m3fnuz' | 'float8e5m2' | 'float8e5m2fnuz' | 'float8e8m0'
  | 'int4' | 'uint4' | 'float4e2m1' | 'int2' | 'uint2';

/**
 * Host storage per dtype. float16/bfloat16 are raw bits in Uint16Array, float8/float4 raw bits one per
 * byte, int4/int2 sign-extended one per Int8Array element, uint4/uint2 one per Uint8Array element
 * (packing happens only in files), bool is 0/1 in Uint8Array, int64 is BigInt64Array.
 */
export type TensorData =
  | Float32Array | Float64Array | Uint16Array | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Uint8Array | Uint32Array | BigUint64Array | string[];

export type NumericData = Exclude<TensorData, string[]>;

interface DTypeInfo {
  onnx: number;
  /** bits per element as stored in ONNX/plan files */
  bits: number;
  array: { new (n: number): TensorData } | null;
  float: boolean;
  signed: boolean;
}

const A = (c: new (n: number) => TensorData) => c;
export const DTYPES: Record<DType, DTypeInfo> = {
  float32: { onnx: 1, bits: 32, array: A(Float32Array), float: true, signed: true },
  uint8: { onnx: 2, bits: 8, array: A(Uint8Array), float: false, signed: false },
  int8: { onnx: 3, bits: 8, array: A(Int8Array), float: false, signed: true },
  uint16: { onnx: 4, bits: 16, array: A(Uint16Array), float: false, signed: false },
  int16: { onnx: 5, bits: 16, array: A(Int16Array), float: false, signed: true },
  int32: { onnx: 6, bits: 32, array: A(Int32Array), float: false, signed: true },
  int64: { onnx: 7, bits: 64, array: A(BigInt64Array), float: false, signed: true },
  string: { onnx: 8, bits: 0, array: null, float: false, signed: false },
  bool: { onnx: 9, bits: 8, array: A(Uint8Array), float: false, signed: false },
  float16: { onnx: 10, bits: 16, array: A(Uint16Array), float: true, signed: true },
  float64: { onnx: 11, bits: 64, array: A(Float64Array), float: true, signed: true },
  uint32: { onnx: 12, bits: 32, array: A(Uint32Array), float: false, signed: false },
  uint64: { onnx: 13, bits: 64, array: A(BigUint64Array), float: false, signed: false },
  bfloat16: { onnx: 16, bits: 16, array: A(Uint16Array), float: true, signed: true },
  float8e4m3fn: { onnx: 17, bits: 8, array: A(Uint8Array), float: true, signed: true },
  float8e4m3fnuz: { onnx: 18, bits: 8, array: A(Uint8Array), float: true, signed: true },
  float8e5m2: { onnx: 19, bits: 8, array: A(Uint8Array), float: true, signed: true },
  float8e5m2fnuz: { onnx: 20, bits: 8, array: A(Uint8Array), float: true, signed: true },
  uint4: { onnx: 21, bits: 4, array: A(Uint8Array), float: false, signed: false },
  int4: { onnx: 22, bits: 4, array: A(Int8Array), float: false, signed: true },
  float4e2m1: { onnx: 23, bits: 4, array: A(Uint8Array), float: true, signed: true },
  float8e8m0: { onnx: 24, bits: 8, array: A(Uint8Array), float: true, signed: false },
  uint2: { onnx: 25, bits: 2, array: A(Uint8Array), float: false, signed: false },
  int2: { onnx: 26, bits: 2, array: A(Int8Array), float: false, signed: true },
};

const BY_ONNX = new Map<number, DType>(Object.entries(DTYPES).map(([k, v]) => [v.onnx, k as DType]));
const ONNX_NAMES: Record<number, string> = { 14: 'complex64', 15: 'complex128' };

export function dtypeFromOnnx(code: number): DType {
  const d = BY_ONNX.get(code);
  if (!d) {
    throw new TensorJetError('E_UNSUPPORTED_DTYPE', `unsupported ONNX data type ${ONNX_NAMES[code] ?? code}`, { onnxType: code });
  }
  return d;
}

export function dtypeToOnnx(d: DType): number {
  return DTYPES[d].onnx;
}

export function isDType(s: string): s is DType {
  return Object.prototype.hasOwnProperty.call(DTYPES, s);
}

export const isFloat = (d: DType): boolean => DTYPES[d].float;
export const isInteger = (d: DType): boolean => !DTYPES[d].float && d !== 'bool' && d !== 'string';
export const isBigInt = (d: DType): boolean => d === 'int64' || d === 'uint64';

/** Bytes one element takes in host memory (the typed array's element size). */
export function hostBytesPerElement(d: DType): number {
  const a = DTYPES[d].array as unknown as { BYTES_PER_ELEMENT?: number } | null;
  return a?.BYTES_PER_ELEMENT ?? 8;
}
