/** Lowerings for elementwise, activation and cast ops (kernels in elementwise.cu, activation.cu, cast.cu). */
import { dtypeFromOnnx, type DType } from '../../../tensor/dtype.js';
import { broadcastDims, broadcastStrides, byteSize, numelOf, type KArg, type LowerCtx, type Lowered, type Lowering } from './types.js';

const BINARY: Record<string, string> = { Add: 'add', Sub: 'sub', Mul: 'mul', Div: 'div', Pow: 'pow', Max: 'max', Min: 'min', Sum: 'add', PRelu: 'prelu' };
const UNARY: Record<string, string> = {
  Abs: 'abs', Neg: 'neg', Exp: 'exp', Log: 'log', Sqrt: 'sqrt', Reciprocal: 'reciprocal', Sin: 'sin', Cos: 'cos', Tan: 'tan',
  Tanh: 'tanh', Floor: 'floor', Ceil: 'ceil', Round: 'round', Erf: 'erf', Sign: 'sign',
};

/**
 * A binary kernel `op` applied pairwise over all inputs into the output, with broadcasting (Add, Max,
 * variadic Sum/Max/Min; misc.ts builds Mean on it). One input is an alias of the output.
 */
export function pairwise(c: LowerCtx, op: string): Lowered {
  const ins = c.inputs.map((v, i) => v ?? c.input(i));
  if (ins.length === 1) return { outputs: [{ dtype: ins[0].dtype, dims: ins[0].dims, alias: 0 }] };
  if (ins.some((v) => v.dtype !== ins[0].dtype)) throw c.unsupported(`mixed input dtypes ${ins.map((v) => v.dtype).join(', ')}`);
  const sfx = c.floatSuffix(ins[0].dtype);
  const out = broadcastDims(ins.map((v) => v.dims), c);
  const n = numelOf(out);
  return {
    outputs: [{ dtype: ins[0].dtype, dims: out }],
    deviceInputs: ins.map((_, i) => i),
    emit: (ip, op_, l) => {
      if (n === 0) return;
      for (let k = 1; k < ins.length; k++) {
        const aPtr = k === 1 ? ip[0] : op_[0];
        const aDims = k === 1 ? ins[0].dims : out;
        const b = ins[k];
        const same = aDims.length === out.length && aDims.every((d, i) => d === out[i]) && numelOf(b.dims) === n && b.dims.length === out.length;
        if (same) l.elementwise('elementwise', `${op}_flat_${sfx}`, n, [{ ptr: aPtr }, { ptr: ip[k] }, { ptr: op_[0] }, { i64: n }]);
        else {
          const idx = { dims: out, s0: broadcastStrides(aDims, out), s1: broadcastStrides(b.dims, out) };
          l.elementwise('elementwise', `${op}_bcast_${sfx}`, n, [{ ptr: aPtr }, { ptr: ip[k] }, { ptr: op_[0] }, { i64: n }, { idx }]);
        }
      }
    },
  };
}

const binary: Lowering = (c) => pairwise(c, BINARY[c.node.opType]);

const unary: Lowering = (c) => {
  const x = c.input(0);
  const sfx = c.floatSuffix(x.dtype);
  const n = numelOf(x.dims);
  const op = UNARY[c.node.opType];
  return {
    outputs: [{ dtype: x.dtype, dims: x.dims }],
    deviceInputs: [0],
    emit: (ip, op_, l) => n && l.elementwise('elementwise', `${op}_flat_${sfx}`, n, [{ ptr: ip[0] }, { ptr: op_[0] }, { i64: n }]),
  };
};

const identity: Lowering = (c) => ({ outputs: [{ dtype: c.input(0).dtype, dims: c.input(0).dims, alias: 0 }] });

const where: Lowering = (c) => {
  const [cond, x, y] = [c.input(0), c.input(1), c.input(2)];
  if (cond.dtype !== 'bool') throw c.unsupported('condition must be bool');
  const w = byteSize(x.dtype);
  if (w !== 4 && w !== 2) throw c.unsupported(`dtype ${x.dtype}`);
  const out = broadcastDims([cond.dims, x.dims, y.dims], c);
  const n = numelOf(out);
  const idx = { dims: out, s0: broadcastStrides(cond.dims, out), s1: broadcastStrides(x.dims, out), s2: broadcastStrides(y.dims, out) };
  return {
    outputs: [{ dtype: x.dtype, dims: out }],
    deviceInputs: [0, 1, 2],
    emit: (ip, op, l) => n && l.elementwise('elementwise', `where_bcast_b${w}`, n, [{ ptr: ip[0] }, { ptr: ip[1] }, { ptr: ip[2] }, { ptr: op[0] }, { i64: n }, { idx }]),
  };
};

