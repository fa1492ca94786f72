/**
 * CPU reference kernels for the 'activation' op family. Relu, Sigmoid and Tanh have tight float32 loops;
 * the rest map per element in float64 and round back to the input's float dtype.
 */
import { isBigInt, isFloat } from '../../../tensor/dtype.js';
import { allocTensor, type Tensor } from '../../../tensor/tensor.js';
import type { KernelContext, KernelTable } from '../kernel.js';
import { binaryMap, erfc32, unaryFloat } from './elementwise/common.js';

const sigmoid = (x: number): number => {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
};
const softplus = (x: number): number => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));

/** Activation over floats, with an optional dedicated float32 loop. */
function act(make: (ctx: KernelContext) => (v: number) => number, f32?: (X: Float32Array, O: Float32Array) => void) {
  return (ctx: KernelContext) => {
    const x = ctx.input(0);
    if (f32 && x.dtype === 'float32') {
      const out = allocTensor('float32', x.dims);
      f32(x.data as Float32Array, out.data as Float32Array);
      return [out];
    }
    if (!isFloat(x.dtype)) throw ctx.error(`expects a float input, got ${x.dtype}`);
    return [unaryFloat(x, make(ctx))];
  };
}

/** Relu accepts signed integers too (opset 14). */
function relu(ctx: KernelContext) {
  const x = ctx.input(0);
  const out = allocTensor(x.dtype, x.dims);
  const n = x.data.length;
  if (x.dtype === 'float32' || x.dtype === 'float64' || (!isFloat(x.dtype) && !isBigInt(x.dtype))) {
    const X = x.data as Float32Array;
    const O = out.data as Float32Array;
    for (let i = 0; i < n; i++) {
      const v = X[i];
      O[i] = v > 0 ? v : v !== v ? v : 0;
    }
    return [out];
  }
  if (isBigInt(x.dtype)) {
    const X = x.data as BigInt64Array;
    const O = out.data as BigInt64Array;
    for (let i = 0; i < n; i++) O[i] = X[i] > 0n ? X[i] : 0n;
    return [out];
  }
  return [unaryFloat(x, (v) => (v > 0 ? v : v !== v ? v : 0))];
}

function prelu(ctx: KernelContext) {
  const x = ctx.input(0);
  let slope = ctx.input(1);
  // PRelu-6 and earlier: a 1-D slope of length C is per channel (axis 1), not numpy-broadcast
  if (ctx.opset < 7 && slope.dims.length === 1 && x.dims.length > 2 && slope.dims[0] === x.dims[1] && slope.dims[0] !== 1) {
    slope = { ...slope, dims: [slope.dims[0], ...new Array<number>(x.dims.length - 2).fill(1)] };
  }
  if (isBigInt(x.dtype)) return [binaryMap(x, slope, () => 0, (v, s) => (v < 0n ? v * s : v))];
  return [binaryMap(x, slope, (v, s) => (v < 0 ? v * s : v), undefined, x.dtype)];
}

function shrink(ctx: KernelContext) {
  const x = ctx.input(0);
  const bias = ctx.attrs.float('bias', 0);
  const lambd = ctx.attrs.float('lambd', 0.5);
  const fn = (v: number) => (v < -lambd ? v + bias : v > lambd ? v - bias : 0);
  if (isFloat(x.dtype)) return [unaryFloat(x, fn)];
  const out: Tensor = allocTensor(x.dtype, x.dims);
  if (isBigInt(x.dtype)) {
    const X = x.data as BigInt64Array;
    const O = out.data as BigInt64Array;
    for (let i = 0; i < X.length; i++) O[i] = BigInt(fn(Number(X[i])));
  } else {
    const X = x.data as Int32Array;
    const O = out.data as Int32Array;
    for (let i = 0; i < X.length; i++) O[i] = fn(X[i]);
  }
  return [out];
}

function gelu(ctx: KernelContext) {
  const approx = ctx.attrs.string('approximate', 'none');
  if (approx !== 'none' && approx !== 'tanh') throw ctx.attrs.error(`approximate must be 'none' or 'tanh', got '${approx}'`);
  const c = Math.sqrt(2 / Math.PI);
  const fn = approx === 'tanh'
    ? (v: number) => 0.5 * v * (1 + Math.tanh(c * (v + 0.044715 * v * v * v)))
    : (v: number) => 0.5 * v * erfc32(-v / Math.SQRT2);
  return act(() => fn)(ctx);
}

/** SwiGLU (opset 28): Swish(a, alpha) * b, broadcasting like Mul. */
function swiglu(ctx: KernelContext) {
  const a = ctx.input(0);
  const b = ctx.input(1);
  if (!isFloat(a.dtype)) throw ctx.error(`expects float inputs, got ${a.dtype}`);
  const alpha = ctx.attrs.float('alpha', 1);
  return [binaryMap(a, b, (v, g) => v * sigmoid(alpha * v) * g, undefined, a.dtype)];
}

export const kernels: KernelTable = {
  SwiGLU: swiglu,
  Relu: relu,
  LeakyRelu: act((ctx) => {
    const a = ctx.attrs.float('alpha', 0.01);
    return (v) => (v >= 0 ? v : a * v);
  }),
  PRelu: prelu,
  Elu: act((ctx) => {
    const a = ctx.attrs.float('alpha', 1);
    return (v) => (v >= 0 ? v : a * (Math.exp(v) - 1));
  }),
  Selu: act((ctx) => {
    const a = ctx.attrs.float('alpha', 1.67326319217681884765625);
    const g = ctx.attrs.float('gamma', 1.05070102214813232421875);
    return (v) => (v > 0 ? g * v : g * a * (Math.exp(v) - 1));
  }),
  Celu: act((ctx) => {
    const a = ctx.attrs.float('alpha', 1);
    return (v) => Math.max(0, v) + Math.min(0, a * (Math.exp(v / a) - 1));
  }),
  Gelu: gelu,
  Sigmoid: act(() => sigmoid, (X, O) => {
    for (let i = 0; i < X.length; i++) {
      const v = X[i];
      if (v >= 0) O[i] = 1 / (1 + Math.exp(-v));
      else { const e = Math.exp(v); O[i] = e / (1 + e); }
    }
  }),
  HardSigmoid: act((ctx) => {
    const a = ctx.attrs.float('alpha', 0.2);
    const b = ctx.attrs.float('beta', 0.5);
    return (v) => Math.max(0, Math.min(1, a * v + b));
  }),
  HardSwish: act(() => (v) => v * Math.max(0, Math.min(1, v / 6 + 0.5))),
  Swish: act((ctx) => {
    const a = ctx.attrs.float('alpha', 1);
    return (v) => v * sigmoid(a * v);
  }),
  Mish: act(() => (v) => v * Math.tanh(softplus(v))),
  Softplus: act(() => softplus),
  Softsign: act(() => (v) => v / (1 + Math.abs(v))),
  ThresholdedRelu: act((ctx) => {
    const a = ctx.attrs.float('alpha', 1);
    return (v) => (v > a ? v : 0);
  }),
  Shrink: shrink,
  Tanh: act(() => Math.tanh, (X, O) => {
    for (let i = 0; i < X.length; i++) O[i] = Math.tanh(X[i]);
  }),
};
