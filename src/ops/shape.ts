/** Op family 'shape': Reshape, Flatten, Squeeze, Unsqueeze, Shape, Size, Transpose, Expand, Tile, Identity, Constant*, EyeLike, Range, Dropout. */
import type { Dim } from '../ir/graph.js';
import { dtypeFromOnnx } from '../tensor/dtype.js';
import { kernels } from '../backends/cpu/kernels/shape.js';
import { shapeRange } from '../backends/cpu/kernels/shape/reshape.js';
import { rangeCount, transposePerm } from '../backends/cpu/kernels/shape/construct.js';
import { readNumbers } from '../backends/cpu/util.js';
import type { InferContext, OpSchema, ValueMeta } from './schema.js';
import { shapeOperand } from './symbolic-value.js';
import { broadcastDims, concrete, constInts, dimProduct, freshDim, int64Meta, like, normAxis, withFolding } from './shape-infer.js';

type Infer = (ctx: InferContext) => (ValueMeta | undefined)[];

function axesOf(ctx: InferContext, since: number): number[] | undefined | null {
  if (ctx.opset >= since) return ctx.node.inputs[1] ? constInts(ctx, 1) ?? null : undefined;
  return ctx.attrs.has('axes') ? ctx.attrs.ints('axes') : undefined;
}

/** Reshape over symbolic dims: 0 copies, -1 is solved when the symbols cancel, else a fresh symbol. */
function reshapeInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const x = ctx.inputs[0];
  const shape: Dim[] | undefined = ctx.opset < 5 ? ctx.attrs.ints('shape') : shapeOperand(ctx, 1);
  if (!x) return [];
  if (!shape) {
    const s = ctx.inputs[1]?.shape;
    return [{ dtype: x.dtype, shape: s && typeof s[0] === 'number' ? Array.from({ length: s[0] }, (_, i) => freshDim(ctx, i)) : undefined }];
  }
  const allowzero = ctx.opset >= 14 && ctx.attrs.int('allowzero', 0) === 1;
  const inDims = x.shape;
  const out: Dim[] = shape.map((s, i) => (s === 0 && !allowzero ? inDims?.[i] ?? freshDim(ctx, i) : s));
  const neg = out.indexOf(-1);
  if (neg >= 0) {
    out[neg] = freshDim(ctx, neg);
    if (inDims) {
      // cancel equal symbols and divide the numeric parts
      const syms = inDims.filter((d): d is string => typeof d === 'string');
      const num = inDims.filter((d): d is number => typeof d === 'number').reduce((a, b) => a * b, 1);
      let den = 1;
      let ok = true;
      out.forEach((d, i) => {
        if (i === neg) return;
        if (typeof d === 'number') den *= d;
        else { const k = syms.indexOf(d); if (k >= 0) syms.splice(k, 1); else ok = false; }
      });
      if (ok && den > 0) {
        if (syms.length === 0 && num % den === 0) out[neg] = num / den;
        else if (syms.length === 1 && num === den) out[neg] = syms[0];
      }
    }
  }
  return [{ dtype: x.dtype, shape: out }];
}

