/**
 * tensorjet::NchwToNhwc(X) -> Y: a CNN's input edge as one op (passes/fuse-input-layout.ts folds the Cast ->
 * Transpose [0, 2, 3, 1] -> channel Pad chain the fp16 and NHWC passes put in front of the first conv).
 *   X [N, C, H, W] float32 or float16 -> Y [N, H, W, pad_channels] of dtype `to` (ONNX code; default X's dtype),
 *   Y[n, h, w, c] = Cast(X[n, c, h, w]) for c < C, 0 for C <= c < pad_channels (default C).
 */
import { TensorJetError } from '../errors.js';
import { dtypeFromOnnx } from '../tensor/dtype.js';
import type { InferContext, OpSchema, ValueMeta } from './schema.js';

function nchwToNhwcInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const x = ctx.inputs[0];
  if (!x) return [undefined];
  const to = ctx.attrs.int('to', 0);
  const dtype = to ? dtypeFromOnnx(to) : x.dtype;
  if (!x.shape) return [{ dtype }];
  const where = `node '${ctx.node.name}'`;
  if (x.shape.length !== 4) throw new TensorJetError('E_SHAPE', `${where}: NchwToNhwc needs a rank-4 input, got rank ${x.shape.length}`);
  const [n, c, h, w] = x.shape;
  const co = ctx.attrs.int('pad_channels', 0);
  if (co && typeof c === 'number' && co < c) throw new TensorJetError('E_ATTRIBUTE', `${where}: pad_channels ${co} is below the input's ${c} channels`);
  return [{ dtype, shape: [n, h, w, co || c] }];
}

export const nchwToNhwcSchema: OpSchema = { opType: 'NchwToNhwc', domain: 'tensorjet' /* FUSED_DOMAIN: fused.ts imports this file */, infer: nchwToNhwcInfer };
