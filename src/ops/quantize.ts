/** Op family 'quantize': QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger, QLinearMatMul, ConvInteger, QLinearConv. */
import type { Dim } from '../ir/graph.js';
import { dtypeFromOnnx, type DType } from '../tensor/dtype.js';
import { windowGeometry } from './conv.js';
import { matmulShape } from './matmul.js';
import type { InferContext, OpSchema, ValueMeta } from './schema.js';
import { concrete, freshDim, like } from './shape-infer.js';

const outputDtype = (ctx: InferContext, fallback: DType | undefined): DType | undefined =>
  ctx.attrs.has('output_dtype') && ctx.attrs.int('output_dtype') !== 0 ? dtypeFromOnnx(ctx.attrs.int('output_dtype')) : fallback;

function mm(ctx: InferContext, a: number, b: number, dtype: DType): ValueMeta[] {
  const A = ctx.inputs[a]?.shape, B = ctx.inputs[b]?.shape;
  return [{ dtype, shape: A && B ? matmulShape(A, B, ctx.node.name) : undefined }];
}

function conv(ctx: InferContext, w: number, dtype: DType): ValueMeta[] {
  const X = ctx.inputs[0]?.shape, W = ctx.inputs[w]?.shape;
  if (!X || !W) return [{ dtype }];
  const sp = X.slice(2);
  const kernel = ctx.attrs.has('kernel_shape') ? ctx.attrs.ints('kernel_shape') : W.slice(2);
  if (!concrete(sp) || !concrete(kernel)) return [{ dtype, shape: [X[0], W[0], ...sp.map((_, i) => freshDim(ctx, i + 2))] }];
  const g = windowGeometry(ctx.attrs, sp, kernel);
  return [{ dtype, shape: [X[0], W[0], ...(g.out as Dim[])] }];
}

export const schemas: OpSchema[] = [
  { opType: 'QuantizeLinear', infer: (ctx) => [like(ctx, 0, ctx.inputs[2]?.dtype ?? outputDtype(ctx, 'uint8'))] },
  { opType: 'DequantizeLinear', infer: (ctx) => [like(ctx, 0, outputDtype(ctx, ctx.inputs[1]?.dtype ?? 'float32'))] },
  { opType: 'DynamicQuantizeLinear', infer: (ctx) => [like(ctx, 0, 'uint8'), { dtype: 'float32', shape: [] }, { dtype: 'uint8', shape: [] }] },
  { opType: 'MatMulInteger', infer: (ctx) => mm(ctx, 0, 1, 'int32') },
  { opType: 'QLinearMatMul', infer: (ctx) => mm(ctx, 0, 3, ctx.inputs[7]?.dtype ?? ctx.inputs[0]?.dtype ?? 'uint8') },
  { opType: 'ConvInteger', infer: (ctx) => conv(ctx, 1, 'int32') },
  { opType: 'QLinearConv', infer: (ctx) => conv(ctx, 3, ctx.inputs[7]?.dtype ?? ctx.inputs[0]?.dtype ?? 'uint8') },
];
