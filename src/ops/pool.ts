/** Op family 'pool': MaxPool, AveragePool, LpPool, Global*Pool, MaxUnpool, MaxRoiPool: shape inference. */
import type { InferContext, OpSchema, ValueMeta } from './schema.js';
import { windowGeometry } from './conv.js';

function poolInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const x = ctx.inputs[0];
  if (!x) return [undefined];
  if (!x.shape) return [{ dtype: x.dtype }, { dtype: 'int64' }];
  const sp = x.shape.slice(2);
  let shape: (number | string)[] | undefined;
  if (sp.every((d) => typeof d === 'number')) {
    const g = windowGeometry(ctx.attrs, sp as number[], ctx.attrs.ints('kernel_shape'), ctx.attrs.int('ceil_mode', 0) === 1);
    shape = [x.shape[0], x.shape[1], ...g.out];
  }
  return [{ dtype: x.dtype, shape }, { dtype: 'int64', shape }];
}

function globalInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const x = ctx.inputs[0];
  if (!x) return [undefined];
  return [{ dtype: x.dtype, shape: x.shape ? [x.shape[0], x.shape[1], ...x.shape.slice(2).map(() => 1)] : undefined }];
}

function unpoolInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const x = ctx.inputs[0];
  if (!x) return [undefined];
  const os = ctx.inputs[2]?.value;
  if (os) return [{ dtype: x.dtype, shape: Array.from(os.data as BigInt64Array, Number) }];
  if (!x.shape || !x.shape.slice(2).every((d) => typeof d === 'number')) return [{ dtype: x.dtype }];
  const k = ctx.attrs.ints('kernel_shape');
  const r = k.length;
  const s = ctx.attrs.ints('strides', new Array(r).fill(1));
  const p = ctx.attrs.ints('pads', new Array(2 * r).fill(0));
  const sp = (x.shape.slice(2) as number[]).map((d, i) => (d - 1) * s[i] + k[i] - p[i] - p[i + r]);
  return [{ dtype: x.dtype, shape: [x.shape[0], x.shape[1], ...sp] }];
}

function roiPoolInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const x = ctx.inputs[0];
  const rois = ctx.inputs[1];
  if (!x) return [undefined];
  const ps = ctx.attrs.ints('pooled_shape');
  return [{ dtype: x.dtype, shape: x.shape && rois?.shape ? [rois.shape[0], x.shape[1], ...ps] : undefined }];
}

export const schemas: OpSchema[] = [
  { opType: 'MaxPool', infer: poolInfer },
  { opType: 'AveragePool', infer: poolInfer },
  { opType: 'LpPool', infer: poolInfer },
  { opType: 'GlobalAveragePool', infer: globalInfer },
  { opType: 'GlobalMaxPool', infer: globalInfer },
  { opType: 'GlobalLpPool', infer: globalInfer },
  { opType: 'MaxUnpool', infer: unpoolInfer },
  { opType: 'MaxRoiPool', infer: roiPoolInfer },
];
