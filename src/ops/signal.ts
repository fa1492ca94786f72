/** Op family 'signal': DFT, STFT, Hann/Hamming/Blackman windows, MelWeightMatrix. */
import { dtypeFromOnnx } from '../tensor/dtype.js';
import { kernels } from '../backends/cpu/kernels/signal.js';
import type { InferContext, OpSchema, ValueMeta } from './schema.js';
import { constInts, freshDim, withFolding } from './shape-infer.js';

const windowInfer = (ctx: InferContext): ValueMeta[] => [{ dtype: dtypeFromOnnx(ctx.attrs.int('output_datatype', 1)), shape: [constInts(ctx, 0)?.[0] ?? freshDim(ctx, 0)] }];

export const schemas: OpSchema[] = [
  {
    opType: 'DFT',
    infer: (ctx) => {
      const x = ctx.inputs[0];
      if (!x?.shape) return [{ dtype: x?.dtype ?? 'float32' }];
      const rank = x.shape.length;
      let axis = ctx.opset >= 20 ? (ctx.node.inputs[2] ? constInts(ctx, 2)?.[0] : -2) : ctx.attrs.int('axis', 1);
      if (axis === undefined) return [{ dtype: x.dtype, shape: x.shape.map((_, i) => freshDim(ctx, i)) }];
      if (axis < 0) axis += rank;
      const inverse = ctx.attrs.int('inverse', 0) === 1, onesided = ctx.attrs.int('onesided', 0) === 1;
      const len = x.shape[axis];
      const given = ctx.node.inputs[1] ? constInts(ctx, 1)?.[0] : undefined;
      const n = given ?? (typeof len === 'number' ? (inverse && onesided ? 2 * (len - 1) : len) : undefined);
      const shape = [...x.shape];
      shape[axis] = n === undefined ? freshDim(ctx, axis) : onesided && !inverse ? Math.floor(n / 2) + 1 : n;
      shape[rank - 1] = inverse && onesided ? 1 : 2;
      return [{ dtype: x.dtype, shape }];
    },
  },
  {
    opType: 'STFT',
    infer: (ctx) => {
      const x = ctx.inputs[0];
      const step = constInts(ctx, 1)?.[0];
      const fl = (ctx.node.inputs[3] ? constInts(ctx, 3)?.[0] : undefined) ?? ctx.inputs[2]?.shape?.[0];
      const len = x?.shape?.[1];
      const frames = typeof len === 'number' && typeof fl === 'number' && step ? Math.floor((len - fl) / step) + 1 : freshDim(ctx, 1);
      const bins = typeof fl === 'number' ? (ctx.attrs.int('onesided', 1) === 1 ? Math.floor(fl / 2) + 1 : fl) : freshDim(ctx, 2);
      return [{ dtype: x?.dtype ?? 'float32', shape: [x?.shape?.[0] ?? freshDim(ctx, 0), frames, bins, 2] }];
    },
  },
  { opType: 'HannWindow', infer: withFolding(kernels.HannWindow, windowInfer) },
  { opType: 'HammingWindow', infer: withFolding(kernels.HammingWindow, windowInfer) },
  { opType: 'BlackmanWindow', infer: withFolding(kernels.BlackmanWindow, windowInfer) },
  {
    opType: 'MelWeightMatrix',
    infer: withFolding(kernels.MelWeightMatrix, (ctx) => {
      const bins = constInts(ctx, 0)?.[0], dft = constInts(ctx, 1)?.[0];
      return [{ dtype: dtypeFromOnnx(ctx.attrs.int('output_datatype', 1)), shape: [dft === undefined ? freshDim(ctx, 0) : Math.floor(dft / 2) + 1, bins ?? freshDim(ctx, 1)] }];
    }),
  },
];
