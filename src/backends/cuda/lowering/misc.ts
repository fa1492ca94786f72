/** Lowerings for Pad, TopK, ArgMax / ArgMin and Mean (kernels/misc.cu; Mean's sums use elementwise.cu). */
import { float16ArrayToFloat32, float32ArrayToFloat16 } from '../../../tensor/float16.js';
import { normAxis, numelOf, widthSuffix, type LowerCtx, type Lowering } from './types.js';
import { pairwise } from './elementwise.js';

const PAD_MODE: Record<string, number> = { constant: 0, reflect: 1, edge: 2, wrap: 3 };

/** A plan-time input as numbers (omitted or empty -> undefined); runtime data is unsupported on the GPU. */
function staticNumbers(c: LowerCtx, i: number, what: string): number[] | undefined {
  const v = c.inputs[i];
  if (!v || numelOf(v.dims) === 0) return undefined;
  if (!v.host) throw c.unsupported(`${what} (input ${i}) must be known when the plan is built`);
  return Array.from(v.host.data as ArrayLike<number | bigint>, Number);
}

/** The pad value as the raw bits of one element of `dtype`. */
function rawBits(c: LowerCtx, dtype: string, v: number): number {
  switch (dtype) {
    case 'float32': return new Uint32Array(Float32Array.of(v).buffer)[0];
    case 'float16': return float32ArrayToFloat16(Float32Array.of(v))[0];
    case 'float64': throw c.unsupported('float64 pad value');
    case 'bool': return v ? 1 : 0;
    default: return Math.trunc(v);
  }
}

const pad: Lowering = (c) => {
  const x = c.input(0);
  const rank = x.dims.length;
  const modeName = c.attrs.string('mode', 'constant');
  const mode = PAD_MODE[modeName];
  if (mode === undefined) throw c.error(`unknown mode '${modeName}'`);
  let pads: number[];
  let value = 0;
  if (c.opset < 11) {
    pads = c.attrs.has('pads') ? c.attrs.ints('pads') : c.attrs.ints('paddings');
    value = c.attrs.float('value', 0);
  } else {
    const raw = staticNumbers(c, 1, 'pads') ?? [];
    value = staticNumbers(c, 2, 'constant_value')?.[0] ?? 0;
    // float16 host data holds raw bits: decode them so rawBits re-encodes the same value
    if (c.inputs[2]?.host && c.inputs[2].dtype === 'float16' && numelOf(c.inputs[2].dims)) value = float16ArrayToFloat32(c.inputs[2].host.data as Uint16Array)[0];
    const axes = c.opset >= 18 ? staticNumbers(c, 3, 'axes') : undefined;
    pads = raw;
    if (axes) {
      if (raw.length !== 2 * axes.length) throw c.error(`${raw.length} pads for ${axes.length} axes`);
      pads = new Array<number>(2 * rank).fill(0);
      axes.forEach((a0, i) => {
        const a = normAxis(a0, rank, c);
        pads[a] = raw[i];
        pads[a + rank] = raw[i + axes.length];
      });
    }
  }
  if (pads.length !== 2 * rank) throw c.error(`${pads.length} pads for rank ${rank}`);
  if (rank === 0 || rank > 8) throw c.unsupported(`rank ${rank}`);
  const outDims = x.dims.map((d, i) => d + pads[i] + pads[i + rank]);
  if (outDims.some((d) => d < 0)) throw c.error(`pads [${pads}] give a negative dimension`);
  if (mode !== 0 && outDims.some((d, i) => d > 0 && x.dims[i] === 0)) throw c.error(`mode '${modeName}' cannot pad an empty axis`);
  const w = widthSuffix(x.dtype, c);
  const bits = mode === 0 ? rawBits(c, x.dtype, value) : 0;
  const n = numelOf(outDims);
  const idx = { dims: outDims, s0: x.dims, s1: pads.slice(0, rank) };
  // a constant pad of the last axis only (NHWC RGB 3 -> 4 or 8 channels)
  const lastOnly = mode === 0 && pads.every((p, i) => p === 0 || i === rank - 1 || i === 2 * rank - 1) && n < 2 ** 30 && numelOf(x.dims) < 2 ** 30;
  const inL = x.dims[rank - 1], outL = outDims[rank - 1];
  const width = Number(w.slice(1));
  return {
    outputs: [{ dtype: x.dtype, dims: outDims }],
    deviceInputs: [0],
    emit: (ip, op, l) => {
      if (!n) return;
      if (!lastOnly) return l.elementwise('misc', `pad_${w}`, n, [{ ptr: ip[0] }, { ptr: op[0] }, { i64: n }, { idx }, { i32: mode }, { i64: bits }]);
      // output rows in 16- or 8-byte words where they fit (NHWC RGB padded to 8 / to 4 fp16 channels)
      const word = [16, 8].find((b) => b > width && (outL * width) % b === 0 && op[0] % b === 0);
      const items = word ? (n * width) / word : n;
      l.elementwise('misc', `pad_last${word ?? ''}_${w}`, items, [{ ptr: ip[0] }, { ptr: op[0] }, { i32: items }, { i32: inL }, { i32: outL }, { i32: pads[rank - 1] }, { i64: bits }]);
    },
  };
};

