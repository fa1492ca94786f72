/** CPU kernels for the 'conv' family: Conv (im2col + SGEMM), ConvTranspose (SGEMM + col2im), Col2Im. */
import type { KernelContext, KernelTable } from '../kernel.js';
import { allocTensor, checkAllocation, type Tensor } from '../../../tensor/tensor.js';
import { convTransposeGeometry, windowGeometry } from '../../../ops/conv.js';
import { readInts } from '../util.js';
import { sgemm } from '../gemm.js';
import { toF32, fromF32 } from './nn-util.js';
import { deformConv } from './conv-deform.js';
import { channelLast } from './layout.js';

/** Pads spatial parameters to 3 dims (leading 1s) so one 3-D loop serves 1-D, 2-D and 3-D. */
function to3(v: readonly number[], fill: number): number[] {
  return [...new Array(3 - v.length).fill(fill), ...v];
}

interface Geo3 {
  inp: number[]; out: number[]; k: number[]; s: number[]; d: number[]; pb: number[]; pe: number[];
}

function geo3(inp: readonly number[], out: readonly number[], k: readonly number[], s: readonly number[], d: readonly number[], pads: readonly number[]): Geo3 {
  const r = inp.length;
  return {
    inp: to3(inp, 1), out: to3(out, 1), k: to3(k, 1), s: to3(s, 1), d: to3(d, 1),
    pb: to3(pads.slice(0, r), 0), pe: to3(pads.slice(r), 0),
  };
}

/**
 * im2col for channels [c0, c0+cn) of one image at `xOff`: col[(c*K + kidx) * P + p], K = prod(kernel),
 * P = prod(out). Zero where the window hangs over the padding.
 */
export function im2col(x: Float32Array, xOff: number, cn: number, g: Geo3, col: Float32Array): void {
  const [ID, IH, IW] = g.inp;
  const [OD, OH, OW] = g.out;
  const [KD, KH, KW] = g.k;
  const [SD, SH, SW] = g.s;
  const [DD, DH, DW] = g.d;
  const P = OD * OH * OW;
  const inPlane = ID * IH * IW;
  let row = 0;
  for (let c = 0; c < cn; c++) {
    const xc = xOff + c * inPlane;
    for (let kd = 0; kd < KD; kd++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++, row++) {
      let o = row * P;
      for (let od = 0; od < OD; od++) {
        const id = od * SD - g.pb[0] + kd * DD;
        if (id < 0 || id >= ID) { col.fill(0, o, o + OH * OW); o += OH * OW; continue; }
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * SH - g.pb[1] + kh * DH;
          if (ih < 0 || ih >= IH) { col.fill(0, o, o + OW); o += OW; continue; }
          const base = xc + (id * IH + ih) * IW;
          let iw = -g.pb[2] + kw * DW;
          if (SW === 1 && iw >= 0 && iw + OW <= IW) {
            col.set(x.subarray(base + iw, base + iw + OW), o);
            o += OW;
            continue;
          }
          for (let ow = 0; ow < OW; ow++, iw += SW) col[o++] = iw >= 0 && iw < IW ? x[base + iw] : 0;
        }
      }
    }
  }
}

/** Scatter-adds col[(c*K + kidx) * P + p] (P = prod(g.inp) positions) into an image of size g.out. */
export function col2im(col: Float32Array, cn: number, g: Geo3, y: Float32Array, yOff: number): void {
  const [ID, IH, IW] = g.inp;
  const [OD, OH, OW] = g.out;
  const [KD, KH, KW] = g.k;
  const [SD, SH, SW] = g.s;
  const [DD, DH, DW] = g.d;
  const outPlane = OD * OH * OW;
  let o = 0;
  for (let c = 0; c < cn; c++) {
    const yc = yOff + c * outPlane;
    for (let kd = 0; kd < KD; kd++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      for (let id = 0; id < ID; id++) {
        const od = id * SD - g.pb[0] + kd * DD;
        for (let ih = 0; ih < IH; ih++) {
          const oh = ih * SH - g.pb[1] + kh * DH;
          if (od < 0 || od >= OD || oh < 0 || oh >= OH) { o += IW; continue; }
          const base = yc + (od * OH + oh) * OW;
          let ow = -g.pb[2] + kw * DW;
          for (let iw = 0; iw < IW; iw++, ow += SW, o++) if (ow >= 0 && ow < OW) y[base + ow] += col[o];
        }
      }
    }
  }
}

