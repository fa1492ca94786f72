/** CPU kernels for the 'resize' family: Resize, Upsample (here), GridSample, AffineGrid, RoiAlign (resize/*.ts). */
import type { KernelContext, KernelTable } from '../kernel.js';
import { allocTensor, type Tensor } from '../../../tensor/tensor.js';
import { readNumbers, writeNumbers } from '../util.js';
import { resizeOutput, type ResizeOptions } from '../../../ops/resize.js';
import { prod } from './nn-util.js';
import { gridSample } from './resize/grid-sample.js';
import { affineGrid } from './resize/affine-grid.js';
import { roiAlign } from './resize/roi-align.js';

interface Taps {
  /** per output position: first index into idx/w, or -1 for "extrapolation value" */
  start: Int32Array;
  count: Int32Array;
  idx: number[];
  w: number[];
}

function cubicCoeff(x: number, A: number): number {
  x = Math.abs(x);
  if (x <= 1) return ((A + 2) * x - (A + 3)) * x * x + 1;
  if (x < 2) return ((A * x - 5 * A) * x + 8 * A) * x - 4 * A;
  return 0;
}

/** Source coordinate of output position x along one axis. */
function sourceCoord(o: ResizeOptions, x: number, inLen: number, outLen: number, scale: number, roi: [number, number]): number {
  const outF = scale * inLen;
  switch (o.coordMode) {
    case 'align_corners': return outF === 1 ? 0 : (x * (inLen - 1)) / (outF - 1);
    case 'asymmetric': return x / scale;
    case 'tf_crop_and_resize':
      return (outF === 1 ? ((roi[1] - roi[0]) * (inLen - 1)) / 2 : (x * (roi[1] - roi[0]) * (inLen - 1)) / (outF - 1)) + roi[0] * (inLen - 1);
    case 'pytorch_half_pixel': return outF === 1 ? -0.5 : (x + 0.5) / scale - 0.5;
    case 'half_pixel_symmetric': {
      const adjustment = outLen / outF;
      return (inLen / 2) * (1 - adjustment) + (x + 0.5) / scale - 0.5;
    }
    case 'half_pixel': return (x + 0.5) / scale - 0.5;
    default: throw new Error(`unknown coordinate_transformation_mode '${o.coordMode}'`);
  }
}

function buildTaps(o: ResizeOptions, inLen: number, outLen: number, scale: number, roi: [number, number]): Taps {
  const t: Taps = { start: new Int32Array(outLen), count: new Int32Array(outLen), idx: [], w: [] };
  const aa = o.antialias && scale < 1 && o.mode !== 'nearest';
  const s = Math.min(scale, 1);
  for (let x = 0; x < outLen; x++) {
    const xo = sourceCoord(o, x, inLen, outLen, scale, roi);
    if (o.coordMode === 'tf_crop_and_resize' && (xo < 0 || xo > inLen - 1)) { t.start[x] = -1; continue; }
    // xi: the tap left of xo (xo itself when integral counts as the right tap, ratio 1)
    const xi = Number.isInteger(xo) ? xo - 1 : Math.floor(xo);
    const ratio = xo - xi;
    const offs: number[] = [];
    const ws: number[] = [];
    if (o.mode === 'nearest') {
      let right: boolean;
      if (ratio === 1) right = true;
      else if (o.nearestMode === 'round_prefer_floor') right = ratio > 0.5;
      else if (o.nearestMode === 'round_prefer_ceil') right = ratio >= 0.5;
      else if (o.nearestMode === 'floor') right = false;
      else if (o.nearestMode === 'ceil') right = true;
      else right = scale < 1 ? ratio > 0 : false; // opset < 11 "simple": ceil when downsampling, floor when upsampling
      offs.push(right ? 1 : 0);
      ws.push(1);
    } else if (o.mode === 'linear') {
      if (aa) {
        const st = Math.floor(-1 / s) + 1;
        for (let i = st; i < 2 - st; i++) { offs.push(i); ws.push(Math.max(0, 1 - Math.abs((i - ratio) * s))); }
      } else {
        offs.push(0, 1);
        ws.push(1 - ratio, ratio);
      }
    } else {
      const st = aa ? Math.floor(-2 / s) + 1 : -1;
      for (let i = st; i < 2 - st; i++) { offs.push(i); ws.push(cubicCoeff((aa ? s : 1) * (i - ratio), o.cubicA)); }
    }
    if (aa) {
      const sum = ws.reduce((a, b) => a + b, 0);
      for (let i = 0; i < ws.length; i++) ws[i] /= sum;
    }
    if (o.excludeOutside) {
      let sum = 0;
      for (let i = 0; i < ws.length; i++) {
        const p = xi + offs[i];
        if (p < 0 || p >= inLen) ws[i] = 0;
        sum += ws[i];
      }
      for (let i = 0; i < ws.length; i++) ws[i] /= sum;
    }
    t.start[x] = t.idx.length;
    t.count[x] = offs.length;
    for (let i = 0; i < offs.length; i++) {
      t.idx.push(Math.min(Math.max(xi + offs[i], 0), inLen - 1));
      t.w.push(ws[i]);
    }
  }
  return t;
}

