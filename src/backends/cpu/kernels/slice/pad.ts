/** Pad, DepthToSpace, SpaceToDepth, Trilu, ReverseSequence, CenterCropPad. */
import { TensorJetError } from '../../../../errors.js';
import { allocTensor, type Tensor } from '../../../../tensor/tensor.js';
import type { KernelContext, KernelTable } from '../../kernel.js';
import { fromNumbers, normalizeAxis, strides } from '../../util.js';
import { copyRun, forEachIndex, ints, reshaped, transposeRaw } from '../shape/raw.js';

export type PadMode = 'constant' | 'reflect' | 'edge' | 'wrap';

/** Source coordinate for output coordinate `o` along an axis (or -1: constant fill). */
function mapCoord(o: number, before: number, dim: number, mode: PadMode): number {
  let c = o - before;
  if (c >= 0 && c < dim) return c;
  if (dim === 0) return -1;
  switch (mode) {
    case 'constant': return -1;
    case 'edge': return c < 0 ? 0 : dim - 1;
    case 'wrap': return ((c % dim) + dim) % dim;
    case 'reflect': {
      if (dim === 1) return 0;
      const period = 2 * (dim - 1);
      c = ((c % period) + period) % period;
      return c < dim ? c : period - c;
    }
  }
}

/** Pads (or crops, for negative pads) `x`; `pads` is [begin_0..begin_n, end_0..end_n]; `value` is a 1-element tensor of x's dtype. */
export function padRaw(x: Tensor, pads: number[], mode: PadMode, value: Tensor | undefined): Tensor {
  const rank = x.dims.length;
  if (pads.length !== 2 * rank) throw new TensorJetError('E_SHAPE', `Pad: ${pads.length} pads for rank ${rank}`);
  const outDims = x.dims.map((d, i) => d + pads[i] + pads[i + rank]);
  if (outDims.some((d) => d < 0)) throw new TensorJetError('E_SHAPE', `Pad: pads [${pads.join(', ')}] give a negative dimension`);
  if (mode !== 'constant' && x.data.length === 0 && outDims.some((d, i) => d > 0 && x.dims[i] === 0)) {
    throw new TensorJetError('E_SHAPE', `Pad: mode '${mode}' cannot pad an empty axis`);
  }
  const out = allocTensor(x.dtype, outDims);
  const n = out.data.length;
  if (n === 0) return out;
  if (rank === 0) { copyRun(out.data, 0, x.data, 0, 1); return out; }
  const maps = outDims.map((od, a) => Int32Array.from({ length: od }, (_, o) => mapCoord(o, pads[a], x.dims[a], mode)));
  const st = strides(x.dims);
  const src = x.data as unknown as { [i: number]: unknown };
  const dst = out.data as unknown as { [i: number]: unknown };
  const fillV = value ? (value.data as unknown as { [i: number]: unknown })[0] : undefined;
  const hasFill = fillV !== undefined && fillV !== 0 && fillV !== 0n && fillV !== '';
  const inner = outDims[rank - 1];
  const last = maps[rank - 1];
  const before = pads[rank - 1];
  const lo = Math.max(before, 0), hi = Math.min(inner, before + x.dims[rank - 1]);
  const c = new Array<number>(rank - 1).fill(0);
  for (let o = 0; o < n; o += inner) {
    let base = 0;
    let outside = false;
    for (let d = 0; d < rank - 1; d++) {
      const s = maps[d][c[d]];
      if (s < 0) { outside = true; break; }
      base += s * st[d];
    }
    if (outside) {
      if (hasFill) for (let j = 0; j < inner; j++) dst[o + j] = fillV;
    } else {
      for (let j = 0; j < lo && j < inner; j++) { const s = last[j]; if (s >= 0) dst[o + j] = src[base + s]; else if (hasFill) dst[o + j] = fillV; }
      if (hi > lo) copyRun(out.data, o + lo, x.data, base + lo - before, hi - lo);
      for (let j = Math.max(hi, lo); j < inner; j++) { const s = last[j]; if (s >= 0) dst[o + j] = src[base + s]; else if (hasFill) dst[o + j] = fillV; }
    }
    for (let d = rank - 2; d >= 0; d--) {
      if (++c[d] < outDims[d]) break;
      c[d] = 0;
    }
  }
  return out;
}

function padArgs(ctx: KernelContext): { pads: number[]; mode: PadMode; value?: Tensor } {
  const x = ctx.input(0);
  const rank = x.dims.length;
  const mode = ctx.attrs.string('mode', 'constant') as PadMode;
  if (!['constant', 'reflect', 'edge', 'wrap'].includes(mode)) throw ctx.error(`unknown mode '${mode}'`);
  if (ctx.opset < 11) {
    const pads = ctx.attrs.has('pads') ? ctx.attrs.ints('pads') : ctx.attrs.ints('paddings');
    const v = ctx.attrs.float('value', 0);
    return { pads, mode, value: x.dtype === 'string' ? undefined : fromNumbers(x.dtype, [1], [v]) };
  }
  const raw = ints(ctx.input(1));
  const cv = ctx.optionalInput(2);
  const axesT = ctx.opset >= 18 ? ctx.optionalInput(3) : undefined;
  let pads = raw;
  if (axesT) {
    const axes = ints(axesT).map((a) => normalizeAxis(a, rank, 'Pad axis'));
    if (raw.length !== 2 * axes.length) throw ctx.error(`${raw.length} pads for ${axes.length} axes`);
    pads = new Array<number>(2 * rank).fill(0);
    axes.forEach((a, i) => { pads[a] = raw[i]; pads[a + rank] = raw[i + axes.length]; });
  }
  return { pads, mode, value: cv && cv.data.length > 0 ? cv : undefined };
}