const schemaList: [string, Infer][] = [
  ['Reshape', reshapeInfer],
  ['Flatten', (ctx) => {
    const x = ctx.inputs[0];
    if (!x?.shape) return [like(ctx)];
    const r = x.shape.length;
    let a = ctx.attrs.int('axis', 1);
    if (a < 0) a += r;
    return [{ dtype: x.dtype, shape: [dimProduct(x.shape.slice(0, a)) ?? freshDim(ctx, 0), dimProduct(x.shape.slice(a)) ?? freshDim(ctx, 1)] }];
  }],
  ['Squeeze', (ctx) => {
    const x = ctx.inputs[0];
    const axes = axesOf(ctx, 13);
    if (!x?.shape || axes === null) return [{ dtype: x?.dtype ?? 'float32' }];
    if (!axes) return concrete(x.shape) ? [{ dtype: x.dtype, shape: x.shape.filter((d) => d !== 1) }] : [{ dtype: x.dtype }];
    const r = x.shape.length;
    const drop = new Set(axes.map((a) => normAxis(a, r)));
    return [{ dtype: x.dtype, shape: x.shape.filter((_, i) => !drop.has(i)) }];
  }],
  ['Unsqueeze', (ctx) => {
    const x = ctx.inputs[0];
    const axes = axesOf(ctx, 13);
    if (!x?.shape || !axes) return [{ dtype: x?.dtype ?? 'float32' }];
    const r = x.shape.length + axes.length;
    const ins = new Set(axes.map((a) => normAxis(a, r)));
    const out: Dim[] = [];
    for (let i = 0, j = 0; i < r; i++) out.push(ins.has(i) ? 1 : x.shape[j++]);
    return [{ dtype: x.dtype, shape: out }];
  }],
  ['Shape', (ctx) => {
    const x = ctx.inputs[0];
    if (!x?.shape) return [{ dtype: 'int64', shape: [freshDim(ctx, 0)] }];
    const [s, e] = shapeRange(x.shape.length, ctx.opset >= 15 ? ctx.attrs.int('start', 0) : 0, ctx.opset >= 15 && ctx.attrs.has('end') ? ctx.attrs.int('end') : undefined);
    const dims = x.shape.slice(s, Math.max(s, e));
    return [concrete(dims) ? int64Meta(dims) : { dtype: 'int64', shape: [dims.length] }];
  }],
  ['Size', (ctx) => {
    const x = ctx.inputs[0];
    return [concrete(x?.shape) ? int64Meta([x!.shape!.reduce((a, b) => a * b, 1)], []) : { dtype: 'int64', shape: [] }];
  }],
  ['Transpose', (ctx) => {
    const x = ctx.inputs[0];
    if (!x?.shape) return [like(ctx)];
    const perm = transposePerm(x.shape.length, ctx.attrs.has('perm') ? ctx.attrs.ints('perm') : undefined);
    return [{ dtype: x.dtype, shape: perm.map((p) => x.shape![p]) }];
  }],
  ['Expand', (ctx) => {
    const x = ctx.inputs[0];
    const s = shapeOperand(ctx, 1);
    if (!x) return [];
    if (!s || !x.shape) return [{ dtype: x.dtype }];
    return [{ dtype: x.dtype, shape: broadcastDims(ctx, x.shape, s) }];
  }],
  ['Tile', (ctx) => {
    const x = ctx.inputs[0];
    const r = constInts(ctx, 1);
    if (!x) return [];
    if (!x.shape) return [{ dtype: x.dtype }];
    return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (!r ? freshDim(ctx, i) : r[i] === 1 ? d : typeof d === 'number' ? d * r[i] : freshDim(ctx, i))) }];
  }],
  ['Identity', (ctx) => [ctx.inputs[0] ? { ...ctx.inputs[0] } : undefined]],
  ['ConstantOfShape', (ctx) => {
    const s = shapeOperand(ctx, 0);
    const dtype = ctx.attrs.has('value') ? ctx.attrs.tensor('value').dtype : 'float32';
    const len = ctx.inputs[0]?.shape?.[0];
    return [{ dtype, shape: s ?? (typeof len === 'number' ? Array.from({ length: len }, (_, i) => freshDim(ctx, i)) : undefined) }];
  }],
  ['EyeLike', (ctx) => [like(ctx, 0, ctx.attrs.has('dtype') ? dtypeFromOnnx(ctx.attrs.int('dtype')) : undefined)]],
  ['Range', (ctx) => {
    const v = [0, 1, 2].map((i) => ctx.inputs[i]?.value);
    const n = v.every(Boolean) ? rangeCount(...(v.map((t) => Number(readNumbers(t!)[0])) as [number, number, number])) : undefined;
    return [{ dtype: ctx.inputs[0]?.dtype ?? 'float32', shape: [n ?? freshDim(ctx, 0)] }];
  }],
  ['Dropout', (ctx) => [like(ctx), like(ctx, 0, ctx.opset >= 10 ? 'bool' : undefined)]],
];

export const schemas: OpSchema[] = [
  ...schemaList.map(([opType, infer]) => ({ opType, infer: withFolding(kernels[opType], infer) })),
  // Constant has no inputs, so folding always runs its kernel: the attribute is the value.
  { opType: 'Constant', infer: withFolding(kernels.Constant, () => []) },
];
