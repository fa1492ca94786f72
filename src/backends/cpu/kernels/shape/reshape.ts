/** Reshape, Flatten, Squeeze, Unsqueeze, Shape, Size, Identity: shape-only ops (data shared, never copied). */
import { TensorJetError } from '../../../../errors.js';
import { isTensor } from '../../../../ir/value.js';
import { scalar } from '../../../../tensor/tensor.js';
import type { KernelContext, KernelTable } from '../../kernel.js';
import { normalizeAxis } from '../../util.js';
import { int64Tensor, ints, reshaped } from './raw.js';

/** Output dims of Reshape (0 copies the input dim unless allowzero, -1 is inferred). Shared with inference. */
export function reshapeDims(inDims: readonly number[], shape: readonly number[], allowzero: boolean): number[] {
  const total = inDims.reduce((a, b) => a * b, 1);
  let inferAt = -1;
  const out = shape.map((s, i) => {
    if (s === 0 && !allowzero) {
      if (i >= inDims.length) throw new TensorJetError('E_SHAPE', `Reshape: shape[${i}] = 0 has no input dimension to copy`);
      return inDims[i];
    }
    if (s === -1) {
      if (inferAt >= 0) throw new TensorJetError('E_SHAPE', 'Reshape: more than one -1 in the target shape');
      inferAt = i;
      return 1;
    }
    if (s < -1) throw new TensorJetError('E_SHAPE', `Reshape: invalid target dimension ${s}`);
    return s;
  });
  const known = out.reduce((a, b) => a * b, 1);
  if (inferAt >= 0) {
    if (known === 0 || total % known !== 0) {
      throw new TensorJetError('E_SHAPE', `Reshape: cannot infer -1 reshaping [${inDims.join(', ')}] to [${shape.join(', ')}]`);
    }
    out[inferAt] = total / known;
  } else if (known !== total) {
    throw new TensorJetError('E_SHAPE', `Reshape: cannot reshape [${inDims.join(', ')}] (${total} elements) to [${out.join(', ')}]`);
  }
  return out;
}

export function flattenDims(dims: readonly number[], axis: number): number[] {
  const a = axis < 0 ? axis + dims.length : axis;
  if (a < 0 || a > dims.length) throw new TensorJetError('E_SHAPE', `Flatten: axis ${axis} out of range for rank ${dims.length}`);
  const outer = dims.slice(0, a).reduce((x, y) => x * y, 1);
  const inner = dims.slice(a).reduce((x, y) => x * y, 1);
  return [outer, inner];
}

/** Axes from the attribute (older opsets) or the optional input `i` (opset >= `since`). */
export function axesArg(ctx: KernelContext, since: number, i = 1): number[] | undefined {
  if (ctx.opset >= since) {
    const t = ctx.optionalInput(i);
    return t ? ints(t) : undefined;
  }
  return ctx.attrs.has('axes') ? ctx.attrs.ints('axes') : undefined;
}

export function squeezeDims(dims: readonly number[], axes: number[] | undefined): number[] {
  if (!axes) return dims.filter((d) => d !== 1);
  const norm = new Set(axes.map((a) => normalizeAxis(a, dims.length, 'Squeeze axis')));
  for (const a of norm) if (dims[a] !== 1) throw new TensorJetError('E_SHAPE', `Squeeze: axis ${a} has size ${dims[a]}, not 1`);
  return dims.filter((_, i) => !norm.has(i));
}

export function unsqueezeDims(dims: readonly number[], axes: number[]): number[] {
  const rank = dims.length + axes.length;
  const norm = new Set(axes.map((a) => normalizeAxis(a, rank, 'Unsqueeze axis')));
  if (norm.size !== axes.length) throw new TensorJetError('E_SHAPE', `Unsqueeze: repeated axes [${axes.join(', ')}]`);
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) out.push(norm.has(i) ? 1 : dims[j++]);
  return out;
}

/** [start, end) of Shape's slice (opset 15), clamped. */
export function shapeRange(rank: number, start: number, end: number | undefined): [number, number] {
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  return [clamp(start), end === undefined ? rank : clamp(end)];
}

export const reshapeKernels: KernelTable = {
  Reshape(ctx) {
    const x = ctx.input(0);
    const shape = ctx.opset < 5 ? ctx.attrs.ints('shape') : ints(ctx.input(1));
    const allowzero = ctx.opset >= 14 && ctx.attrs.int('allowzero', 0) === 1;
    return [reshaped(x, reshapeDims(x.dims, shape, allowzero))];
  },
  Flatten(ctx) {
    const x = ctx.input(0);
    return [reshaped(x, flattenDims(x.dims, ctx.attrs.int('axis', 1)))];
  },
  Squeeze(ctx) {
    const x = ctx.input(0);
    return [reshaped(x, squeezeDims(x.dims, axesArg(ctx, 13)))];
  },
  Unsqueeze(ctx) {
    const x = ctx.input(0);
    const axes = axesArg(ctx, 13);
    if (!axes) throw ctx.error('axes are required');
    return [reshaped(x, unsqueezeDims(x.dims, axes))];
  },
  Shape(ctx) {
    const x = ctx.input(0);
    const [s, e] = shapeRange(x.dims.length, ctx.opset >= 15 ? ctx.attrs.int('start', 0) : 0, ctx.opset >= 15 && ctx.attrs.has('end') ? ctx.attrs.int('end') : undefined);
    return [int64Tensor(x.dims.slice(s, Math.max(s, e)))];
  },
  Size(ctx) {
    return [scalar('int64', ctx.input(0).data.length)];
  },
  Identity(ctx) {
    const v = ctx.inputs[0];
    if (v === undefined) throw ctx.error('input 0 is required');
    return [isTensor(v) ? { dtype: v.dtype, dims: [...v.dims], data: v.data } : v];
  },
};