const topk: Lowering = (c) => {
  const x = c.input(0);
  const sfx = c.floatSuffix(x.dtype);
  const k = c.opset >= 10 ? staticNumbers(c, 1, 'K')?.[0] : c.attrs.int('k');
  if (k === undefined) throw c.error('K is required');
  const axis = normAxis(c.attrs.int('axis', -1), x.dims.length, c);
  const largest = c.opset < 11 || c.attrs.int('largest', 1) === 1;
  const dim = x.dims[axis];
  if (k < 0 || k > dim) throw c.error(`k = ${k} is out of range for dimension ${dim}`);
  const dims = [...x.dims];
  dims[axis] = k;
  const inner = numelOf(x.dims.slice(axis + 1));
  const slices = numelOf(x.dims.slice(0, axis)) * inner;
  return {
    outputs: [{ dtype: x.dtype, dims }, { dtype: 'int64', dims }],
    deviceInputs: [0],
    emit: (ip, op, l) =>
      slices && k && l.blocks('misc', `topk_${sfx}`, Math.min(slices, 1 << 20), dim >= 4096 ? 256 : 128, [
        { ptr: ip[0] }, { ptr: op[0] }, { ptr: op[1] }, { i64: slices }, { i64: dim }, { i64: inner }, { i64: k }, { i32: largest ? 1 : 0 },
      ]),
  };
};

function argExt(max: boolean): Lowering {
  return (c) => {
    const x = c.input(0);
    const sfx = c.floatSuffix(x.dtype);
    const axis = normAxis(c.attrs.int('axis', 0), x.dims.length, c);
    const keep = c.attrs.int('keepdims', 1) !== 0;
    const last = c.attrs.int('select_last_index', 0) !== 0 ? 1 : 0;
    const n = x.dims[axis];
    if (n === 0) throw c.error(`cannot take ${c.node.opType} over the empty axis ${axis}`);
    const outDims = keep ? x.dims.map((d, i) => (i === axis ? 1 : d)) : x.dims.filter((_, i) => i !== axis);
    const nOut = numelOf(outDims);
    const inner = numelOf(x.dims.slice(axis + 1));
    return {
      outputs: [{ dtype: 'int64', dims: outDims }],
      deviceInputs: [0],
      emit: (ip, op, l) => nOut && l.elementwise('misc', `${max ? 'argmax' : 'argmin'}_${sfx}`, nOut, [{ ptr: ip[0] }, { ptr: op[0] }, { i64: nOut }, { i64: n }, { i64: inner }, { i32: last }]),
    };
  };
}

/** Mean: the pairwise broadcast sum of the inputs (elementwise.ts), then a scale by 1/count. */
const mean: Lowering = (c) => {
  const sum = pairwise(c, 'add');
  const addAll = sum.emit;
  if (!addAll) return sum; // one input: an alias
  const { dtype, dims } = sum.outputs[0];
  const sfx = c.floatSuffix(dtype);
  const n = numelOf(dims);
  const count = c.inputs.length;
  return {
    ...sum,
    emit: (ip, op, l) => {
      if (!n) return;
      addAll(ip, op, l);
      l.elementwise('misc', `scale_flat_${sfx}`, n, [{ ptr: op[0] }, { ptr: op[0] }, { i64: n }, { f32: 1 / count }]);
    },
  };
};

export const miscLowerings: Record<string, Lowering> = {
  Pad: pad,
  TopK: topk,
  ArgMax: argExt(true),
  ArgMin: argExt(false),
  Mean: mean,
};
