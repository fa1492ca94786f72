/** Gather, GatherElements, GatherND: raw-element copies addressed by index tensors. */
import { TensorJetError } from '../../../../errors.js';
import { allocTensor, type Tensor } from '../../../../tensor/tensor.js';
import type { KernelTable } from '../../kernel.js';
import { normalizeAxis, strides } from '../../util.js';
import { copyRun, ints } from '../shape/raw.js';

type Indexable = { [i: number]: unknown };

/** Normalizes a (possibly negative) index against `dim`, throwing when out of range. */
export function indexIn(i: number, dim: number, what: string): number {
  const j = i < 0 ? i + dim : i;
  if (j < 0 || j >= dim) throw new TensorJetError('E_KERNEL', `${what}: index ${i} is out of range for dimension ${dim}`);
  return j;
}

export function gatherRaw(x: Tensor, indices: Tensor, axis0: number): Tensor {
  const axis = normalizeAxis(axis0, x.dims.length, 'Gather axis');
  const idx = ints(indices);
  const dim = x.dims[axis];
  const outer = x.dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = x.dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out = allocTensor(x.dtype, [...x.dims.slice(0, axis), ...indices.dims, ...x.dims.slice(axis + 1)]);
  const norm = idx.map((i) => indexIn(i, dim, 'Gather'));
  let o = 0;
  for (let b = 0; b < outer; b++) {
    const base = b * dim * inner;
    for (const k of norm) {
      copyRun(out.data, o, x.data, base + k * inner, inner);
      o += inner;
    }
  }
  return out;
}

export const gatherKernels: KernelTable = {
  Gather(ctx) {
    return [gatherRaw(ctx.input(0), ctx.input(1), ctx.attrs.int('axis', 0))];
  },
  GatherElements(ctx) {
    const x = ctx.input(0), it = ctx.input(1);
    const rank = x.dims.length;
    const axis = normalizeAxis(ctx.attrs.int('axis', 0), rank, 'GatherElements axis');
    if (it.dims.length !== rank) throw ctx.error('indices must have the same rank as data');
    const idx = ints(it);
    const out = allocTensor(x.dtype, it.dims);
    const xs = strides(x.dims);
    const src = x.data as unknown as Indexable, dst = out.data as unknown as Indexable;
    const c = new Array<number>(rank).fill(0);
    for (let i = 0; i < idx.length; i++) {
      let off = 0;
      for (let d = 0; d < rank; d++) off += (d === axis ? indexIn(idx[i], x.dims[axis], 'GatherElements') : c[d]) * xs[d];
      dst[i] = src[off];
      for (let d = rank - 1; d >= 0; d--) { if (++c[d] < it.dims[d]) break; c[d] = 0; }
    }
    return [out];
  },
  GatherND(ctx) {
    const x = ctx.input(0), it = ctx.input(1);
    const b = ctx.opset >= 12 ? ctx.attrs.int('batch_dims', 0) : 0;
    const k = it.dims[it.dims.length - 1];
    if (k > x.dims.length - b) throw ctx.error(`index tuples of length ${k} exceed data rank ${x.dims.length} - batch_dims ${b}`);
    const batch = x.dims.slice(0, b).reduce((p, q) => p * q, 1);
    const sliceDims = x.dims.slice(b + k);
    const slice = sliceDims.reduce((p, q) => p * q, 1);
    const outDims = [...it.dims.slice(0, -1), ...sliceDims];
    const out = allocTensor(x.dtype, outDims);
    const idx = ints(it);
    const xs = strides(x.dims);
    const batchSize = x.dims.slice(b).reduce((p, q) => p * q, 1);
    const nTuples = it.dims.slice(b, -1).reduce((p, q) => p * q, 1);
    let o = 0;
    for (let bi = 0; bi < batch; bi++) {
      for (let t = 0; t < nTuples; t++) {
        let off = bi * batchSize;
        for (let j = 0; j < k; j++) off += indexIn(idx[(bi * nTuples + t) * k + j], x.dims[b + j], 'GatherND') * xs[b + j];
        copyRun(out.data, o, x.data, off, slice);
        o += slice;
      }
    }
    return [out];
  },
};
