/** tensorjet::NchwToNhwc reference (src/ops/nchw-to-nhwc.ts): Cast, Transpose [0, 2, 3, 1], zero channels appended. */
import { dtypeFromOnnx } from '../../../../tensor/dtype.js';
import { allocTensor, type Tensor } from '../../../../tensor/tensor.js';
import type { KernelContext } from '../../kernel.js';
import { readNumbers, writeNumbers } from '../../util.js';

export function nchwToNhwc(ctx: KernelContext): Tensor[] {
  const X = ctx.input(0);
  if (X.dims.length !== 4) throw ctx.error(`input must be rank 4 [N, C, H, W], got [${X.dims}]`);
  const to = ctx.attrs.int('to', 0);
  const dtype = to ? dtypeFromOnnx(to) : X.dtype;
  if (!['float32', 'float16', 'float64'].includes(X.dtype) || !['float32', 'float16', 'float64'].includes(dtype)) {
    throw ctx.error(`float inputs and outputs only (got ${X.dtype} -> ${dtype})`);
  }
  const [n, c, h, w] = X.dims;
  const co = ctx.attrs.int('pad_channels', 0) || c;
  if (co < c) throw ctx.error(`pad_channels ${co} is below the input's ${c} channels`);
  const p = h * w;
  const x = readNumbers(X);
  const y = new Float64Array(n * p * co); // padding channels stay 0
  for (let b = 0; b < n; b++) {
    for (let k = 0; k < c; k++) {
      const src = (b * c + k) * p;
      const dst = b * p * co + k;
      for (let i = 0; i < p; i++) y[dst + i * co] = x[src + i];
    }
  }
  const Y = allocTensor(dtype, [n, h, w, co]);
  writeNumbers(Y, y);
  return [Y];
}
