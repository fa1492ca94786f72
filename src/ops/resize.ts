/** Op family 'resize': Resize (output size / scale resolution shared with the kernel), Upsample, GridSample, AffineGrid, RoiAlign. */
import type { AttributeReader } from '../ir/attributes.js';
import type { Dim } from '../ir/graph.js';
import { TensorJetError } from '../errors.js';
import type { InferContext, OpSchema, ValueMeta } from './schema.js';

export interface ResizeOptions {
  mode: 'nearest' | 'linear' | 'cubic';
  coordMode: string;
  nearestMode: string;
  cubicA: number;
  excludeOutside: boolean;
  extrapolation: number;
  antialias: boolean;
}

/** numpy-style round half to even */
const roundEven = (v: number): number => {
  const f = Math.floor(v);
  const d = v - f;
  return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
};

/** Output dims, per-axis scales and full roi ([starts..., ends...]) of a Resize node. */
export function resizeOutput(
  attrs: AttributeReader, opset: number, dims: readonly number[],
  inp: { roi?: ArrayLike<number>; scales?: ArrayLike<number>; sizes?: ArrayLike<number> }, where: string,
): { outDims: number[]; scales: number[]; roi: number[]; options: ResizeOptions } {
  const r = dims.length;
  const axes = (opset >= 18 && attrs.has('axes') ? attrs.ints('axes') : Array.from({ length: r }, (_, i) => i)).map((a) => (a < 0 ? a + r : a));
  const scales = new Array<number>(r).fill(1);
  const outDims = [...dims];
  const roi = [...new Array<number>(r).fill(0), ...new Array<number>(r).fill(1)];
  if (inp.roi && inp.roi.length === 2 * axes.length) {
    axes.forEach((a, i) => { roi[a] = inp.roi![i]; roi[a + r] = inp.roi![i + axes.length]; });
  }
  if (inp.sizes) {
    if (inp.sizes.length !== axes.length) throw new TensorJetError('E_SHAPE', `${where}: sizes has ${inp.sizes.length} values for ${axes.length} axes`);
    const policy = opset >= 18 ? attrs.string('keep_aspect_ratio_policy', 'stretch') : 'stretch';
    if (policy === 'stretch') {
      axes.forEach((a, i) => { outDims[a] = inp.sizes![i]; scales[a] = inp.sizes![i] / dims[a]; });
    } else {
      const ratios = axes.map((a, i) => inp.sizes![i] / dims[a]);
      const s = policy === 'not_larger' ? Math.min(...ratios) : Math.max(...ratios);
      axes.forEach((a) => { scales[a] = s; outDims[a] = roundEven(s * dims[a]); });
    }
  } else if (inp.scales) {
    if (inp.scales.length !== axes.length) throw new TensorJetError('E_SHAPE', `${where}: scales has ${inp.scales.length} values for ${axes.length} axes`);
    axes.forEach((a, i) => {
      const s = inp.scales![i];
      if (!(s > 0)) throw new TensorJetError('E_SHAPE', `${where}: scale ${s} must be positive`);
      scales[a] = s;
      outDims[a] = Math.floor(dims[a] * s);
    });
  } else throw new TensorJetError('E_SHAPE', `${where}: one of scales or sizes is required`);
  const mode = attrs.string('mode', 'nearest');
  if (mode !== 'nearest' && mode !== 'linear' && mode !== 'cubic') throw attrs.error(`unknown mode '${mode}'`);
  const options: ResizeOptions = {
    mode,
    coordMode: opset < 11 ? 'asymmetric' : attrs.string('coordinate_transformation_mode', 'half_pixel'),
    nearestMode: opset < 11 ? 'simple' : attrs.string('nearest_mode', 'round_prefer_floor'),
    cubicA: attrs.float('cubic_coeff_a', -0.75),
    excludeOutside: attrs.int('exclude_outside', 0) === 1,
    extrapolation: attrs.float('extrapolation_value', 0),
    antialias: opset >= 18 && attrs.int('antialias', 0) === 1,
  };
  return { outDims, scales, roi, options };
}

function resizeInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const x = ctx.inputs[0];
  if (!x) return [undefined];
  if (!x.shape || !x.shape.every((d) => typeof d === 'number')) return [{ dtype: x.dtype, shape: x.shape?.map((d, i) => (typeof d === 'number' ? `${ctx.node.name}_d${i}` : d)) }];
  const val = (i: number) => {
    const v = ctx.inputs[i]?.value;
    return v && v.data.length ? Array.from(v.data as ArrayLike<number | bigint>, Number) : undefined;
  };
  const inp = ctx.opset < 11 ? { scales: val(1) } : { roi: val(1), scales: val(2), sizes: val(3) };
  const haveScales = ctx.opset < 11 ? !!ctx.inputs[1] : !!ctx.inputs[2] && ctx.inputs[2].shape?.[0] !== 0;
  if (!inp.scales && !inp.sizes) {
    // sizes/scales not constant: only the rank is known
    if (haveScales || ctx.inputs[3]) return [{ dtype: x.dtype, shape: x.shape.map((_, i) => `${ctx.node.name}_d${i}`) }];
  }
  const { outDims } = resizeOutput(ctx.attrs, ctx.opset, x.shape as number[], inp, `node '${ctx.node.name}' (Resize)`);
  return [{ dtype: x.dtype, shape: outDims }];
}

function upsampleInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const x = ctx.inputs[0];
  if (!x) return [undefined];
  const s = ctx.opset >= 9 ? ctx.inputs[1]?.value : undefined;
  const scales = s ? Array.from(s.data as Float32Array) : ctx.opset < 9 ? ctx.attrs.floats('scales') : undefined;
  if (!x.shape || !scales) return [{ dtype: x.dtype }];
  return [{ dtype: x.dtype, shape: x.shape.map((d, i) => (typeof d === 'number' ? Math.floor(d * scales[i]) : d)) }];
}

function gridSampleInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const x = ctx.inputs[0], g = ctx.inputs[1];
  if (!x) return [undefined];
  if (!x.shape || !g?.shape) return [{ dtype: x.dtype }];
  return [{ dtype: x.dtype, shape: [x.shape[0], x.shape[1], ...g.shape.slice(1, -1)] }];
}

function affineGridInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const th = ctx.inputs[0];
  if (!th) return [undefined];
  const size = ctx.inputs[1]?.value;
  if (!size) return [{ dtype: th.dtype }];
  const s = Array.from(size.data as BigInt64Array, Number);
  return [{ dtype: th.dtype, shape: [s[0], ...s.slice(2), s.length - 2] as Dim[] }];
}

function roiAlignInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const x = ctx.inputs[0], rois = ctx.inputs[1];
  if (!x) return [undefined];
  const h = ctx.attrs.int('output_height', 1), w = ctx.attrs.int('output_width', 1);
  return [{ dtype: x.dtype, shape: x.shape && rois?.shape ? [rois.shape[0], x.shape[1], h, w] : undefined }];
}

export const schemas: OpSchema[] = [
  { opType: 'Resize', infer: resizeInfer },
  { opType: 'Upsample', infer: upsampleInfer },
  { opType: 'GridSample', infer: gridSampleInfer },
  { opType: 'AffineGrid', infer: affineGridInfer },
  { opType: 'RoiAlign', infer: roiAlignInfer },
];
