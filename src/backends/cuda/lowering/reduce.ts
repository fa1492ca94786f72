/** Lowerings for Reduce* (reduce.cu) and Softmax / LogSoftmax / Hardmax (softmax.cu). */
import { contiguousStrides, normAxis, numelOf, type Lowering } from './types.js';

const REDUCE: Record<string, string> = {
  ReduceSum: 'reducesum', ReduceMean: 'reducemean', ReduceMax: 'reducemax', ReduceMin: 'reducemin', ReduceProd: 'reduceprod',
  ReduceL1: 'reducel1', ReduceL2: 'reducel2', ReduceSumSquare: 'reducesumsquare', ReduceLogSum: 'reducelogsum',
  ReduceLogSumExp: 'reducelogsumexp',
};

const reduce: Lowering = (c) => {
  const x = c.input(0);
  const sfx = c.floatSuffix(x.dtype);
  const rank = x.dims.length;
  const axesAsInput = c.node.opType === 'ReduceSum' ? c.opset >= 13 : c.opset >= 18;
  let axes = axesAsInput ? c.hostInts(1, 'axes') : c.attrs.ints('axes', []);
  const keep = c.attrs.int('keepdims', 1) === 1;
  if (!axes || axes.length === 0) {
    if (axesAsInput && c.attrs.int('noop_with_empty_axes', 0) === 1) return { outputs: [{ dtype: x.dtype, dims: x.dims, alias: 0 }] };
    axes = x.dims.map((_, i) => i);
  }
  const red = new Set(axes.map((a) => normAxis(a, rank, c)));
  const kept = x.dims.map((_, i) => i).filter((i) => !red.has(i));
  const reduced = [...red].sort((a, b) => a - b);
  const outDims = keep ? x.dims.map((d, i) => (red.has(i) ? 1 : d)) : kept.map((i) => x.dims[i]);
  const strides = contiguousStrides(x.dims);
  const order = [...kept, ...reduced];
  const idx = { dims: order.map((i) => x.dims[i]), s0: order.map((i) => strides[i]), pad: kept.length };
  const nOut = numelOf(outDims);
  const nRed = numelOf(reduced.map((i) => x.dims[i]));
  const kernel = `${REDUCE[c.node.opType]}_block_${sfx}`;
  return {
    outputs: [{ dtype: x.dtype, dims: outDims }],
    deviceInputs: [0],
    emit: (ip, op, l) => nOut && l.blocks('reduce', kernel, Math.min(nOut, 1 << 20), 256, [{ ptr: ip[0] }, { ptr: op[0] }, { i64: nOut }, { i64: nRed }, { idx }]),
  };
};

const softmax: Lowering = (c) => {
  const x = c.input(0);
  const sfx = c.floatSuffix(x.dtype);
  const rank = x.dims.length;
  const axis = normAxis(c.attrs.int('axis', c.opset >= 13 ? -1 : 1), rank, c);
  const outer = numelOf(x.dims.slice(0, axis));
  // before opset 13 the input is coerced to 2-D at `axis`
  const n = c.opset >= 13 ? x.dims[axis] : numelOf(x.dims.slice(axis));
  const inner = c.opset >= 13 ? numelOf(x.dims.slice(axis + 1)) : 1;
  const kernel = `${c.node.opType.toLowerCase()}_axis_${sfx}`;
  const slices = outer * inner;
  // a non-last axis: a thread per slice walking the axis reads coalesced across threads (YOLO's DFL softmax over
  // axis 1 of [N, 16, 4, A]); a block per slice stays for the last axis and for long axes with few slices
  const coalesced = inner > 1 && (inner >= 32 || n <= 1024);
  return {
    outputs: [{ dtype: x.dtype, dims: x.dims }],
    deviceInputs: [0],
    emit: (ip, op, l) => {
      if (!slices || !n) return;
      const args = [{ ptr: ip[0] }, { ptr: op[0] }, { i64: outer }, { i64: n }, { i64: inner }];
      if (c.node.opType === 'Hardmax') l.elementwise('softmax', kernel, slices, args);
      else if (coalesced) l.elementwise('softmax', kernel.replace('_axis_', '_inner_'), slices, args);
      else l.blocks('softmax', kernel, Math.min(slices, 1 << 20), 256, args);
    },
  };
};

export const reduceLowerings: Record<string, Lowering> = {
  ...Object.fromEntries(Object.keys(REDUCE).map((k) => [k, reduce])),
  Softmax: softmax,
  LogSoftmax: softmax,
  Hardmax: softmax,
};
