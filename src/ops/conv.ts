/** Op family 'conv': Conv, ConvTranspose, Col2Im, DeformConv: attribute geometry and shape inference. */
import type { AttributeReader } from '../ir/attributes.js';
import type { Dim } from '../ir/graph.js';
import { TensorJetError } from '../errors.js';
import type { InferContext, OpSchema, ValueMeta } from './schema.js';

/** Resolved geometry of a sliding-window op over `rank` spatial dims. */
export interface WindowGeometry {
  kernel: number[];
  strides: number[];
  dilations: number[];
  /** begin pads then end pads, ONNX order */
  pads: number[];
  out: number[];
}

/**
 * Conv/pool output sizes and pads for input spatial sizes `inp` (auto_pad honoured).
 * `ceil` rounds the output size up (pool ceil_mode).
 */
export function windowGeometry(attrs: AttributeReader, inp: readonly number[], kernel: readonly number[], ceil = false): WindowGeometry {
  const r = inp.length;
  const strides = attrs.ints('strides', new Array(r).fill(1));
  const dilations = attrs.ints('dilations', new Array(r).fill(1));
  const autoPad = attrs.string('auto_pad', 'NOTSET');
  let pads = attrs.ints('pads', new Array(2 * r).fill(0));
  if (strides.length !== r || dilations.length !== r || pads.length !== 2 * r || kernel.length !== r) {
    throw attrs.error(`strides/dilations/pads/kernel_shape do not match ${r} spatial dims`);
  }
  const out: number[] = [];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = new Array(2 * r).fill(0);
    for (let i = 0; i < r; i++) {
      const o = Math.ceil(inp[i] / strides[i]);
      const dk = (kernel[i] - 1) * dilations[i] + 1;
      const total = Math.max(0, (o - 1) * strides[i] + dk - inp[i]);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + r] = total - pads[i];
      out.push(o);
    }
  } else {
    if (autoPad === 'VALID') pads = new Array(2 * r).fill(0);
    for (let i = 0; i < r; i++) {
      const dk = (kernel[i] - 1) * dilations[i] + 1;
      const span = inp[i] + pads[i] + pads[i + r] - dk;
      let o = (ceil ? Math.ceil(span / strides[i]) : Math.floor(span / strides[i])) + 1;
      // ceil_mode: the last window must start inside the input or left padding
      if (ceil && (o - 1) * strides[i] >= inp[i] + pads[i]) o--;
      out.push(Math.max(0, o));
    }
  }
  return { kernel: [...kernel], strides, dilations, pads, out };
}

/** ConvTranspose geometry: pads and output sizes (output_shape / output_padding / auto_pad). */
export function convTransposeGeometry(attrs: AttributeReader, inp: readonly number[], kernel: readonly number[]): WindowGeometry & { outputPadding: number[] } {
  const r = inp.length;
  const strides = attrs.ints('strides', new Array(r).fill(1));
  const dilations = attrs.ints('dilations', new Array(r).fill(1));
  const outputPadding = attrs.ints('output_padding', new Array(r).fill(0));
  const autoPad = attrs.string('auto_pad', 'NOTSET');
  let outShape = attrs.has('output_shape') ? attrs.ints('output_shape') : undefined;
  if (outShape && outShape.length === r + 2) outShape = outShape.slice(2);
  let pads = attrs.has('pads') ? attrs.ints('pads') : undefined;
  const full = (i: number) => strides[i] * (inp[i] - 1) + outputPadding[i] + (kernel[i] - 1) * dilations[i] + 1;
  if (!pads && (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER')) {
    const os = outShape ?? inp.map((v, i) => v * strides[i]);
    pads = new Array(2 * r).fill(0);
    for (let i = 0; i < r; i++) {
      const total = full(i) - os[i];
      const half = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? half : total - half;
      pads[i + r] = total - pads[i];
    }
    outShape = os;
  }
  pads ??= new Array(2 * r).fill(0);
  const out = outShape ?? inp.map((_, i) => full(i) - pads![i] - pads![i + r]);
  return { kernel: [...kernel], strides, dilations, pads, out: [...out], outputPadding };
}

const known = (s: Dim[] | undefined, from: number): s is Dim[] => !!s && s.slice(from).every((d) => typeof d === 'number');

function convInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const x = ctx.inputs[0];
  const w = ctx.inputs[1];
  if (!x) return [undefined];
  if (!x.shape || !w?.shape) return [{ dtype: x.dtype }];
  const kernel = ctx.attrs.has('kernel_shape') ? ctx.attrs.ints('kernel_shape') : w.shape.slice(2);
  if (!known(x.shape, 2) || !kernel.every((d) => typeof d === 'number')) {
    return [{ dtype: x.dtype, shape: [x.shape[0], w.shape[0], ...x.shape.slice(2).map((_, i) => `${ctx.node.name}_d${i}`)] }];
  }
  const g = windowGeometry(ctx.attrs, x.shape.slice(2) as number[], kernel as number[]);
  return [{ dtype: x.dtype, shape: [x.shape[0], w.shape[0], ...g.out] }];
}

function convTransposeInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const x = ctx.inputs[0];
  const w = ctx.inputs[1];
  if (!x) return [undefined];
  if (!x.shape || !w?.shape) return [{ dtype: x.dtype }];
  const group = ctx.attrs.int('group', 1);
  const m = typeof w.shape[1] === 'number' ? w.shape[1] * group : `${ctx.node.name}_c`;
  const kernel = ctx.attrs.has('kernel_shape') ? ctx.attrs.ints('kernel_shape') : w.shape.slice(2);
  if (!known(x.shape, 2) || !kernel.every((d) => typeof d === 'number')) return [{ dtype: x.dtype }];
  const g = convTransposeGeometry(ctx.attrs, x.shape.slice(2) as number[], kernel as number[]);
  return [{ dtype: x.dtype, shape: [x.shape[0], m, ...g.out] }];
}

function col2ImInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const x = ctx.inputs[0];
  if (!x) return [undefined];
  const img = ctx.inputs[1]?.value;
  const blk = ctx.inputs[2]?.value;
  if (!x.shape || !img || !blk) return [{ dtype: x.dtype }];
  const imageShape = Array.from(img.data as BigInt64Array, Number);
  const block = Array.from(blk.data as BigInt64Array, Number);
  const c = x.shape[1];
  const channels = typeof c === 'number' ? c / block.reduce((a, b) => a * b, 1) : c;
  if (typeof channels === 'number' && !Number.isInteger(channels)) {
    throw new TensorJetError('E_SHAPE', `node '${ctx.node.name}' (Col2Im): input channel dim ${c} is not a multiple of the block size`);
  }
  return [{ dtype: x.dtype, shape: [x.shape[0], channels, ...imageShape] }];
}

export const schemas: OpSchema[] = [
  { opType: 'Conv', infer: convInfer },
  { opType: 'ConvTranspose', infer: convTransposeInfer },
  { opType: 'Col2Im', infer: col2ImInfer },
  { opType: 'DeformConv', infer: convInfer },
];
