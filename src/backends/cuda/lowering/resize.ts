/** Lowerings for Resize (nearest / linear; scales or sizes known at build) and Upsample (kernels/resize.cu). */
import { resizeOutput } from '../../../ops/resize.js';
import { numelOf, type IdxStruct, type LowerCtx, type Lowered, type Lowering } from './types.js';

const COORD: Record<string, number> = { half_pixel: 0, align_corners: 1, asymmetric: 2, pytorch_half_pixel: 3, half_pixel_symmetric: 4 };
const NEAREST: Record<string, number> = { round_prefer_floor: 0, round_prefer_ceil: 1, floor: 2, ceil: 3, simple: 4 };

/** A plan-time float/int input (omitted or empty -> undefined); runtime data is unsupported on the GPU. */
function staticNumbers(c: LowerCtx, i: number, what: string): number[] | undefined {
  const v = c.inputs[i];
  if (!v || numelOf(v.dims) === 0) return undefined;
  if (!v.host) throw c.unsupported(`${what} (input ${i}) must be known when the plan is built`);
  return Array.from(v.host.data as ArrayLike<number | bigint>, Number);
}

/** Splits each double into its high and low 32-bit words (the kernel rebuilds it with __hiloint2double). */
function doubleWords(values: number[]): [number[], number[]] {
  const dv = new DataView(new ArrayBuffer(8));
  const hi: number[] = [], lo: number[] = [];
  for (const v of values) {
    dv.setFloat64(0, v, true);
    lo.push(dv.getInt32(0, true));
    hi.push(dv.getInt32(4, true));
  }
  return [hi, lo];
}

function lowerResize(c: LowerCtx, outDims: number[], scales: number[], mode: string, coord: string, nearest: string): Lowered {
  const x = c.input(0);
  const sfx = c.floatSuffix(x.dtype);
  if (x.dims.length > 8) throw c.unsupported(`rank ${x.dims.length} (at most 8)`);
  if (mode !== 'nearest' && mode !== 'linear') throw c.unsupported(`mode '${mode}' (nearest and linear run on CUDA)`);
  if (COORD[coord] === undefined) throw c.unsupported(`coordinate_transformation_mode '${coord}'`);
  if (mode === 'nearest' && NEAREST[nearest] === undefined) throw c.unsupported(`nearest_mode '${nearest}'`);
  const [hi, lo] = doubleWords(scales);
  const idx: IdxStruct = { dims: outDims.length ? outDims : [1], s0: x.dims.length ? x.dims : [1], s1: hi.length ? hi : [0], s2: lo.length ? lo : [0] };
  const n = numelOf(outDims);
  const kernel = `resize_${mode}_${sfx}`;
  const words = mode === 'nearest' ? nearestWords(x.dims, outDims, scales, sfx === 'f16' ? 2 : 4) : undefined;
  const tail = [{ i32: COORD[coord] }, { i32: mode === 'nearest' ? NEAREST[nearest] : 0 }];
  return {
    outputs: [{ dtype: x.dtype, dims: outDims }],
    deviceInputs: [0],
    emit: (ip, op, l) => {
      if (!n) return;
      if (words && ip[0] % 16 === 0 && op[0] % 16 === 0) l.elementwise('resize', 'resize_nearest_w16', words.n, [{ ptr: ip[0] }, { ptr: op[0] }, { i32: words.n }, { idx: words.idx }, ...tail]);
      else l.elementwise('resize', kernel, n, [{ ptr: ip[0] }, { ptr: op[0] }, { i64: n }, { idx }, ...tail]);
    },
  };
}

/**
 * Nearest resize as 16-byte word copies: the trailing unscaled axes (NHWC channels) merge into one axis of words
 * when they hold a multiple of 16 bytes; undefined when they do not or a tensor has 2^30 elements or more.
 */
function nearestWords(inDims: number[], outDims: number[], scales: number[], elem: number): { n: number; idx: IdxStruct } | undefined {
  let t = inDims.length;
  while (t > 0 && outDims[t - 1] === inDims[t - 1] && scales[t - 1] === 1) t--;
  const bytes = numelOf(inDims.slice(t)) * elem;
  if (t === inDims.length || bytes % 16 !== 0 || numelOf(inDims) >= 2 ** 30 || numelOf(outDims) >= 2 ** 30) return undefined;
  const [hi, lo] = doubleWords([...scales.slice(0, t), 1]);
  const w = bytes / 16;
  const dims = [...outDims.slice(0, t), w];
  return { n: numelOf(dims), idx: { dims, s0: [...inDims.slice(0, t), w], s1: hi, s2: lo } };
}

const resize: Lowering = (c) => {
  const x = c.input(0);
  const inputs = c.opset < 11
    ? { scales: staticNumbers(c, 1, 'scales') }
    : { roi: staticNumbers(c, 1, 'roi'), scales: staticNumbers(c, 2, 'scales'), sizes: staticNumbers(c, 3, 'sizes') };
  const { outDims, scales, options } = resizeOutput(c.attrs, c.opset, x.dims, inputs, `node '${c.node.name}' (Resize)`);
  if (options.antialias && options.mode !== 'nearest' && scales.some((s) => s < 1)) throw c.unsupported('antialias');
  if (options.excludeOutside && options.mode !== 'nearest') throw c.unsupported('exclude_outside');
  return lowerResize(c, outDims, scales, options.mode, options.coordMode, options.nearestMode);
};

const upsample: Lowering = (c) => {
  const x = c.input(0);
  const scales = c.opset >= 9 ? staticNumbers(c, 1, 'scales') : c.attrs.floats('scales');
  if (!scales || scales.length !== x.dims.length) throw c.error(`scales must have ${x.dims.length} values`);
  const mode = c.attrs.string('mode', 'nearest');
  const outDims = x.dims.map((d, i) => Math.floor(d * scales[i]));
  return lowerResize(c, outDims, scales, mode === 'bilinear' || mode === 'linear' ? 'linear' : mode, 'asymmetric', 'simple');
};

export const resizeLowerings: Record<string, Lowering> = { Resize: resize, Upsample: upsample };
