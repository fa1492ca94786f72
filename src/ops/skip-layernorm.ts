/**
 * tensorjet::SkipLayerNorm(X, Skip, Scale, B?) -> (Y, Sum?): the residual Add feeding a LayerNormalization
 * (BERT's post-LN LN(x + sublayer(x)), pre-LN blocks' residual stream) as one op.
 *   Sum = X + Skip (Skip broadcasts to X: same shape, or its trailing dims), Y = LayerNormalization(Sum, Scale, B)
 *   over the last axis (attr epsilon); the optional second output is Sum, for when the model reads it elsewhere.
 * Scale and B are 1-D over the last axis. The sum is not rounded to X's dtype before normalizing.
 * Attr `to` (ONNX dtype code, default 0: X's dtype): Y's dtype (a float16 plan's last norm writing a float32 output).
 */
import { dtypeFromOnnx } from '../tensor/dtype.js';
import type { InferContext, OpSchema, ValueMeta } from './schema.js';

function skipLayerNormInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const x = ctx.inputs[0];
  const m = x ? { dtype: x.dtype, shape: x.shape } : undefined;
  const to = ctx.attrs.int('to', 0);
  const y = m && to ? { ...m, dtype: dtypeFromOnnx(to) } : m;
  return ctx.node.outputs.length > 1 ? [y, m] : [y];
}

export const skipLayerNormSchema: OpSchema = { opType: 'SkipLayerNorm', domain: 'tensorjet' /* FUSED_DOMAIN: fused.ts imports this file */, infer: skipLayerNormInfer };
