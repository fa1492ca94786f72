/** Shared helpers for CPU kernels: strides, broadcasting, and numeric views of tensors. */
import { TensorJetError } from '../../errors.js';
import { allocTensor, type Tensor } from '../../tensor/tensor.js';
import type { DType, NumericData } from '../../tensor/dtype.js';
import { bfloat16ToFloat32, float16ToFloat32, float32ToBfloat16, float32ToFloat16 } from '../../tensor/float16.js';
import { decodeMinifloat, encodeMinifloat, isMinifloat } from '../../tensor/minifloat.js';

/** Row-major strides of a shape. */
export function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i];
  }
  return s;
}

/** Numpy-style broadcast of several shapes; throws E_SHAPE when incompatible. */
export function broadcastShapes(...shapes: (readonly number[])[]): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i];
      if (out[o] === 1) out[o] = d;
      else if (d !== 1 && d !== out[o]) {
        throw new TensorJetError('E_SHAPE', `shapes ${shapes.map((x) => `[${x.join(', ')}]`).join(' and ')} cannot be broadcast`);
      }
    }
  }
  return out;
}

/**
 * For each output element (row-major over `outDims`), the flat index into a tensor of shape `dims`
 * broadcast to `outDims`.
 */
export function broadcastIndex(dims: readonly number[], outDims: readonly number[]): Int32Array | null {
  const same = dims.length === outDims.length && dims.every((d, i) => d === outDims[i]);
  if (same) return null; // identity
  const rank = outDims.length;
  const st = strides(dims);
  const bst = new Array<number>(rank).fill(0);
  for (let i = 0; i < dims.length; i++) {
    const o = rank - dims.length + i;
    bst[o] = dims[i] === 1 ? 0 : st[i];
  }
  return stridedOffsets(outDims, bst);
}

/** The offset of every position of `dims` (row-major) when dimension d advances by `steps[d]`. */
export function stridedOffsets(dims: readonly number[], steps: readonly number[]): Int32Array {
  const rank = dims.length;
  const n = dims.reduce((a, b) => a * b, 1);
  const idx = new Int32Array(n);
  const counter = new Array<number>(rank).fill(0);
  let off = 0;
  for (let i = 0; i < n; i++) {
    idx[i] = off;
    for (let d = rank - 1; d >= 0; d--) {
      counter[d]++;
      off += steps[d];
      if (counter[d] < dims[d]) break;
      off -= steps[d] * counter[d];
      counter[d] = 0;
    }
  }
  return idx;
}

/** The tensor's values as plain JS numbers (decoding float16/bfloat16/float8, converting int64). */
export function readNumbers(t: Tensor): ArrayLike<number> & { length: number } {
  const d = t.data;
  switch (t.dtype) {
    case 'float16': {
      const src = d as Uint16Array;
      const out = new Float32Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = float16ToFloat32(src[i]);
      return out;
    }
    case 'bfloat16': {
      const src = d as Uint16Array;
      const out = new Float32Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = bfloat16ToFloat32(src[i]);
      return out;
    }
    case 'int64':
    case 'uint64': {
      const src = d as BigInt64Array | BigUint64Array;
      const out = new Float64Array(src.length);
      for (let i = 0; i < src.length; i++) out[i] = Number(src[i]);
      return out;
    }
    case 'string':
      throw new TensorJetError('E_UNSUPPORTED_DTYPE', 'string tensors have no numeric value');
    default:
      if (isMinifloat(t.dtype)) return decodeMinifloat(t.dtype, d as Uint8Array);
      return d as Exclude<NumericData, BigInt64Array | BigUint64Array>;
  }
}

/** Builds a tensor of `dtype` from numbers (rounding for half types, truncating for integers). */
export function fromNumbers(dtype: DType, dims: readonly number[], values: ArrayLike<number>): Tensor {
  const t = allocTensor(dtype, dims);
  writeNumbers(t, values);
  return t;
}

/** Writes numbers into an existing tensor's storage, converting to its dtype. */
export function writeNumbers(t: Tensor, values: ArrayLike<number>): void {
  const n = values.length;
  const d = t.data;
  switch (t.dtype) {
    case 'float16':
      for (let i = 0; i < n; i++) (d as Uint16Array)[i] = float32ToFloat16(values[i]);
      return;
    case 'bfloat16':
      for (let i = 0; i < n; i++) (d as Uint16Array)[i] = float32ToBfloat16(values[i]);
      return;
    case 'int64':
      for (let i = 0; i < n; i++) (d as BigInt64Array)[i] = toBigInt(values[i]);
      return;
    case 'uint64':
      for (let i = 0; i < n; i++) (d as BigUint64Array)[i] = BigInt.asUintN(64, toBigInt(values[i]));
      return;
    case 'bool':
      for (let i = 0; i < n; i++) (d as Uint8Array)[i] = values[i] ? 1 : 0;
      return;
    case 'string':
      throw new TensorJetError('E_UNSUPPORTED_DTYPE', 'cannot write numbers into a string tensor');
    default:
      if (isMinifloat(t.dtype)) {
        (d as Uint8Array).set(encodeMinifloat(t.dtype, values));
        return;
      }
      if (d instanceof Float32Array || d instanceof Float64Array) {
        d.set(values as ArrayLike<number>);
        return;
      }
      for (let i = 0; i < n; i++) (d as Int32Array)[i] = Math.trunc(values[i]);
  }
}

function toBigInt(v: number): bigint {
  if (!Number.isFinite(v)) return v > 0 ? 0x7fffffffffffffffn : v < 0 ? -0x8000000000000000n : 0n;
  return BigInt(Math.trunc(v));
}

/** Integer values of an int32/int64 tensor (shape inputs, axes, indices). */
export function readInts(t: Tensor): number[] {
  return Array.from(readNumbers(t), (v) => Number(v));
}

/** Normalizes a possibly negative axis against `rank`; throws with the node's context via `where`. */
export function normalizeAxis(axis: number, rank: number, where = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= Math.max(rank, 1)) throw new TensorJetError('E_SHAPE', `${where} ${axis} is out of range for rank ${rank}`);
  return a;
}