/** Resamples `x` (shape dims) along `axis` to `outLen`. */
function resizeAxis(x: Float64Array, dims: number[], axis: number, outLen: number, taps: Taps, extrap: number): Float64Array {
  const outer = prod(dims.slice(0, axis)), inner = prod(dims.slice(axis + 1)), inLen = dims[axis];
  const y = new Float64Array(outer * outLen * inner);
  for (let o = 0; o < outer; o++) for (let p = 0; p < outLen; p++) {
    const yo = (o * outLen + p) * inner;
    const s = taps.start[p];
    if (s < 0) { y.fill(extrap, yo, yo + inner); continue; }
    for (let k = 0; k < taps.count[p]; k++) {
      const w = taps.w[s + k];
      if (w === 0) continue;
      const xo = (o * inLen + taps.idx[s + k]) * inner;
      for (let i = 0; i < inner; i++) y[yo + i] += w * x[xo + i];
    }
  }
  return y;
}

export function resizeTensor(X: Tensor, outDims: number[], scales: number[], roi: number[], o: ResizeOptions): Tensor {
  const r = X.dims.length;
  let x: Float64Array = Float64Array.from(readNumbers(X));
  const dims = [...X.dims];
  for (let a = 0; a < r; a++) {
    if (dims[a] === outDims[a] && scales[a] === 1 && o.coordMode !== 'tf_crop_and_resize') continue;
    const taps = buildTaps(o, X.dims[a], outDims[a], scales[a], [roi[a], roi[a + r]]);
    x = resizeAxis(x, dims, a, outDims[a], taps, o.extrapolation);
    dims[a] = outDims[a];
  }
  const Y = allocTensor(X.dtype, outDims);
  if (X.dtype !== 'float32' && X.dtype !== 'float64' && X.dtype !== 'float16' && X.dtype !== 'bfloat16') {
    for (let i = 0; i < x.length; i++) x[i] = Math.round(x[i]);
  }
  writeNumbers(Y, x);
  return Y;
}

function resize(ctx: KernelContext): Tensor[] {
  const X = ctx.input(0);
  const inputs = ctx.opset < 11
    ? { roi: undefined, scales: readNumbers(ctx.input(1)), sizes: undefined }
    : {
        roi: ctx.optionalInput(1) && ctx.input(1).data.length ? readNumbers(ctx.input(1)) : undefined,
        scales: ctx.optionalInput(2) && ctx.input(2).data.length ? readNumbers(ctx.input(2)) : undefined,
        sizes: ctx.optionalInput(3) && ctx.input(3).data.length ? readNumbers(ctx.input(3)) : undefined,
      };
  const { outDims, scales, roi, options } = resizeOutput(ctx.attrs, ctx.opset, X.dims, inputs, `node '${ctx.node.name}' (Resize)`);
  return [resizeTensor(X, outDims, scales, roi, options)];
}

function upsample(ctx: KernelContext): Tensor[] {
  const X = ctx.input(0);
  const scales = ctx.opset >= 9 ? Array.from(readNumbers(ctx.input(1))) : ctx.attrs.floats('scales');
  const mode = ctx.attrs.string('mode', 'nearest');
  const outDims = X.dims.map((d, i) => Math.floor(d * scales[i]));
  const o: ResizeOptions = {
    mode: mode === 'bilinear' || mode === 'linear' ? 'linear' : 'nearest', coordMode: 'asymmetric', nearestMode: 'simple',
    cubicA: -0.75, excludeOutside: false, extrapolation: 0, antialias: false,
  };
  return [resizeTensor(X, outDims, scales, new Array(2 * X.dims.length).fill(0), o)];
}

export const kernels: KernelTable = {
  Resize: resize,
  Upsample: upsample,
  GridSample: gridSample,
  AffineGrid: affineGrid,
  RoiAlign: roiAlign,
};
