/**
 * Lowerings for shape, slice and indexing ops (shape.cu). Views (Reshape, Flatten, Squeeze, Unsqueeze) alias
 * their input; Shape / Size / Constant are plan-time host values; copies go through copy_nd / gather.
 */
import type { Tensor } from '../../../tensor/tensor.js';
import { makeTensor } from '../../../tensor/tensor.js';
import {
  broadcastDims,
  broadcastStrides,
  byteSize,
  contiguousStrides,
  normAxis,
  numelOf,
  valueStrides,
  widthSuffix,
  type Lowering,
} from './types.js';

const i64Tensor = (values: number[], dims = [values.length]): Tensor => makeTensor('int64', dims, BigInt64Array.from(values.map(BigInt)));

const reshape: Lowering = (c) => {
  const x = c.input(0);
  const shape = c.opset >= 5 ? c.hostInts(1, 'shape')! : c.attrs.ints('shape');
  const allowZero = c.attrs.int('allowzero', 0) === 1;
  const out = shape.map((d, i) => (d === 0 && !allowZero ? x.dims[i] : d));
  const known = out.filter((d) => d !== -1);
  if (out.length - known.length > 1) throw c.error('more than one -1 in the target shape');
  const n = numelOf(x.dims);
  const k = numelOf(known);
  const dims = out.map((d) => (d === -1 ? (k === 0 ? 0 : n / k) : d));
  if (numelOf(dims) !== n || dims.some((d) => !Number.isInteger(d))) throw c.error(`cannot reshape [${x.dims}] to [${shape}]`);
  return { outputs: [{ dtype: x.dtype, dims, alias: 0 }] };
};

const flatten: Lowering = (c) => {
  const x = c.input(0);
  const axis = c.attrs.int('axis', 1);
  const a = axis < 0 ? axis + x.dims.length : axis;
  return { outputs: [{ dtype: x.dtype, dims: [numelOf(x.dims.slice(0, a)), numelOf(x.dims.slice(a))], alias: 0 }] };
};

const squeeze: Lowering = (c) => {
  const x = c.input(0);
  const axes = c.opset >= 13 ? c.hostInts(1, 'axes') : c.attrs.has('axes') ? c.attrs.ints('axes') : undefined;
  const drop = new Set(axes ? axes.map((a) => normAxis(a, x.dims.length, c)) : x.dims.flatMap((d, i) => (d === 1 ? [i] : [])));
  return { outputs: [{ dtype: x.dtype, dims: x.dims.filter((_, i) => !drop.has(i)), alias: 0 }] };
};

const unsqueeze: Lowering = (c) => {
  const x = c.input(0);
  const axes = c.opset >= 13 ? c.hostInts(1, 'axes')! : c.attrs.ints('axes');
  const rank = x.dims.length + axes.length;
  const ins = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
  const dims: number[] = [];
  let j = 0;
  for (let i = 0; i < rank; i++) dims.push(ins.has(i) ? 1 : x.dims[j++]);
  return { outputs: [{ dtype: x.dtype, dims, alias: 0 }] };
};

/**
 * dst[sum c_d * s1_d] <- src[sum c_d * s0_d] over `dims` (strides in elements of width `w`). Size-1 axes are
 * dropped and axes contiguous on both sides merged; when the innermost run is contiguous on both sides it
 * moves up to 16 bytes per thread, if every stride and the pointers' `byteOffsets` allow it (arena buffers
 * are 256-byte aligned). NHWC channel Concat / Split / Slice become wide row copies.
 */