export const padKernels: KernelTable = {
  Pad(ctx) {
    const { pads, mode, value } = padArgs(ctx);
    return [padRaw(ctx.input(0), pads, mode, value)];
  },
  DepthToSpace(ctx) {
    const x = ctx.input(0);
    const bs = ctx.attrs.int('blocksize');
    const [n, c, h, w] = x.dims;
    if (x.dims.length !== 4 || c % (bs * bs) !== 0) throw ctx.error(`input [${x.dims.join(', ')}] does not fit blocksize ${bs}`);
    const cc = c / (bs * bs);
    const crd = ctx.attrs.string('mode', 'DCR') === 'CRD';
    const t = crd
      ? transposeRaw(reshaped(x, [n, cc, bs, bs, h, w]), [0, 1, 4, 2, 5, 3])
      : transposeRaw(reshaped(x, [n, bs, bs, cc, h, w]), [0, 3, 4, 1, 5, 2]);
    return [reshaped(t, [n, cc, h * bs, w * bs])];
  },
  SpaceToDepth(ctx) {
    const x = ctx.input(0);
    const bs = ctx.attrs.int('blocksize');
    const [n, c, h, w] = x.dims;
    if (x.dims.length !== 4 || h % bs !== 0 || w % bs !== 0) throw ctx.error(`input [${x.dims.join(', ')}] does not fit blocksize ${bs}`);
    const t = transposeRaw(reshaped(x, [n, c, h / bs, bs, w / bs, bs]), [0, 3, 5, 1, 2, 4]);
    return [reshaped(t, [n, c * bs * bs, h / bs, w / bs])];
  },
  Trilu(ctx) {
    const x = ctx.input(0);
    const kt = ctx.optionalInput(1);
    const k = kt ? ints(kt)[0] : 0;
    const upper = ctx.attrs.int('upper', 1) === 1;
    const rank = x.dims.length;
    if (rank < 2) throw ctx.error('input must have rank >= 2');
    const rows = x.dims[rank - 2], cols = x.dims[rank - 1];
    const out = allocTensor(x.dtype, x.dims);
    const mats = rows * cols === 0 ? 0 : x.data.length / (rows * cols);
    for (let m = 0; m < mats; m++) {
      for (let i = 0; i < rows; i++) {
        const off = (m * rows + i) * cols;
        // upper keeps j >= i + k; lower keeps j <= i + k
        const [a, b] = upper ? [Math.max(0, Math.min(cols, i + k)), cols] : [0, Math.max(0, Math.min(cols, i + k + 1))];
        copyRun(out.data, off + a, x.data, off + a, b - a);
      }
    }
    return [out];
  },
  ReverseSequence(ctx) {
    const x = ctx.input(0);
    const lens = ints(ctx.input(1));
    const tAx = ctx.attrs.int('time_axis', 0), bAx = ctx.attrs.int('batch_axis', 1);
    const out = allocTensor(x.dtype, x.dims);
    const st = strides(x.dims);
    const src = x.data as unknown as { [i: number]: unknown };
    const dst = out.data as unknown as { [i: number]: unknown };
    forEachIndex(x.dims, (i, c) => {
      const t = c[tAx], len = lens[c[bAx]];
      dst[i] = t < len ? src[i + (len - 1 - 2 * t) * st[tAx]] : src[i];
    });
    return [out];
  },
  CenterCropPad(ctx) {
    const x = ctx.input(0);
    const shape = ints(ctx.input(1));
    const rank = x.dims.length;
    const axes = (ctx.attrs.has('axes') ? ctx.attrs.ints('axes') : x.dims.map((_, i) => i)).map((a) => normalizeAxis(a, rank, 'CenterCropPad axis'));
    if (shape.length !== axes.length) throw ctx.error(`${shape.length} sizes for ${axes.length} axes`);
    const outDims = [...x.dims];
    const srcStart = x.dims.map(() => 0), dstStart = x.dims.map(() => 0), size = [...x.dims];
    axes.forEach((a, i) => {
      const s = shape[i], d = x.dims[a];
      outDims[a] = s;
      if (d > s) srcStart[a] = Math.floor((d - s) / 2);
      else dstStart[a] = Math.floor((s - d) / 2);
      size[a] = Math.min(s, d);
    });
    const out = allocTensor(x.dtype, outDims);
    const sst = strides(x.dims), dst = strides(outDims);
    const inner = size[rank - 1] ?? 1;
    const outerDims = size.slice(0, rank - 1);
    if (size.every((s) => s > 0)) {
      forEachIndex(outerDims, (_, c) => {
        let so = srcStart[rank - 1] ?? 0, doff = dstStart[rank - 1] ?? 0;
        for (let d = 0; d < rank - 1; d++) { so += (c[d] + srcStart[d]) * sst[d]; doff += (c[d] + dstStart[d]) * dst[d]; }
        copyRun(out.data, doff, x.data, so, inner);
      });
    }
    return [out];
  },
};
