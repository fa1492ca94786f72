/** tensorjet::SkipLayerNorm reference (src/ops/skip-layernorm.ts): float64 sum and statistics, results in X's dtype (Y: attr `to`). */
import { dtypeFromOnnx } from '../../../../tensor/dtype.js';
import { allocTensor, type Tensor } from '../../../../tensor/tensor.js';
import type { KernelContext } from '../../kernel.js';
import { broadcastIndex, readNumbers, writeNumbers } from '../../util.js';

export function skipLayerNorm(ctx: KernelContext): Tensor[] {
  // X is the full-shaped operand (the sum commutes)
  const [X, Sk] = ctx.input(1).data.length > ctx.input(0).data.length ? [ctx.input(1), ctx.input(0)] : [ctx.input(0), ctx.input(1)];
  const S = ctx.input(2);
  const B = ctx.optionalInput(3);
  const cols = X.dims.length ? X.dims[X.dims.length - 1] : 1;
  const n = X.data.length;
  const rows = cols ? n / cols : 0;
  const x = readNumbers(X), sk = readNumbers(Sk), s = readNumbers(S), b = B ? readNumbers(B) : undefined;
  if (s.length !== cols || (b && b.length !== cols)) throw ctx.error(`scale/bias must have ${cols} elements (the last axis of X [${X.dims}])`);
  const skIdx = broadcastIndex(Sk.dims, X.dims);
  const sum = new Float64Array(n);
  for (let i = 0; i < n; i++) sum[i] = x[i] + sk[skIdx ? skIdx[i] : i];
  const eps = ctx.attrs.float('epsilon', 1e-5);
  const y = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let m = 0;
    for (let j = 0; j < cols; j++) m += sum[o + j];
    m /= cols;
    let v = 0;
    for (let j = 0; j < cols; j++) v += (sum[o + j] - m) ** 2;
    const rs = 1 / Math.sqrt(v / cols + eps);
    for (let j = 0; j < cols; j++) y[o + j] = (sum[o + j] - m) * rs * s[j] + (b ? b[j] : 0);
  }
  const out = (v: Float64Array, dtype = X.dtype): Tensor => {
    const t = allocTensor(dtype, X.dims);
    writeNumbers(t, v);
    return t;
  };
  const to = ctx.attrs.int('to', 0); // Y's dtype (default X's); the sum keeps X's
  const Y = out(y, to ? dtypeFromOnnx(to) : X.dtype);
  return ctx.node.outputs.length > 1 ? [Y, out(sum)] : [Y];
}
