/**
 * tensorjet::FusedGemm = act(Gemm(A, B, C)), A of any rank (leading dims folded into M), through cuBLASLt with
 * its epilogues: BIAS, RELU(_BIAS), and for float16 GELU(_BIAS) (cuBLASLt's GELU is the tanh approximation, within
 * fp16 tolerance of exact GELU; float32 keeps exact erf GELU as a kernel after). Other activations: an in-place
 * kernel after the matmul (kernels/fused.cu).
 */
import { FUSED_DOMAIN } from '../../../ops/fused.js';
import type { Epilogue, MatmulSpec } from '../ffi/cublaslt.js';
import { broadcastDims, broadcastStrides, contiguousStrides, numelOf, widthSuffix, type Lowered, type Lowering } from './types.js';

const ACT_KIND: Record<string, number> = { Relu: 1, LeakyRelu: 2, Sigmoid: 3, SiLU: 4, HardSwish: 5, Clip: 6, Gelu: 7 };

const fusedGemm: Lowering = (c): Lowered => {
  const [a, b] = [c.input(0), c.input(1)];
  const cm = c.inputs[2];
  if (a.dtype !== 'float32' && a.dtype !== 'float16') throw c.unsupported(`dtype ${a.dtype} (cuBLASLt path handles float32 and float16)`);
  if (b.dtype !== a.dtype) throw c.unsupported(`mixed dtypes ${a.dtype} x ${b.dtype}`);
  if (b.dims.length !== 2) throw c.error(`weight must be 2-D, got [${b.dims}]`);
  const dtype = a.dtype;
  const transA = c.attrs.int('transA', 0) === 1;
  const transB = c.attrs.int('transB', 0) === 1;
  if (a.dims.length !== 2 && transA) throw c.error(`transA needs a 2-D A, got [${a.dims}]`);
  if (a.dims.length < 1) throw c.error('A must have rank >= 1');
  const lead = a.dims.length === 2 ? undefined : a.dims.slice(0, -1);
  const a2 = lead ? [numelOf(lead), a.dims[a.dims.length - 1]] : a.dims;
  const alpha = c.attrs.float('alpha', 1);
  let beta = cm ? c.attrs.float('beta', 1) : 0;
  const [m, k] = transA ? [a2[1], a2[0]] : a2;
  const [k2, n] = transB ? [b.dims[1], b.dims[0]] : b.dims;
  if (k !== k2) throw c.error(`inner dimensions differ: [${a.dims}] x [${b.dims}] (transA=${+transA}, transB=${+transB})`);
  const out2 = [m, n];
  const outDims = lead ? [...lead, n] : out2;
  const bias = !!cm && beta === 1 && numelOf(cm.dims) === n && (cm.dims.length === 1 || (cm.dims.length === 2 && cm.dims[0] === 1));
  const general = !!cm && beta !== 0 && !bias;
  if (!general) beta = 0;
  const act = c.attrs.string('activation', '');
  const params = c.attrs.floats('activation_params', []);
  if (act && ACT_KIND[act] === undefined) throw c.unsupported(`activation '${act}'`);
  let epilogue: Epilogue = bias ? 'bias' : 'none';
  let after = act;
  if (act === 'Relu') [epilogue, after] = [bias ? 'relu_bias' : 'relu', ''];
  else if (act === 'Gelu' && dtype === 'float16') [epilogue, after] = [bias ? 'gelu_bias' : 'gelu', ''];
  const spec: MatmulSpec = { m, n, k, transA, transB, batch: 1, strideA: 0, strideB: 0, strideD: 0, dtype, epilogue, alpha, beta };
  const cCopy = general
    ? { w: widthSuffix(dtype, c), idx: { dims: out2, s0: broadcastStrides(cm!.dims, broadcastDims([cm!.dims, out2], c)), s1: contiguousStrides(out2) } }
    : undefined;
  const kind = ACT_KIND[after] ?? 0;
  const p0 = act === 'LeakyRelu' ? (params[0] ?? 0.01) : act === 'Clip' ? (params[0] ?? -3.4e38) : 0;
  const p1 = act === 'Clip' ? (params[1] ?? 3.4e38) : 0;
  const total = m * n;
  return {
    outputs: [{ dtype, dims: outDims }],
    deviceInputs: cm ? [0, 1, 2] : [0, 1],
    emit: (ip, op, l) => {
      if (!m || !n) return;
      if (cCopy) l.elementwise('shape', `copy_nd_${cCopy.w}`, total, [{ ptr: ip[2] }, { ptr: op[0] }, { i64: total }, { idx: cCopy.idx }]);
      l.matmul(spec, ip[0], ip[1], op[0], bias ? ip[2] : 0);
      if (kind) l.elementwise('fused', `fused_act_${dtype === 'float16' ? 'f16' : 'f32'}`, total, [{ ptr: op[0] }, { i64: total }, { i32: kind }, { f32: p0 }, { f32: p1 }]);
    },
  };
};

export const gemmEpilogueLowerings: Record<string, Lowering> = { [`${FUSED_DOMAIN}::FusedGemm`]: fusedGemm };