function spatialCheck(ctx: KernelContext, x: Tensor, w: Tensor): void {
  if (x.dims.length < 3 || x.dims.length > 5) throw ctx.error(`input must have 1 to 3 spatial dims, got shape [${x.dims.join(', ')}]`);
  if (w.dims.length !== x.dims.length) throw ctx.error(`weight rank ${w.dims.length} does not match input rank ${x.dims.length}`);
}

function conv(ctx: KernelContext): Tensor[] {
  const X = ctx.input(0);
  const W = ctx.input(1);
  const B = ctx.optionalInput(2);
  spatialCheck(ctx, X, W);
  const group = ctx.attrs.int('group', 1);
  const [N, C] = X.dims;
  const M = W.dims[0];
  const kernel = ctx.attrs.has('kernel_shape') ? ctx.attrs.ints('kernel_shape') : W.dims.slice(2);
  if (C % group !== 0 || M % group !== 0 || W.dims[1] * group !== C) {
    throw ctx.error(`channels do not match: input has ${C}, weight [${W.dims.join(', ')}], group ${group}`);
  }
  const geo = windowGeometry(ctx.attrs, X.dims.slice(2), kernel);
  const Y = allocTensor(X.dtype, [N, M, ...geo.out]);
  const g = geo3(X.dims.slice(2), geo.out, geo.kernel, geo.strides, geo.dilations, geo.pads);
  const x = toF32(X);
  const w = toF32(W);
  const y = X.dtype === 'float32' ? (Y.data as Float32Array) : new Float32Array(Y.data.length);
  const Cg = C / group;
  const Mg = M / group;
  const Kk = g.k[0] * g.k[1] * g.k[2];
  const Kc = Cg * Kk;
  const P = g.out[0] * g.out[1] * g.out[2];
  const inPlane = g.inp[0] * g.inp[1] * g.inp[2];
  const pointwise = Kk === 1 && g.s.every((v) => v === 1) && g.pb.every((v) => v === 0) && g.pe.every((v) => v === 0);
  let col: Float32Array | undefined;
  if (!pointwise && P > 0) {
    checkAllocation('float32', [Kc, P], `Conv '${ctx.node.name}' im2col buffer`);
    col = new Float32Array(Kc * P);
  }
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < group; gi++) {
      const xOff = (n * C + gi * Cg) * inPlane;
      const yOff = (n * M + gi * Mg) * P;
      if (P === 0) continue;
      if (col) {
        im2col(x, xOff, Cg, g, col);
        sgemm(false, false, Mg, P, Kc, 1, w, gi * Mg * Kc, Kc, col, 0, P, 0, y, yOff, P);
      } else {
        sgemm(false, false, Mg, P, Kc, 1, w, gi * Mg * Kc, Kc, x, xOff, P, 0, y, yOff, P);
      }
    }
  }
  if (B) addBias(y, toF32(B), N, M, P);
  if (X.dtype !== 'float32') fromF32(Y, y);
  return [Y];
}

function addBias(y: Float32Array, b: Float32Array, N: number, M: number, P: number): void {
  for (let n = 0; n < N; n++) for (let m = 0; m < M; m++) {
    const v = b[m];
    const o = (n * M + m) * P;
    for (let p = 0; p < P; p++) y[o + p] += v;
  }
}

