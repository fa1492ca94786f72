/** Op family 'loss': NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (loss, optional log_prob). */
import type { InferContext, OpSchema, ValueMeta } from './schema.js';

function lossInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const x = ctx.inputs[0];
  const labels = ctx.inputs[1];
  if (!x) return [undefined, undefined];
  const reduction = ctx.attrs.string('reduction', 'mean');
  const loss: ValueMeta = { dtype: x.dtype, shape: reduction === 'none' ? labels?.shape : [] };
  return [loss, { dtype: x.dtype, shape: x.shape }];
}

export const schemas: OpSchema[] = [
  { opType: 'NegativeLogLikelihoodLoss', infer: (ctx) => lossInfer(ctx).slice(0, 1) },
  { opType: 'SoftmaxCrossEntropyLoss', infer: lossInfer },
];