function copyNd(w: string, dims: number[], s0: number[], s1: number[], byteOffsets: number[] = []) {
  const es = Number(w.slice(1));
  const axes: { d: number; a: number; b: number }[] = [];
  dims.forEach((d, i) => {
    if (d === 1) return;
    const outer = axes[axes.length - 1];
    if (outer && outer.a === s0[i] * d && outer.b === s1[i] * d) Object.assign(outer, { d: outer.d * d, a: s0[i], b: s1[i] });
    else axes.push({ d, a: s0[i], b: s1[i] });
  });
  const inner = axes[axes.length - 1];
  let v = 1; // elements per moved word
  for (const bytes of [16, 8, 4, 2]) {
    const k = bytes / es;
    if (!Number.isInteger(k) || k <= 1 || !inner || inner.a !== 1 || inner.b !== 1 || inner.d % k) continue;
    if (axes.slice(0, -1).some((x) => x.a % k || x.b % k) || byteOffsets.some((o) => o % bytes)) continue;
    v = k;
    break;
  }
  const last = axes.length - 1;
  const vd = axes.map((x, i) => (i === last ? x.d / v : x.d));
  const strides = (pick: (x: { a: number; b: number }) => number) => axes.map((x, i) => (v > 1 && i === last ? 1 : pick(x) / v));
  return {
    kernel: `copy_nd_b${es * v}`,
    n: numelOf(vd),
    idx: axes.length ? { dims: vd, s0: strides((x) => x.a), s1: strides((x) => x.b) } : { dims: [1], s0: [0], s1: [0] },
  };
}

/**
 * Transpose as the fewest moves: size-1 axes dropped and runs of input axes that stay adjacent merged (as
 * the CPU's transposeRaw). One group left: a view (alias). [r, c] -> [c, r] or [b, r, c] -> [b, c, r] (NCHW <->
 * NHWC): the tiled shared-memory kernel (thin sides < 16 loop per thread). Anything else: copy_nd.
 */
const transpose: Lowering = (c) => {
  const x = c.input(0);
  const rank = x.dims.length;
  const perm = c.attrs.ints('perm', x.dims.map((_, i) => rank - 1 - i));
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) throw c.error(`perm [${perm}] is not a permutation of ${rank} axes`);
  const dims = perm.map((p) => x.dims[p]);
  const groups: number[][] = [];
  for (const p of perm.filter((p) => x.dims[p] !== 1)) {
    const g = groups[groups.length - 1];
    if (g && g[g.length - 1] + 1 === p) g.push(p);
    else groups.push([p]);
  }
  if (groups.length <= 1) return { outputs: [{ dtype: x.dtype, dims, alias: 0 }] };
  const w = widthSuffix(x.dtype, c);
  const size = (g: number[]) => g.reduce((a, p) => a * x.dims[p], 1);
  const byFirst = [...groups].sort((a, b) => a[0] - b[0]);
  const order = groups.map((g) => byFirst.indexOf(g)).join();
  if (order === '1,0' || order === '0,2,1') {
    const [b, r, cc] = byFirst.length === 2 ? [1, size(byFirst[0]), size(byFirst[1])] : byFirst.map(size);
    const thin = Math.min(r, cc) < 16;
    const tl = byteSize(x.dtype) <= 2 ? 64 : 32;
    const tiles = b * Math.ceil(r / tl) * Math.ceil(cc / tl);
    const grid = thin ? Math.max(1, Math.min(Math.ceil((b * Math.max(r, cc)) / 256), 1 << 16)) : Math.max(1, Math.min(tiles, 1 << 20));
    const kernel = `transpose_${thin ? 'thin' : 'tiled'}_${w}`;
    return {
      outputs: [{ dtype: x.dtype, dims }],
      deviceInputs: [0],
      emit: (ip, op, l) => l.blocks('shape', kernel, grid, 256, [{ ptr: ip[0] }, { ptr: op[0] }, { i64: r }, { i64: cc }, { i64: b }]),
    };
  }
  const st = contiguousStrides(x.dims);
  const k = copyNd(w, dims, perm.map((p) => st[p]), contiguousStrides(dims));
  return {
    outputs: [{ dtype: x.dtype, dims }],
    deviceInputs: [0],
    emit: (ip, op, l) => k.n && l.elementwise('shape', k.kernel, k.n, [{ ptr: ip[0] }, { ptr: op[0] }, { i64: k.n }, { idx: k.idx }]),
  };
};

