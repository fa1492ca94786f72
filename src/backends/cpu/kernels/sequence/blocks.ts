/** Block copies along one axis (any dtype, strings included): slicing and concatenation for sequence ops. */
import { allocTensor, type Tensor } from '../../../../tensor/tensor.js';

type Indexable = { [i: number]: unknown; length: number };

function copyRange(src: Indexable, from: number, dst: Indexable, to: number, n: number): void {
  const s = src as unknown as { subarray?: (a: number, b: number) => ArrayLike<number> };
  if (s.subarray && (dst as unknown as { set?: unknown }).set) {
    (dst as unknown as { set(a: ArrayLike<number>, o: number): void }).set(s.subarray(from, from + n), to);
  } else {
    for (let i = 0; i < n; i++) dst[to + i] = src[from + i];
  }
}

const prod = (d: readonly number[]) => d.reduce((a, b) => a * b, 1);

/** `t[..., start:start+len, ...]` along `axis`. */
export function sliceAxis(t: Tensor, axis: number, start: number, len: number): Tensor {
  const dims = [...t.dims];
  const outer = prod(dims.slice(0, axis));
  const inner = prod(dims.slice(axis + 1));
  const size = dims[axis];
  dims[axis] = len;
  const out = allocTensor(t.dtype, dims);
  for (let o = 0; o < outer; o++) {
    copyRange(t.data as Indexable, (o * size + start) * inner, out.data as Indexable, o * len * inner, len * inner);
  }
  return out;
}

/** Concatenation along `axis` of tensors that agree on every other dim (checked by the caller). */
export function concatAxis(ts: Tensor[], axis: number): Tensor {
  const dims = [...ts[0].dims];
  dims[axis] = ts.reduce((a, t) => a + t.dims[axis], 0);
  const outer = prod(dims.slice(0, axis));
  const inner = prod(dims.slice(axis + 1));
  const out = allocTensor(ts[0].dtype, dims);
  let off = 0;
  for (let o = 0; o < outer; o++) {
    for (const t of ts) {
      const n = t.dims[axis] * inner;
      copyRange(t.data as Indexable, o * n, out.data as Indexable, off, n);
      off += n;
    }
  }
  return out;
}
