/** Host tensors: `{ dtype, dims, data }`, familiar to onnxruntime-node users. */
import { TensorJetError } from '../errors.js';
import { DTYPES, type DType, type TensorData } from './dtype.js';

export interface Tensor {
  readonly dtype: DType;
  readonly dims: readonly number[];
  readonly data: TensorData;
}

/** Largest tensor (in elements) any host allocation may create; guards against hostile models. */
let maxElements = 2 ** 31 - 1;
/** Largest tensor (in bytes) any host allocation may create. */
let maxBytes = 8 * 2 ** 30;

export function setAllocationLimit(limit: { elements?: number; bytes?: number }): void {
  if (limit.elements !== undefined) maxElements = limit.elements;
  if (limit.bytes !== undefined) maxBytes = limit.bytes;
}

export function getAllocationLimit(): { elements: number; bytes: number } {
  return { elements: maxElements, bytes: maxBytes };
}

/** Element count of a shape; throws on negative or non-integer dims. */
export function numel(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) throw new TensorJetError('E_SHAPE', `invalid dimension ${d} in shape [${dims.join(', ')}]`);
    n *= d;
  }
  return n;
}

/** Whether two shapes are equal, dim by dim. */
export function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Throws E_ALLOCATION_LIMIT before anything is allocated if a tensor of this shape is too big. */
export function checkAllocation(dtype: DType, dims: readonly number[], what = 'tensor'): number {
  const n = numel(dims);
  const bytes = n * Math.max(1, DTYPES[dtype].bits / 8);
  if (n > maxElements || bytes > maxBytes) {
    throw new TensorJetError(
      'E_ALLOCATION_LIMIT',
      `${what} of shape [${dims.join(', ')}] (${dtype}) needs ${formatCount(n)} elements / ${formatBytes(bytes)}, over the limit of ${formatCount(maxElements)} elements / ${formatBytes(maxBytes)}`,
      { shape: [...dims], dtype },
    );
  }
  return n;
}

/** Allocates a zero-filled host tensor, refusing sizes over the allocation limit. */
export function allocTensor(dtype: DType, dims: readonly number[]): Tensor {
  const n = checkAllocation(dtype, dims);
  const ctor = DTYPES[dtype].array;
  const data: TensorData = ctor ? new ctor(n) : new Array<string>(n).fill('');
  return { dtype, dims: [...dims], data };
}

/** Builds a tensor, checking that the data length matches the shape. */
export function makeTensor(dtype: DType, dims: readonly number[], data: TensorData): Tensor {
  const n = numel(dims);
  if (data.length !== n) {
    throw new TensorJetError('E_SHAPE', `tensor data has ${data.length} elements but shape [${dims.join(', ')}] needs ${n}`);
  }
  return { dtype, dims: [...dims], data };
}

export function scalar(dtype: DType, value: number | bigint | string | boolean): Tensor {
  const t = allocTensor(dtype, []);
  (t.data as unknown as unknown[])[0] = dtype === 'int64' || dtype === 'uint64' ? BigInt(value as number) : typeof value === 'boolean' ? Number(value) : value;
  return t;
}

export function formatBytes(b: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) { b /= 1024; i++; }
  return `${i === 0 ? b : b.toFixed(1)} ${units[i]}`;
}

function formatCount(n: number): string {
  return n >= 1e6 ? n.toExponential(2) : String(n);
}
