/** Op family 'normalization': BatchNorm, InstanceNorm, LayerNorm, GroupNorm, RMSNorm, LRN, MVN, LpNorm: shape inference. */
import type { Dim } from '../ir/graph.js';
import type { InferContext, OpSchema, ValueMeta } from './schema.js';

const passThrough = (ctx: InferContext): (ValueMeta | undefined)[] => {
  const x = ctx.inputs[0];
  return [x ? { dtype: x.dtype, shape: x.shape } : undefined];
};

/** Y like X; then Mean/InvStdDev with the normalized dims reduced to 1 (LayerNorm, RMSNorm). */
function statsInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const x = ctx.inputs[0];
  if (!x) return [undefined];
  const stash = ctx.attrs.int('stash_type', 1) === 1 ? 'float32' : x.dtype;
  let stats: Dim[] | undefined;
  if (x.shape) {
    const r = x.shape.length;
    const a = ctx.attrs.int('axis', -1);
    const axis = a < 0 ? a + r : a;
    stats = x.shape.map((d, i) => (i < axis ? d : 1));
  }
  return [{ dtype: x.dtype, shape: x.shape }, { dtype: stash, shape: stats }, { dtype: stash, shape: stats }];
}

function batchNormInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const x = ctx.inputs[0];
  if (!x) return [undefined];
  const c = x.shape && x.shape.length > 1 ? [x.shape[1]] : undefined;
  const mean = ctx.inputs[3];
  return [{ dtype: x.dtype, shape: x.shape }, { dtype: mean?.dtype ?? x.dtype, shape: c }, { dtype: mean?.dtype ?? x.dtype, shape: c }];
}

export const schemas: OpSchema[] = [
  { opType: 'BatchNormalization', infer: batchNormInfer },
  { opType: 'InstanceNormalization', infer: passThrough },
  { opType: 'LayerNormalization', infer: statsInfer },
  { opType: 'GroupNormalization', infer: passThrough },
  { opType: 'RMSNormalization', infer: passThrough },
  { opType: 'LRN', infer: passThrough },
  { opType: 'MeanVarianceNormalization', infer: passThrough },
  { opType: 'LpNormalization', infer: passThrough },
];
