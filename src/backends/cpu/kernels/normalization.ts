/** CPU kernels for the 'normalization' family (statistics in float64, results converted to the input dtype). */
import type { KernelContext, KernelTable } from '../kernel.js';
import { allocTensor, type Tensor } from '../../../tensor/tensor.js';
import { broadcastIndex, normalizeAxis, readNumbers, writeNumbers } from '../util.js';
import { prod } from './nn-util.js';

/** Output tensor of `dtype`/`dims` filled from float64 values. */
function out(dtype: Tensor['dtype'], dims: readonly number[], values: Float64Array): Tensor {
  const t = allocTensor(dtype, dims);
  writeNumbers(t, values);
  return t;
}

/** Per-channel params broadcast over [N, C, spatial]; `p[c]`. */
function batchNorm(ctx: KernelContext): Tensor[] {
  const X = ctx.input(0);
  const [scale, bias, mean, variance] = [1, 2, 3, 4].map((i) => readNumbers(ctx.input(i)));
  const eps = ctx.attrs.float('epsilon', 1e-5);
  const momentum = ctx.attrs.float('momentum', 0.9);
  const training = ctx.opset >= 14 && ctx.attrs.int('training_mode', 0) === 1;
  const N = X.dims[0], C = X.dims.length > 1 ? X.dims[1] : 1;
  const P = prod(X.dims.slice(2));
  const x = readNumbers(X);
  const y = new Float64Array(x.length);
  let m: ArrayLike<number> = mean, v: ArrayLike<number> = variance;
  if (training) {
    const bm = new Float64Array(C), bv = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      let s = 0, ss = 0;
      for (let n = 0; n < N; n++) for (let p = 0, o = (n * C + c) * P; p < P; p++) s += x[o + p];
      const mu = s / (N * P);
      for (let n = 0; n < N; n++) for (let p = 0, o = (n * C + c) * P; p < P; p++) ss += (x[o + p] - mu) ** 2;
      bm[c] = mu;
      bv[c] = ss / (N * P);
    }
    m = bm;
    v = bv;
  }
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
    const k = scale[c] / Math.sqrt(v[c] + eps);
    const sh = bias[c] - m[c] * k;
    for (let p = 0, o = (n * C + c) * P; p < P; p++) y[o + p] = x[o + p] * k + sh;
  }
  const Y = out(X.dtype, X.dims, y);
  if (!training) return [Y];
  const M = ctx.input(3);
  const rm = new Float64Array(C), rv = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    rm[c] = mean[c] * momentum + m[c] * (1 - momentum);
    rv[c] = variance[c] * momentum + v[c] * (1 - momentum);
  }
  return [Y, out(M.dtype, [C], rm), out(M.dtype, [C], rv)];
}

/** Normalizes `groups` contiguous blocks of `size` values; returns per-group mean and 1/std. */
function normalizeBlocks(x: ArrayLike<number>, y: Float64Array, groups: number, size: number, eps: number, rms = false): [Float64Array, Float64Array] {
  const means = new Float64Array(groups), inv = new Float64Array(groups);
  for (let g = 0; g < groups; g++) {
    const o = g * size;
    let s = 0;
    if (!rms) for (let i = 0; i < size; i++) s += x[o + i];
    const mu = rms ? 0 : s / size;
    let ss = 0;
    for (let i = 0; i < size; i++) ss += (x[o + i] - mu) ** 2;
    const r = 1 / Math.sqrt(ss / size + eps);
    for (let i = 0; i < size; i++) y[o + i] = (x[o + i] - mu) * r;
    means[g] = mu;
    inv[g] = r;
  }
  return [means, inv];
}

function instanceNorm(ctx: KernelContext): Tensor[] {
  const X = ctx.input(0);
  const scale = readNumbers(ctx.input(1)), bias = readNumbers(ctx.input(2));
  const [N, C] = X.dims;
  const P = prod(X.dims.slice(2));
  const y = new Float64Array(prod(X.dims));
  normalizeBlocks(readNumbers(X), y, N * C, P, ctx.attrs.float('epsilon', 1e-5));
  for (let i = 0; i < N * C; i++) {
    const c = i % C;
    for (let p = i * P; p < (i + 1) * P; p++) y[p] = y[p] * scale[c] + bias[c];
  }
  return [out(X.dtype, X.dims, y)];
}

/** LayerNormalization and RMSNormalization: normalize over dims [axis, rank). */
function layerNorm(ctx: KernelContext, rms: boolean): Tensor[] {
  const X = ctx.input(0);
  const S = ctx.input(1);
  const Bt = rms ? undefined : ctx.optionalInput(2);
  const axis = normalizeAxis(ctx.attrs.int('axis', -1), X.dims.length, `node '${ctx.node.name}' axis`);
  const inner = X.dims.slice(axis);
  const rows = prod(X.dims.slice(0, axis)), cols = prod(inner);
  const y = new Float64Array(rows * cols);
  const [means, inv] = normalizeBlocks(readNumbers(X), y, rows, cols, ctx.attrs.float('epsilon', 1e-5), rms);
  // scale and bias broadcast (unidirectionally) to X's shape
  const s = readNumbers(S), sIdx = broadcastIndex(S.dims, X.dims);
  const b = Bt ? readNumbers(Bt) : undefined;
  const bIdx = Bt ? broadcastIndex(Bt.dims, X.dims) : null;
  for (let i = 0; i < y.length; i++) {
    y[i] *= s[sIdx ? sIdx[i] : i];
    if (b) y[i] += b[bIdx ? bIdx[i] : i];
  }
  const Y = out(X.dtype, X.dims, y);
  if (rms) return [Y];
  const statType = ctx.attrs.int('stash_type', 1) === 1 ? 'float32' : X.dtype;
  const statDims = X.dims.map((d, i) => (i < axis ? d : 1));
  return [Y, out(statType, statDims, means), out(statType, statDims, inv)];
}

