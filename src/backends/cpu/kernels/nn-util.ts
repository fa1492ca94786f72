/** Small helpers shared by the nn-family CPU kernels (conv, pool, matmul, normalization, rnn, attention, resize). */
import type { Tensor } from '../../../tensor/tensor.js';
import { readNumbers, writeNumbers } from '../util.js';

/** The tensor's values as a Float32Array (the tensor's own storage when it is float32). */
export function toF32(t: Tensor): Float32Array {
  if (t.dtype === 'float32') return t.data as Float32Array;
  return Float32Array.from(readNumbers(t));
}

/** The tensor's values as a Float64Array (a copy). */
export function toF64(t: Tensor): Float64Array {
  return Float64Array.from(readNumbers(t));
}

/** Writes float values into `t` (converting to its dtype) unless they already are its storage. */
export function fromF32(t: Tensor, values: ArrayLike<number>): void {
  if (t.data === values) return;
  writeNumbers(t, values);
}

export function prod(v: readonly number[]): number {
  let p = 1;
  for (const x of v) p *= x;
  return p;
}
