/** Op family 'slice': Slice, Split, Concat, Pad, DepthToSpace, SpaceToDepth, Trilu, ReverseSequence, CenterCropPad. */
import type { Dim } from '../ir/graph.js';
import { kernels } from '../backends/cpu/kernels/slice.js';
import { resolveSlice, splitSizes } from '../backends/cpu/kernels/slice/slice.js';
import type { InferContext, OpSchema, ValueMeta } from './schema.js';
import { constInts, freshDim, like, normAxis, withFolding } from './shape-infer.js';

type Infer = (ctx: InferContext) => (ValueMeta | undefined)[];

/** Slice over symbolic dims: concrete axes are resolved exactly, sliced symbolic axes become fresh symbols. */
const sliceInfer: Infer = (ctx) => {
  const x = ctx.inputs[0];
  if (!x?.shape) return [like(ctx)];
  const a = ctx.attrs;
  const starts = ctx.opset < 10 ? a.ints('starts') : constInts(ctx, 1);
  const ends = ctx.opset < 10 ? a.ints('ends') : constInts(ctx, 2);
  const axes = ctx.opset < 10 ? (a.has('axes') ? a.ints('axes') : undefined) : ctx.node.inputs[3] ? constInts(ctx, 3) : undefined;
  const steps = ctx.opset < 10 ? undefined : ctx.node.inputs[4] ? constInts(ctx, 4) : undefined;
  const rank = x.shape.length;
  if (!starts || !ends || (ctx.node.inputs[3] && !axes) || (ctx.node.inputs[4] && !steps)) {
    return [{ dtype: x.dtype, shape: x.shape.map((_, i) => freshDim(ctx, i)) }];
  }
  const ax = (axes ?? starts.map((_, i) => i)).map((v) => normAxis(v, rank));
  // Resolve with symbolic dims replaced by a huge stand-in; those axes, if sliced, become fresh.
  const BIG = 2 ** 40;
  const dims = x.shape.map((d) => (typeof d === 'number' ? d : BIG));
  const r = resolveSlice(dims, starts, ends, ax, steps);
  return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (!ax.includes(i) ? d : typeof d === 'number' ? r.counts[i] : freshDim(ctx, i))) }];
};

const schemaList: [string, Infer][] = [
  ['Slice', sliceInfer],
  ['Split', (ctx) => {
    const x = ctx.inputs[0];
    const n = ctx.node.outputs.length;
    if (!x?.shape) return ctx.node.outputs.map(() => like(ctx));
    const axis = normAxis(ctx.attrs.int('axis', 0), x.shape.length);
    const explicit = ctx.opset < 13 ? (ctx.attrs.has('split') ? ctx.attrs.ints('split') : undefined) : ctx.node.inputs[1] ? constInts(ctx, 1) : undefined;
    const d = x.shape[axis];
    const sizes: Dim[] | undefined = explicit ?? (typeof d === 'number' ? splitSizes(d, n, undefined, ctx.opset >= 18) : undefined);
    return ctx.node.outputs.map((_, i) => ({ dtype: x.dtype, shape: x.shape!.map((v, j) => (j === axis ? sizes?.[i] ?? freshDim(ctx, j, i) : v)) }));
  }],
  ['Concat', (ctx) => {
    const ins = ctx.inputs;
    const first = ins.find((m) => m?.shape);
    if (!first || ins.some((m) => !m?.shape)) return [{ dtype: ins[0]?.dtype ?? 'float32', shape: first?.shape?.map((_, i) => freshDim(ctx, i)) }];
    const rank = first.shape!.length;
    const axis = normAxis(ctx.attrs.int('axis'), rank);
    const shape = first.shape!.map((d, i) => {
      if (i === axis) {
        const parts = ins.map((m) => m!.shape![i]);
        return parts.every((p) => typeof p === 'number') ? (parts as number[]).reduce((a, b) => a + b, 0) : freshDim(ctx, i);
      }
      // prefer a concrete size if any input has one
      return ins.map((m) => m!.shape![i]).find((v) => typeof v === 'number') ?? d;
    });
    return [{ dtype: first.dtype, shape }];
  }],
  ['Pad', (ctx) => {
    const x = ctx.inputs[0];
    if (!x?.shape) return [like(ctx)];
    const rank = x.shape.length;
    let pads = ctx.opset < 11 ? (ctx.attrs.has('pads') ? ctx.attrs.ints('pads') : ctx.attrs.ints('paddings')) : constInts(ctx, 1);
    const axes = ctx.opset >= 18 && ctx.node.inputs[3] ? constInts(ctx, 3) : undefined;
    if (ctx.opset >= 18 && ctx.node.inputs[3] && !axes) pads = undefined;
    if (pads && axes) {
      const full = new Array<number>(2 * rank).fill(0);
      axes.forEach((a, i) => { const n = normAxis(a, rank); full[n] = pads![i]; full[n + rank] = pads![i + axes.length]; });
      pads = full;
    }
    return [{ dtype: x.dtype, shape: x.shape.map((d, i) => {
      if (!pads) return freshDim(ctx, i);
      const p = pads[i] + pads[i + rank];
      return p === 0 ? d : typeof d === 'number' ? d + p : freshDim(ctx, i);
    }) }];
  }],
  ['DepthToSpace', (ctx) => {
    const x = ctx.inputs[0];
    const bs = ctx.attrs.int('blocksize');
    if (!x?.shape) return [like(ctx)];
    const [n, c, h, w] = x.shape;
    const mul = (d: Dim, k: number, i: number) => (typeof d === 'number' ? d * k : freshDim(ctx, i));
    return [{ dtype: x.dtype, shape: [n, typeof c === 'number' ? c / (bs * bs) : freshDim(ctx, 1), mul(h, bs, 2), mul(w, bs, 3)] }];
  }],
  ['SpaceToDepth', (ctx) => {
    const x = ctx.inputs[0];
    const bs = ctx.attrs.int('blocksize');
    if (!x?.shape) return [like(ctx)];
    const [n, c, h, w] = x.shape;
    const div = (d: Dim, i: number) => (typeof d === 'number' ? d / bs : freshDim(ctx, i));
    return [{ dtype: x.dtype, shape: [n, typeof c === 'number' ? c * bs * bs : freshDim(ctx, 1), div(h, 2), div(w, 3)] }];
  }],
  ['Trilu', (ctx) => [like(ctx)]],
  ['ReverseSequence', (ctx) => [like(ctx)]],
  ['CenterCropPad', (ctx) => {
    const x = ctx.inputs[0];
    const s = constInts(ctx, 1);
    if (!x?.shape) return [like(ctx)];
    const rank = x.shape.length;
    const axes = (ctx.attrs.has('axes') ? ctx.attrs.ints('axes') : x.shape.map((_, i) => i)).map((a) => normAxis(a, rank));
    return [{ dtype: x.dtype, shape: x.shape.map((d, i) => { const k = axes.indexOf(i); return k < 0 ? d : s ? s[k] : freshDim(ctx, i); }) }];
  }],
];

export const schemas: OpSchema[] = schemaList.map(([opType, infer]) => ({ opType, infer: withFolding(kernels[opType], infer) }));