const concat: Lowering = (c) => {
  const ins = c.inputs.map((v, i) => v ?? c.input(i));
  const rank = ins[0].dims.length;
  const axis = normAxis(c.attrs.int('axis'), rank, c);
  const dims = [...ins[0].dims];
  dims[axis] = ins.reduce((s, v) => s + v.dims[axis], 0);
  const w = widthSuffix(ins[0].dtype, c);
  const es = byteSize(ins[0].dtype);
  const ost = contiguousStrides(dims);
  let off = 0;
  const parts = ins.map((v) => {
    const byteOffset = off * ost[axis] * es;
    // an input may be a channel view of another concat's buffer (its pointer 16-byte aligned: channel-views.ts)
    const p = { k: copyNd(w, v.dims, valueStrides(v), ost, [byteOffset]), byteOffset };
    off += v.dims[axis];
    return p;
  });
  return {
    outputs: [{ dtype: ins[0].dtype, dims }],
    deviceInputs: ins.map((_, i) => i),
    emit: (ip, op, l) =>
      parts.forEach((p, i) => p.k.n && l.elementwise('shape', p.k.kernel, p.k.n, [{ ptr: ip[i] }, { ptr: op[0] + p.byteOffset }, { i64: p.k.n }, { idx: p.k.idx }])),
  };
};

const slice: Lowering = (c) => {
  const x = c.input(0);
  const rank = x.dims.length;
  const starts = c.opset >= 10 ? c.hostInts(1, 'starts')! : c.attrs.ints('starts');
  const ends = c.opset >= 10 ? c.hostInts(2, 'ends')! : c.attrs.ints('ends');
  const axes = (c.opset >= 10 ? c.hostInts(3, 'axes') : c.attrs.has('axes') ? c.attrs.ints('axes') : undefined) ?? starts.map((_, i) => i);
  const steps = (c.opset >= 10 ? c.hostInts(4, 'steps') : undefined) ?? starts.map(() => 1);
  const st = contiguousStrides(x.dims);
  const begin = x.dims.map(() => 0);
  const step = x.dims.map(() => 1);
  const dims = [...x.dims];
  axes.forEach((a0, i) => {
    const a = normAxis(a0, rank, c);
    const d = x.dims[a];
    const s = steps[i];
    if (s === 0) throw c.error('slice step cannot be 0');
    let b = starts[i] < 0 ? starts[i] + d : starts[i];
    let e = ends[i] < 0 ? ends[i] + d : ends[i];
    if (s > 0) {
      b = Math.min(Math.max(b, 0), d);
      e = Math.min(Math.max(e, 0), d);
    } else {
      b = Math.min(Math.max(b, -1), d - 1);
      e = Math.min(Math.max(e, -1), d - 1);
    }
    begin[a] = b;
    step[a] = s;
    dims[a] = Math.max(0, Math.ceil((e - b) / s));
  });
  const base = begin.reduce((acc, b, i) => acc + b * st[i], 0) * byteSize(x.dtype);
  const k = copyNd(widthSuffix(x.dtype, c), dims, st.map((s, i) => s * step[i]), contiguousStrides(dims), [base]);
  return {
    outputs: [{ dtype: x.dtype, dims }],
    deviceInputs: [0],
    emit: (ip, op, l) => k.n && l.elementwise('shape', k.kernel, k.n, [{ ptr: ip[0] + base }, { ptr: op[0] }, { i64: k.n }, { idx: k.idx }]),
  };
};

const gather: Lowering = (c) => {
  const [x, idx] = [c.input(0), c.input(1)];
  const axis = normAxis(c.attrs.int('axis', 0), x.dims.length, c);
  if (idx.dtype !== 'int64' && idx.dtype !== 'int32') throw c.unsupported(`indices dtype ${idx.dtype}`);
  const dims = [...x.dims.slice(0, axis), ...idx.dims, ...x.dims.slice(axis + 1)];
  const n = numelOf(dims);
  const inner = numelOf(x.dims.slice(axis + 1));
  const kernel = `gather_${idx.dtype === 'int64' ? 'i64' : 'i32'}_${widthSuffix(x.dtype, c)}`;
  return {
    outputs: [{ dtype: x.dtype, dims }],
    deviceInputs: [0, 1],
    emit: (ip, op, l) =>
      n && l.elementwise('shape', kernel, n, [{ ptr: ip[0] }, { ptr: ip[1] }, { ptr: op[0] }, { i64: n }, { i64: x.dims[axis] }, { i64: numelOf(idx.dims) }, { i64: inner }]),
  };
};