/** Activation kernels take (x, y, n, a, b). */
function act(kernel: string | ((c: LowerCtx) => string), params: (c: LowerCtx) => [number, number]): Lowering {
  return (c) => {
    const x = c.input(0);
    const sfx = c.floatSuffix(x.dtype);
    const n = numelOf(x.dims);
    const [a, b] = params(c);
    const k = typeof kernel === 'string' ? kernel : kernel(c);
    return {
      outputs: [{ dtype: x.dtype, dims: x.dims }],
      deviceInputs: [0],
      emit: (ip, op, l) => n && l.elementwise('activation', `${k}_flat_${sfx}`, n, [{ ptr: ip[0] }, { ptr: op[0] }, { i64: n }, { f32: a }, { f32: b }] as KArg[]),
    };
  };
}

const clipBounds = (c: LowerCtx): [number, number] => {
  if (c.opset < 11) return [c.attrs.float('min', -3.4028234663852886e38), c.attrs.float('max', 3.4028234663852886e38)];
  const lo = c.inputs[1] ? c.hostInts(1, 'min')![0] : -Infinity;
  const hi = c.inputs[2] ? c.hostInts(2, 'max')![0] : Infinity;
  return [lo, hi];
};

const CAST_SFX: Partial<Record<DType, string>> = { float32: 'f32', float16: 'f16', float64: 'f64', int32: 'i32', int64: 'i64', int8: 'i8', uint8: 'u8', bool: 'bool' };

const cast: Lowering = (c) => {
  const x = c.input(0);
  const to = dtypeFromOnnx(c.attrs.int('to'));
  if (to === x.dtype) return { outputs: [{ dtype: to, dims: x.dims, alias: 0 }] };
  const from = CAST_SFX[x.dtype];
  const dst = CAST_SFX[to];
  if (!from || !dst) throw c.unsupported(`cast from ${x.dtype} to ${to}`);
  const n = numelOf(x.dims);
  return {
    outputs: [{ dtype: to, dims: x.dims }],
    deviceInputs: [0],
    emit: (ip, op, l) => n && l.elementwise('cast', `cast_flat_${from}_${dst}`, n, [{ ptr: ip[0] }, { ptr: op[0] }, { i64: n }]),
  };
};

export const elementwiseLowerings: Record<string, Lowering> = {
  ...Object.fromEntries(Object.keys(BINARY).map((k) => [k, binary])),
  ...Object.fromEntries(Object.keys(UNARY).map((k) => [k, unary])),
  Identity: identity,
  Where: where,
  Relu: act('relu', () => [0, 0]),
  LeakyRelu: act('leakyrelu', (c) => [c.attrs.float('alpha', 0.01), 0]),
  Elu: act('elu', (c) => [c.attrs.float('alpha', 1), 0]),
  Selu: act('selu', (c) => [c.attrs.float('alpha', 1.67326319217681884765625), c.attrs.float('gamma', 1.05070102214813232421875)]),
  Celu: act('celu', (c) => [c.attrs.float('alpha', 1), 0]),
  Sigmoid: act('sigmoid', () => [0, 0]),
  HardSigmoid: act('hardsigmoid', (c) => [c.attrs.float('alpha', 0.2), c.attrs.float('beta', 0.5)]),
  HardSwish: act('hardswish', () => [0, 0]),
  Softplus: act('softplus', () => [0, 0]),
  Softsign: act('softsign', () => [0, 0]),
  Mish: act('mish', () => [0, 0]),
  ThresholdedRelu: act('thresholdedrelu', (c) => [c.attrs.float('alpha', 1), 0]),
  Gelu: act((c) => (c.attrs.string('approximate', 'none') === 'tanh' ? 'gelutanh' : 'gelu'), () => [0, 0]),
  Clip: act('clip', clipBounds),
  Cast: cast,
};
