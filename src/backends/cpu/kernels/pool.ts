/** CPU kernels for the 'pool' family: windowed Max/Average/Lp pooling (1-3 spatial dims), global pools, MaxUnpool, MaxRoiPool. */
import type { KernelContext, KernelTable } from '../kernel.js';
import { allocTensor, type Tensor } from '../../../tensor/tensor.js';
import { windowGeometry } from '../../../ops/conv.js';
import { readInts, readNumbers, writeNumbers } from '../util.js';
import { prod } from './nn-util.js';
import { channelLast } from './layout.js';

type Mode = 'max' | 'avg' | 'lp';

const pad3 = (v: readonly number[], fill: number): number[] => [...new Array(3 - v.length).fill(fill), ...v];

function pool(ctx: KernelContext, mode: Mode): Tensor[] {
  const X = ctx.input(0);
  const r = X.dims.length - 2;
  if (r < 1 || r > 3) throw ctx.error(`input must have 1 to 3 spatial dims, got shape [${X.dims.join(', ')}]`);
  const kernel = ctx.attrs.ints('kernel_shape');
  const ceil = ctx.attrs.int('ceil_mode', 0) === 1;
  const geo = windowGeometry(ctx.attrs, X.dims.slice(2), kernel, ceil);
  const [N, C] = X.dims;
  const Y = allocTensor(X.dtype, [N, C, ...geo.out]);
  const wantIdx = mode === 'max' && ctx.node.outputs.length > 1 && ctx.node.outputs[1] !== '';
  const I = wantIdx ? allocTensor('int64', Y.dims) : undefined;
  const x = readNumbers(X);
  const y = new Float64Array(Y.data.length);
  const idx = wantIdx ? new Float64Array(Y.data.length) : undefined;
  const [ID, IH, IW] = pad3(X.dims.slice(2), 1);
  const [OD, OH, OW] = pad3(geo.out, 1);
  const [KD, KH, KW] = pad3(geo.kernel, 1);
  const [SD, SH, SW] = pad3(geo.strides, 1);
  const [DD, DH, DW] = pad3(geo.dilations, 1);
  const [PD, PH, PW] = pad3(geo.pads.slice(0, r), 0);
  const [ED, EH, EW] = pad3(geo.pads.slice(r), 0);
  const includePad = ctx.attrs.int('count_include_pad', 0) === 1;
  const p = mode === 'lp' ? ctx.attrs.int('p', 2) : 0;
  const colMajor = ctx.attrs.int('storage_order', 0) === 1;
  const plane = ID * IH * IW;
  let o = 0;
  for (let nc = 0; nc < N * C; nc++) {
    const base = nc * plane;
    for (let od = 0; od < OD; od++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++, o++) {
      const d0 = od * SD - PD, h0 = oh * SH - PH, w0 = ow * SW - PW;
      let acc = mode === 'max' ? -Infinity : 0;
      let arg = -1;
      let count = 0;
      let padCount = 0;
      for (let kd = 0; kd < KD; kd++) {
        const d = d0 + kd * DD;
        if (d >= ID + ED) break;
        const dIn = d >= 0 && d < ID;
        for (let kh = 0; kh < KH; kh++) {
          const h = h0 + kh * DH;
          if (h >= IH + EH) break;
          const hIn = h >= 0 && h < IH;
          for (let kw = 0; kw < KW; kw++) {
            const w = w0 + kw * DW;
            if (w >= IW + EW) break;
            if (d >= -PD && h >= -PH && w >= -PW) padCount++;
            if (!dIn || !hIn || w < 0 || w >= IW) continue;
            const at = (d * IH + h) * IW + w;
            const v = x[base + at];
            count++;
            if (mode === 'max') {
              if (v > acc || arg < 0) { acc = v; arg = at; }
            } else if (mode === 'avg') acc += v;
            else acc += Math.pow(Math.abs(v), p);
          }
        }
      }
      if (mode === 'avg') y[o] = acc / (includePad ? padCount : count);
      else if (mode === 'lp') y[o] = Math.pow(acc, 1 / p);
      else y[o] = acc;
      if (idx) {
        let at = arg;
        if (colMajor && arg >= 0) {
          const w = arg % IW, h = Math.floor(arg / IW) % IH, d = Math.floor(arg / (IW * IH));
          at = (w * IH + h) * ID + d;
        }
        idx[o] = nc * plane + at;
      }
    }
  }
  writeNumbers(Y, y);
  if (I && idx) writeNumbers(I, idx);
  return I ? [Y, I] : [Y];
}

