/** Op family 'gradient' (ai.onnx.preview.training): declarations and shape inference. */
import type { OpSchema } from './schema.js';

export const schemas: OpSchema[] = [
  {
    opType: 'Gradient',
    domain: 'ai.onnx.preview.training',
    // d y / d xs[i] has the dtype and shape of xs[i], which are the node's first inputs.
    infer: (ctx) => ctx.attrs.strings('xs').map((_, i) => {
      const x = ctx.inputs[i];
      return x ? { dtype: x.dtype, shape: x.shape } : undefined;
    }),
  },
];
