/**
 * Inference helpers shared by the shape, slice and indexing families: constant int values, symbolic dim
 * arithmetic, and folding of small constant values so shape chains (Shape -> Gather -> Concat -> Reshape)
 * resolve at build time.
 */
import type { Dim } from '../ir/graph.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { int64Tensor, ints } from '../backends/cpu/kernels/shape/raw.js';
import type { InferContext, ValueMeta } from './schema.js';
import { KernelContext, type CpuKernel } from '../backends/cpu/kernel.js';
import { isTensor, type Value } from '../ir/value.js';

/** Largest constant (in elements) inference computes values for. */
export const FOLD_LIMIT = 1024;

/** The integer values of input `i` when it is a known constant. */
export function constInts(ctx: InferContext, i: number): number[] | undefined {
  const v = ctx.inputs[i]?.value;
  return v ? ints(v) : undefined;
}

/** A meta carrying a small constant tensor (value kept only when small). */
export function metaOf(t: Tensor): ValueMeta {
  return { dtype: t.dtype, shape: [...t.dims], value: t.data.length <= FOLD_LIMIT ? t : undefined };
}

export function int64Meta(values: number[], dims: number[] = [values.length]): ValueMeta {
  return metaOf(int64Tensor(values, dims));
}

/** All dims concrete? */
export function concrete(shape: readonly Dim[] | undefined): shape is number[] {
  return !!shape && shape.every((d) => typeof d === 'number');
}

/** A fresh symbolic dim for output `o`, position `i` of this node (unknown size of known rank). */
export function freshDim(ctx: InferContext, i: number, o = 0): Dim {
  return `${ctx.node.outputs[o] || ctx.node.name}_d${i}`;
}

/** Product of dims: a number when concrete, the single symbol when only one non-1 dim, else undefined. */
export function dimProduct(dims: readonly Dim[]): Dim | undefined {
  let n = 1;
  const syms: Dim[] = [];
  for (const d of dims) {
    if (typeof d === 'number') n *= d;
    else syms.push(d);
  }
  if (syms.length === 0) return n;
  if (n === 0) return 0;
  if (syms.length === 1 && n === 1) return syms[0];
  return undefined;
}

/** Numpy broadcast of symbolic shapes (incompatible or ambiguous dims become fresh symbols). */
export function broadcastDims(ctx: InferContext, ...shapes: (readonly Dim[])[]): Dim[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const s of shapes) {
      const v = s[s.length - rank + i];
      if (v === undefined || v === 1) continue;
      if (d === 1 || d === v) d = v;
      else if (typeof d === 'string' && typeof v === 'number') d = v;
      else if (!(typeof d === 'number' && typeof v === 'string')) d = freshDim(ctx, i);
    }
    out.push(d);
  }
  return out;
}

export function normAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= Math.max(rank, 1)) throw new Error(`axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** Same dtype and shape as input `i`. */
export function like(ctx: InferContext, i = 0, dtype?: DType): ValueMeta | undefined {
  const a = ctx.inputs[i];
  return a ? { dtype: dtype ?? a.dtype, shape: a.shape ? [...a.shape] : undefined } : undefined;
}

/** Runs a kernel-side function on known constant inputs when all are small; undefined otherwise. */
export function foldable(ctx: InferContext, idx: number[]): Tensor[] | undefined {
  const vals = idx.map((i) => ctx.inputs[i]?.value);
  if (vals.some((v) => !v || v.data.length > FOLD_LIMIT)) return undefined;
  return vals as Tensor[];
}

/**
 * Wraps a shape-only inference: when every present input is a small known constant, the op is run on the
 * CPU reference kernel instead and its outputs become known values (the same semantics, no second copy).
 */
export function withFolding(kernel: CpuKernel, infer: (ctx: InferContext) => (ValueMeta | undefined)[]): (ctx: InferContext) => (ValueMeta | undefined)[] {
  return (ctx) => {
    const shaped = infer(ctx);
    // Never fold an output that the shape-only inference already knows is large (Range, Expand, Tile...).
    const large = shaped.some((m) => concrete(m?.shape) && m!.shape!.reduce((a: number, b) => a * (b as number), 1) > FOLD_LIMIT);
    if (large) return shaped;
    const present = ctx.node.inputs.map((n, i) => (n ? i : -1)).filter((i) => i >= 0);
    const hasGraph = [...ctx.node.attributes.values()].some((a) => a.type === 'graph' || a.type === 'graphs');
    if (!hasGraph && foldable(ctx, present)) {
      const inputs = ctx.node.inputs.map((n, i) => (n ? ctx.inputs[i]!.value : undefined));
      const kctx = new KernelContext(ctx.node, inputs, ctx.opset, () => {
        throw new Error('no subgraphs during folding');
      });
      let outs: Value[] = [];
      try {
        outs = kernel(kctx);
      } catch {
        return shaped; // e.g. data-dependent errors: leave them to run time
      }
      if (outs.length && outs.every((o) => isTensor(o) && o.data.length <= FOLD_LIMIT)) return outs.map((o) => metaOf(o as Tensor));
    }
    return shaped;
  };
}
