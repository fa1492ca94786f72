/**
 * CPU reference kernels for the 'softmax' op family: Softmax, LogSoftmax, Hardmax. Before opset 13 the
 * input is coerced to 2D at `axis` (default 1) and normalized over the flattened trailing block; from
 * opset 13 the op normalizes along the single `axis` (default -1).
 */
import { isFloat } from '../../../tensor/dtype.js';
import { allocTensor, type Tensor } from '../../../tensor/tensor.js';
import type { KernelContext, KernelTable } from '../kernel.js';
import { normalizeAxis, readNumbers, writeNumbers } from '../util.js';

type Kind = 'softmax' | 'logsoftmax' | 'hardmax';

/** (outer, len, inner) geometry of the normalized axis for this opset. */
export function softmaxGeometry(dims: readonly number[], axisAttr: number, opset: number): [number, number, number] {
  const rank = dims.length;
  if (rank === 0) return [1, 1, 1];
  const axis = normalizeAxis(axisAttr, rank);
  const prod = (a: number, b: number) => dims.slice(a, b).reduce((p, d) => p * d, 1);
  if (opset < 13) return [prod(0, axis), prod(axis, rank), 1];
  return [prod(0, axis), dims[axis], prod(axis + 1, rank)];
}

/** Normalizes `X` into `O` (both length outer*len*inner). */
export function softmaxInto(kind: Kind, X: ArrayLike<number>, O: { [i: number]: number }, outer: number, len: number, inner: number): void {
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * len * inner + j;
      let mx = -Infinity;
      let arg = 0;
      for (let k = 0; k < len; k++) {
        const v = X[base + k * inner];
        if (v > mx) { mx = v; arg = k; }
      }
      if (kind === 'hardmax') {
        for (let k = 0; k < len; k++) O[base + k * inner] = k === arg ? 1 : 0;
        continue;
      }
      let s = 0;
      for (let k = 0; k < len; k++) s += Math.exp(X[base + k * inner] - mx);
      if (kind === 'softmax') {
        const inv = 1 / s;
        for (let k = 0; k < len; k++) O[base + k * inner] = Math.exp(X[base + k * inner] - mx) * inv;
      } else {
        const ls = Math.log(s) + mx;
        for (let k = 0; k < len; k++) O[base + k * inner] = X[base + k * inner] - ls;
      }
    }
  }
}

function softmaxKernel(kind: Kind) {
  return (ctx: KernelContext) => {
    const x = ctx.input(0);
    if (!isFloat(x.dtype)) throw ctx.error(`expects a float input, got ${x.dtype}`);
    const [outer, len, inner] = softmaxGeometry(x.dims, ctx.attrs.int('axis', ctx.opset < 13 ? 1 : -1), ctx.opset);
    const out: Tensor = allocTensor(x.dtype, x.dims);
    if (x.dtype === 'float32' || x.dtype === 'float64') {
      softmaxInto(kind, x.data as Float32Array, out.data as Float32Array, outer, len, inner);
      return [out];
    }
    const tmp = new Float32Array(x.data.length);
    softmaxInto(kind, readNumbers(x), tmp, outer, len, inner);
    writeNumbers(out, tmp);
    return [out];
  };
}

export const kernels: KernelTable = {
  Softmax: softmaxKernel('softmax'),
  LogSoftmax: softmaxKernel('logsoftmax'),
  Hardmax: softmaxKernel('hardmax'),
};