const expand: Lowering = (c) => {
  const x = c.input(0);
  const dims = broadcastDims([x.dims, c.hostInts(1, 'shape')!], c);
  const k = copyNd(widthSuffix(x.dtype, c), dims, broadcastStrides(x.dims, dims), contiguousStrides(dims));
  return {
    outputs: [{ dtype: x.dtype, dims }],
    deviceInputs: [0],
    emit: (ip, op, l) => k.n && l.elementwise('shape', k.kernel, k.n, [{ ptr: ip[0] }, { ptr: op[0] }, { i64: k.n }, { idx: k.idx }]),
  };
};

const split: Lowering = (c) => {
  const x = c.input(0);
  const axis = normAxis(c.attrs.int('axis', 0), x.dims.length, c);
  const nOut = c.node.outputs.length;
  const d = x.dims[axis];
  let sizes = c.opset >= 13 ? c.hostInts(1, 'split') : c.attrs.has('split') ? c.attrs.ints('split') : undefined;
  if (!sizes) {
    const num = c.opset >= 18 && c.attrs.has('num_outputs') ? c.attrs.int('num_outputs') : nOut;
    const chunk = Math.ceil(d / num);
    sizes = Array.from({ length: num }, (_, i) => Math.max(0, Math.min(chunk, d - i * chunk)));
  }
  const st = contiguousStrides(x.dims);
  const es = byteSize(x.dtype);
  const w = widthSuffix(x.dtype, c);
  let off = 0;
  const parts = sizes.map((s) => {
    const dims = [...x.dims];
    dims[axis] = s;
    const byteOffset = off * st[axis] * es;
    const p = { dims, k: copyNd(w, dims, st, contiguousStrides(dims), [byteOffset]), byteOffset };
    off += s;
    return p;
  });
  return {
    outputs: parts.map((p) => ({ dtype: x.dtype, dims: p.dims })),
    deviceInputs: [0],
    emit: (ip, op, l) => parts.forEach((p, i) => p.k.n && l.elementwise('shape', p.k.kernel, p.k.n, [{ ptr: ip[0] + p.byteOffset }, { ptr: op[i] }, { i64: p.k.n }, { idx: p.k.idx }])),
  };
};

const shapeOp: Lowering = (c) => {
  const x = c.input(0);
  const r = x.dims.length;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
  const start = clamp(c.attrs.int('start', 0));
  const end = c.attrs.has('end') ? clamp(c.attrs.int('end')) : r;
  const v = x.dims.slice(start, Math.max(start, end));
  return { outputs: [{ dtype: 'int64', dims: [v.length], host: i64Tensor(v) }] };
};

const size: Lowering = (c) => ({ outputs: [{ dtype: 'int64', dims: [], host: i64Tensor([numelOf(c.input(0).dims)], []) }] });

const constant: Lowering = (c) => {
  const a = c.attrs;
  let t: Tensor;
  if (a.has('value')) t = a.tensor('value');
  else if (a.has('value_float')) t = makeTensor('float32', [], Float32Array.from([a.float('value_float')]));
  else if (a.has('value_floats')) t = makeTensor('float32', [a.floats('value_floats').length], Float32Array.from(a.floats('value_floats')));
  else if (a.has('value_int')) t = i64Tensor([a.int('value_int')], []);
  else if (a.has('value_ints')) t = i64Tensor(a.ints('value_ints'));
  else throw c.unsupported('Constant without a numeric value attribute');
  return { outputs: [{ dtype: t.dtype, dims: [...t.dims], host: t }] };
};

export const shapeLowerings: Record<string, Lowering> = {
  Reshape: reshape,
  Flatten: flatten,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Transpose: transpose,
  Concat: concat,
  Slice: slice,
  Gather: gather,
  Expand: expand,
  Split: split,
  Shape: shapeOp,
  Size: size,
  Constant: constant,
};
