/** Op family 'cast': Cast, CastLike, BitCast change the dtype, never the shape. */
import { dtypeFromOnnx } from '../tensor/dtype.js';
import type { InferContext, OpSchema, ValueMeta } from './schema.js';

const castTo = (ctx: InferContext): (ValueMeta | undefined)[] => {
  const a = ctx.inputs[0];
  return [{ dtype: dtypeFromOnnx(ctx.attrs.int('to')), shape: a?.shape }];
};

export const schemas: OpSchema[] = [
  { opType: 'Cast', infer: castTo },
  { opType: 'BitCast', infer: castTo },
  {
    opType: 'CastLike',
    infer: (ctx) => {
      const a = ctx.inputs[0];
      const like = ctx.inputs[1];
      return [like ? { dtype: like.dtype, shape: a?.shape } : undefined];
    },
  },
];
