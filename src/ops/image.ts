/** Op family 'image': declarations and shape inference. */
import type { OpSchema } from './schema.js';
import { freshDim } from './shape-infer.js';

export const schemas: OpSchema[] = [
  {
    opType: 'ImageDecoder',
    // [H, W, C]: H and W are known only once the stream is decoded.
    infer: (ctx) => [{ dtype: 'uint8', shape: [freshDim(ctx, 0), freshDim(ctx, 1), ctx.attrs.string('pixel_format', 'RGB') === 'Grayscale' ? 1 : 3] }],
  },
];
