/** DeformConv (opset 19): 2-D convolution sampling the input at learned offsets (bilinear), with an optional mask. */
import type { KernelContext } from '../kernel.js';
import { allocTensor, checkAllocation, type Tensor } from '../../../tensor/tensor.js';
import { sgemm } from '../gemm.js';
import { fromF32, toF32 } from './nn-util.js';

function bilinear(x: Float32Array, off: number, H: number, W: number, h: number, w: number): number {
  if (h <= -1 || h >= H || w <= -1 || w >= W) return 0;
  const h0 = Math.floor(h), w0 = Math.floor(w);
  const lh = h - h0, lw = w - w0;
  const at = (r: number, c: number) => (r >= 0 && r < H && c >= 0 && c < W ? x[off + r * W + c] : 0);
  return (1 - lh) * (1 - lw) * at(h0, w0) + (1 - lh) * lw * at(h0, w0 + 1) + lh * (1 - lw) * at(h0 + 1, w0) + lh * lw * at(h0 + 1, w0 + 1);
}

export function deformConv(ctx: KernelContext): Tensor[] {
  const X = ctx.input(0);
  const Wt = ctx.input(1);
  const O = ctx.input(2);
  const B = ctx.optionalInput(3);
  const Mk = ctx.optionalInput(4);
  if (X.dims.length !== 4) throw ctx.error(`only 2-D DeformConv is supported, got input shape [${X.dims.join(', ')}]`);
  const [N, C, H, Wd] = X.dims;
  const M = Wt.dims[0];
  const [KH, KW] = ctx.attrs.ints('kernel_shape', Wt.dims.slice(2));
  const [sh, sw] = ctx.attrs.ints('strides', [1, 1]);
  const [dh, dw] = ctx.attrs.ints('dilations', [1, 1]);
  const pads = ctx.attrs.ints('pads', [0, 0, 0, 0]);
  const group = ctx.attrs.int('group', 1);
  const og = ctx.attrs.int('offset_group', 1);
  const OH = Math.floor((H + pads[0] + pads[2] - ((KH - 1) * dh + 1)) / sh) + 1;
  const OW = Math.floor((Wd + pads[1] + pads[3] - ((KW - 1) * dw + 1)) / sw) + 1;
  const Y = allocTensor(X.dtype, [N, M, OH, OW]);
  const x = toF32(X), w = toF32(Wt), o = toF32(O);
  const mk = Mk ? toF32(Mk) : undefined;
  const y = X.dtype === 'float32' ? (Y.data as Float32Array) : new Float32Array(Y.data.length);
  const P = OH * OW, K = KH * KW, Cg = C / group, Mg = M / group, cPerOg = C / og;
  checkAllocation('float32', [C * K, P], `DeformConv '${ctx.node.name}' column buffer`);
  const col = new Float32Array(C * K * P);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      const g = Math.floor(c / cPerOg);
      for (let i = 0; i < KH; i++) for (let j = 0; j < KW; j++) {
        const k = i * KW + j;
        const offH = ((n * og + g) * 2 * K + 2 * k) * P;
        const offW = offH + P;
        const mOff = ((n * og + g) * K + k) * P;
        const row = (c * K + k) * P;
        for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
          const p = oh * OW + ow;
          const hh = oh * sh - pads[0] + i * dh + o[offH + p];
          const ww = ow * sw - pads[1] + j * dw + o[offW + p];
          let v = bilinear(x, (n * C + c) * H * Wd, H, Wd, hh, ww);
          if (mk) v *= mk[mOff + p];
          col[row + p] = v;
        }
      }
    }
    for (let gi = 0; gi < group; gi++) {
      sgemm(false, false, Mg, P, Cg * K, 1, w, gi * Mg * Cg * K, Cg * K, col, gi * Cg * K * P, P, 0, y, (n * M + gi * Mg) * P, P);
    }
    if (B) {
      const b = toF32(B);
      for (let m = 0; m < M; m++) for (let p = 0; p < P; p++) y[(n * M + m) * P + p] += b[m];
    }
  }
  if (X.dtype !== 'float32') fromF32(Y, y);
  return [Y];
}