function groupNorm(ctx: KernelContext): Tensor[] {
  const X = ctx.input(0);
  const scale = readNumbers(ctx.input(1)), bias = readNumbers(ctx.input(2));
  const G = ctx.attrs.int('num_groups');
  const [N, C] = X.dims;
  if (C % G !== 0) throw ctx.error(`${C} channels cannot be split into ${G} groups`);
  const P = prod(X.dims.slice(2));
  const y = new Float64Array(prod(X.dims));
  normalizeBlocks(readNumbers(X), y, N * G, (C / G) * P, ctx.attrs.float('epsilon', 1e-5));
  // opset 18: scale/bias per group; opset 21: per channel
  const perGroup = scale.length === G && (ctx.opset < 21 || C !== G);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
    const k = perGroup ? Math.floor(c / (C / G)) : c;
    for (let p = (n * C + c) * P, e = p + P; p < e; p++) y[p] = y[p] * scale[k] + bias[k];
  }
  return [out(X.dtype, X.dims, y)];
}

function lrn(ctx: KernelContext): Tensor[] {
  const X = ctx.input(0);
  const size = ctx.attrs.int('size');
  const alpha = ctx.attrs.float('alpha', 1e-4), beta = ctx.attrs.float('beta', 0.75), bias = ctx.attrs.float('bias', 1);
  const [N, C] = X.dims;
  const P = prod(X.dims.slice(2));
  const x = readNumbers(X);
  const y = new Float64Array(x.length);
  const lo = Math.floor((size - 1) / 2), hi = Math.ceil((size - 1) / 2);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let p = 0; p < P; p++) {
    let ss = 0;
    for (let j = Math.max(0, c - lo); j <= Math.min(C - 1, c + hi); j++) ss += x[(n * C + j) * P + p] ** 2;
    const o = (n * C + c) * P + p;
    y[o] = x[o] / Math.pow(bias + (alpha / size) * ss, beta);
  }
  return [out(X.dtype, X.dims, y)];
}

/** Mean and variance over `axes` (keepdims), broadcast back to every element. */
function mvn(ctx: KernelContext): Tensor[] {
  const X = ctx.input(0);
  const r = X.dims.length;
  const axes = ctx.attrs.ints('axes', [0, 2, 3]).map((a) => normalizeAxis(a, r));
  const red = X.dims.map((d, i) => (axes.includes(i) ? 1 : d));
  const idx = broadcastIndex(red, X.dims);
  const x = readNumbers(X);
  const nr = prod(red), cnt = x.length / Math.max(nr, 1);
  const s = new Float64Array(nr), ss = new Float64Array(nr);
  for (let i = 0; i < x.length; i++) { const k = idx ? idx[i] : i; s[k] += x[i]; ss[k] += x[i] * x[i]; }
  const y = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const k = idx ? idx[i] : i;
    const mu = s[k] / cnt;
    const variance = ss[k] / cnt - mu * mu;
    y[i] = (x[i] - mu) / (Math.sqrt(Math.max(variance, 0)) + 1e-9);
  }
  return [out(X.dtype, X.dims, y)];
}

function lpNorm(ctx: KernelContext): Tensor[] {
  const X = ctx.input(0);
  const axis = normalizeAxis(ctx.attrs.int('axis', -1), X.dims.length);
  const p = ctx.attrs.int('p', 2);
  if (p !== 1 && p !== 2) throw ctx.attrs.error(`p must be 1 or 2, got ${p}`);
  const outer = prod(X.dims.slice(0, axis)), n = X.dims[axis], inner = prod(X.dims.slice(axis + 1));
  const x = readNumbers(X);
  const y = new Float64Array(x.length);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
    const base = o * n * inner + i;
    let s = 0;
    for (let k = 0; k < n; k++) { const v = x[base + k * inner]; s += p === 1 ? Math.abs(v) : v * v; }
    const norm = p === 1 ? s : Math.sqrt(s);
    for (let k = 0; k < n; k++) y[base + k * inner] = norm === 0 ? 0 : x[base + k * inner] / norm;
  }
  return [out(X.dtype, X.dims, y)];
}

export const kernels: KernelTable = {
  BatchNormalization: batchNorm,
  InstanceNormalization: instanceNorm,
  LayerNormalization: (ctx) => layerNorm(ctx, false),
  RMSNormalization: (ctx) => layerNorm(ctx, true),
  GroupNormalization: groupNorm,
  LRN: lrn,
  MeanVarianceNormalization: mvn,
  LpNormalization: lpNorm,
};

