/** Op family 'indexing': Gather*, Scatter*, TensorScatter, OneHot, Compress, NonZero, Unique, TopK, NonMaxSuppression. */
import type { Dim } from '../ir/graph.js';
import { kernels } from '../backends/cpu/kernels/indexing.js';
import type { InferContext, OpSchema, ValueMeta } from './schema.js';
import { constInts, freshDim, like, normAxis, withFolding } from './shape-infer.js';

type Infer = (ctx: InferContext) => (ValueMeta | undefined)[];

const schemaList: [string, Infer][] = [
  ['Gather', (ctx) => {
    const x = ctx.inputs[0], idx = ctx.inputs[1];
    if (!x?.shape || !idx?.shape) return [{ dtype: x?.dtype ?? 'float32' }];
    const a = normAxis(ctx.attrs.int('axis', 0), x.shape.length);
    return [{ dtype: x.dtype, shape: [...x.shape.slice(0, a), ...idx.shape, ...x.shape.slice(a + 1)] }];
  }],
  ['GatherElements', (ctx) => [like(ctx, 1, ctx.inputs[0]?.dtype)]],
  ['GatherND', (ctx) => {
    const x = ctx.inputs[0], idx = ctx.inputs[1];
    const b = ctx.opset >= 12 ? ctx.attrs.int('batch_dims', 0) : 0;
    const k = idx?.shape?.[idx.shape.length - 1];
    if (!x?.shape || !idx?.shape || typeof k !== 'number') return [{ dtype: x?.dtype ?? 'float32' }];
    return [{ dtype: x.dtype, shape: [...idx.shape.slice(0, -1), ...x.shape.slice(b + k)] }];
  }],
  ['Scatter', (ctx) => [like(ctx)]],
  ['ScatterElements', (ctx) => [like(ctx)]],
  ['ScatterND', (ctx) => [like(ctx)]],
  ['TensorScatter', (ctx) => [like(ctx)]],
  ['OneHot', (ctx) => {
    const idx = ctx.inputs[0];
    const depth = constInts(ctx, 1)?.[0];
    const dtype = ctx.inputs[2]?.dtype ?? 'float32';
    if (!idx?.shape) return [{ dtype }];
    const r = idx.shape.length + 1;
    const a = normAxis(ctx.attrs.int('axis', -1), r);
    return [{ dtype, shape: [...idx.shape.slice(0, a), depth ?? freshDim(ctx, a), ...idx.shape.slice(a)] }];
  }],
  ['Compress', (ctx) => {
    const x = ctx.inputs[0];
    if (!x?.shape) return [like(ctx)];
    if (!ctx.attrs.has('axis')) return [{ dtype: x.dtype, shape: [freshDim(ctx, 0)] }];
    const a = normAxis(ctx.attrs.int('axis'), x.shape.length);
    return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (i === a ? freshDim(ctx, i) : d)) }];
  }],
  ['NonZero', (ctx) => {
    const r = ctx.inputs[0]?.shape?.length;
    return [{ dtype: 'int64', shape: r === undefined ? undefined : [r, freshDim(ctx, 1)] }];
  }],
  ['Unique', (ctx) => {
    const x = ctx.inputs[0];
    const n = freshDim(ctx, 0);
    let y: Dim[] | undefined = [n];
    if (ctx.attrs.has('axis')) {
      y = x?.shape ? x.shape.map((d, i) => (i === normAxis(ctx.attrs.int('axis'), x.shape!.length) ? n : d)) : undefined;
    }
    const len = x?.shape ? (ctx.attrs.has('axis') ? x.shape[normAxis(ctx.attrs.int('axis'), x.shape.length)] : freshDim(ctx, 0, 2)) : undefined;
    return [{ dtype: x?.dtype ?? 'float32', shape: y }, { dtype: 'int64', shape: [n] }, { dtype: 'int64', shape: len === undefined ? undefined : [len] }, { dtype: 'int64', shape: [n] }];
  }],
  ['TopK', (ctx) => {
    const x = ctx.inputs[0];
    if (!x?.shape) return [like(ctx), { dtype: 'int64' }];
    const k = ctx.opset >= 10 ? constInts(ctx, 1)?.[0] : ctx.attrs.int('k');
    const a = normAxis(ctx.attrs.int('axis', -1), x.shape.length);
    const shape = x.shape.map((d, i) => (i === a ? k ?? freshDim(ctx, i) : d));
    return [{ dtype: x.dtype, shape }, { dtype: 'int64', shape }];
  }],
  ['NonMaxSuppression', (ctx) => [{ dtype: 'int64', shape: [freshDim(ctx, 0), 3] }]],
];

export const schemas: OpSchema[] = schemaList.map(([opType, infer]) => ({ opType, infer: withFolding(kernels[opType], infer) }));