function convTranspose(ctx: KernelContext): Tensor[] {
  const X = ctx.input(0);
  const W = ctx.input(1);
  const B = ctx.optionalInput(2);
  spatialCheck(ctx, X, W);
  const group = ctx.attrs.int('group', 1);
  const [N, C] = X.dims;
  if (W.dims[0] !== C || C % group !== 0) throw ctx.error(`weight [${W.dims.join(', ')}] does not match ${C} input channels (group ${group})`);
  const Mg = W.dims[1];
  const M = Mg * group;
  const kernel = ctx.attrs.has('kernel_shape') ? ctx.attrs.ints('kernel_shape') : W.dims.slice(2);
  const geo = convTransposeGeometry(ctx.attrs, X.dims.slice(2), kernel);
  const Y = allocTensor(X.dtype, [N, M, ...geo.out]);
  // col2im maps input positions (g.inp) onto output positions (g.out) with the conv geometry
  const g = geo3(X.dims.slice(2), geo.out, geo.kernel, geo.strides, geo.dilations, geo.pads);
  const x = toF32(X);
  const w = toF32(W);
  const y = X.dtype === 'float32' ? (Y.data as Float32Array) : new Float32Array(Y.data.length);
  const Cg = C / group;
  const Kk = g.k[0] * g.k[1] * g.k[2];
  const P = g.inp[0] * g.inp[1] * g.inp[2];
  const outPlane = g.out[0] * g.out[1] * g.out[2];
  checkAllocation('float32', [Mg * Kk, P], `ConvTranspose '${ctx.node.name}' column buffer`);
  const col = new Float32Array(Mg * Kk * P);
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < group; gi++) {
      // col[Mg*Kk, P] = W_g^T [Mg*Kk, Cg] * X_g [Cg, P]
      sgemm(true, false, Mg * Kk, P, Cg, 1, w, gi * Cg * Mg * Kk, Mg * Kk, x, (n * C + gi * Cg) * P, P, 0, col, 0, P);
      col2im(col, Mg, g, y, (n * M + gi * Mg) * outPlane);
    }
  }
  if (B) addBias(y, toF32(B), N, M, outPlane);
  if (X.dtype !== 'float32') fromF32(Y, y);
  return [Y];
}

function col2ImOp(ctx: KernelContext): Tensor[] {
  const X = ctx.input(0);
  const image = readInts(ctx.input(1));
  const block = readInts(ctx.input(2));
  const r = image.length;
  const attrs = ctx.attrs;
  const dil = attrs.ints('dilations', new Array(r).fill(1));
  const pads = attrs.ints('pads', new Array(2 * r).fill(0));
  const str = attrs.ints('strides', new Array(r).fill(1));
  if (r > 3) throw ctx.error(`only 1 to 3 spatial dims are supported, got ${r}`);
  const Kk = block.reduce((a, b) => a * b, 1);
  const [N, CK, L] = X.dims;
  if (CK % Kk !== 0) throw ctx.error(`input dim 1 (${CK}) is not a multiple of the block size ${Kk}`);
  const C = CK / Kk;
  const blocks = image.map((v, i) => Math.floor((v + pads[i] + pads[i + r] - dil[i] * (block[i] - 1) - 1) / str[i]) + 1);
  if (blocks.reduce((a, b) => a * b, 1) !== L) throw ctx.error(`input has ${L} blocks but the geometry gives ${blocks.join('x')}`);
  const Y = allocTensor(X.dtype, [N, C, ...image]);
  const g = geo3(blocks, image, block, str, dil, pads);
  const x = toF32(X);
  const y = X.dtype === 'float32' ? (Y.data as Float32Array) : new Float32Array(Y.data.length);
  const plane = image.reduce((a, b) => a * b, 1);
  for (let n = 0; n < N; n++) col2im(x.subarray(n * CK * L, (n + 1) * CK * L), C, g, y, n * C * plane);
  if (X.dtype !== 'float32') fromF32(Y, y);
  return [Y];
}

export const kernels: KernelTable = {
  Conv: channelLast(conv, [0, 1]),
  ConvTranspose: convTranspose,
  Col2Im: col2ImOp,
  DeformConv: deformConv,
};