function globalPool(ctx: KernelContext, mode: Mode): Tensor[] {
  const X = ctx.input(0);
  const [N, C] = X.dims;
  const sp = X.dims.slice(2);
  const plane = prod(sp);
  const Y = allocTensor(X.dtype, [N, C, ...sp.map(() => 1)]);
  const x = readNumbers(X);
  const y = new Float64Array(N * C);
  const p = mode === 'lp' ? ctx.attrs.int('p', 2) : 0;
  for (let i = 0; i < N * C; i++) {
    let acc = mode === 'max' ? -Infinity : 0;
    for (let j = i * plane, e = j + plane; j < e; j++) {
      const v = x[j];
      if (mode === 'max') { if (v > acc || Number.isNaN(v)) acc = v; }
      else if (mode === 'avg') acc += v;
      else acc += Math.pow(Math.abs(v), p);
    }
    y[i] = mode === 'avg' ? acc / plane : mode === 'lp' ? Math.pow(acc, 1 / p) : acc;
  }
  writeNumbers(Y, y);
  return [Y];
}

function maxUnpool(ctx: KernelContext): Tensor[] {
  const X = ctx.input(0);
  const I = ctx.input(1);
  const os = ctx.optionalInput(2);
  const k = ctx.attrs.ints('kernel_shape');
  const r = k.length;
  const s = ctx.attrs.ints('strides', new Array(r).fill(1));
  const p = ctx.attrs.ints('pads', new Array(2 * r).fill(0));
  const dims = os ? readInts(os) : [X.dims[0], X.dims[1], ...X.dims.slice(2).map((d, i) => (d - 1) * s[i] + k[i] - p[i] - p[i + r])];
  const Y = allocTensor(X.dtype, dims);
  const x = readNumbers(X);
  const ind = readNumbers(I);
  const y = new Float64Array(Y.data.length);
  // indices address the default-shaped unpooled tensor; re-map coordinates into output_shape
  const defDims = [X.dims[0], X.dims[1], ...X.dims.slice(2).map((d, i) => (d - 1) * s[i] + k[i] - p[i] - p[i + r])];
  const same = defDims.every((d, i) => d === dims[i]);
  for (let i = 0; i < x.length; i++) {
    let at = ind[i];
    if (!same) {
      let rem = at;
      const coord = new Array<number>(defDims.length);
      for (let d = defDims.length - 1; d >= 0; d--) { coord[d] = rem % defDims[d]; rem = Math.floor(rem / defDims[d]); }
      at = coord.reduce((acc, c, d) => acc * dims[d] + c, 0);
    }
    if (at < 0 || at >= y.length) throw ctx.error(`index ${ind[i]} is outside the output of ${y.length} elements`);
    y[at] = x[i];
  }
  writeNumbers(Y, y);
  return [Y];
}

function maxRoiPool(ctx: KernelContext): Tensor[] {
  const X = ctx.input(0);
  const R = ctx.input(1);
  const [PH, PW] = ctx.attrs.ints('pooled_shape');
  const scale = ctx.attrs.float('spatial_scale', 1);
  const [, C, H, W] = X.dims;
  const nR = R.dims[0];
  const Y = allocTensor(X.dtype, [nR, C, PH, PW]);
  const x = readNumbers(X), rois = readNumbers(R);
  const y = new Float64Array(Y.data.length);
  let o = 0;
  for (let ri = 0; ri < nR; ri++) {
    const b = rois[ri * 5];
    const [x1, y1, x2, y2] = [1, 2, 3, 4].map((j) => Math.round(rois[ri * 5 + j] * scale));
    const rh = Math.max(y2 - y1 + 1, 1), rw = Math.max(x2 - x1 + 1, 1);
    for (let c = 0; c < C; c++) {
      const base = (b * C + c) * H * W;
      for (let ph = 0; ph < PH; ph++) for (let pw = 0; pw < PW; pw++, o++) {
        const hs = Math.min(Math.max(Math.floor((ph * rh) / PH) + y1, 0), H), he = Math.min(Math.max(Math.ceil(((ph + 1) * rh) / PH) + y1, 0), H);
        const ws = Math.min(Math.max(Math.floor((pw * rw) / PW) + x1, 0), W), we = Math.min(Math.max(Math.ceil(((pw + 1) * rw) / PW) + x1, 0), W);
        let m = he <= hs || we <= ws ? 0 : -Infinity;
        for (let h = hs; h < he; h++) for (let w = ws; w < we; w++) m = Math.max(m, x[base + h * W + w]);
        y[o] = m;
      }
    }
  }
  writeNumbers(Y, y);
  return [Y];
}

export const kernels: KernelTable = {
  MaxPool: channelLast((ctx) => pool(ctx, 'max'), [0]),
  AveragePool: channelLast((ctx) => pool(ctx, 'avg'), [0]),
  LpPool: (ctx) => pool(ctx, 'lp'),
  GlobalAveragePool: channelLast((ctx) => globalPool(ctx, 'avg'), [0]),
  GlobalMaxPool: channelLast((ctx) => globalPool(ctx, 'max'), [0]),
  GlobalLpPool: (ctx) => globalPool(ctx, 'lp'),
  MaxUnpool: maxUnpool,
  MaxRoiPool: maxRoiPool,
};
