/**
 * Conv (1-D/2-D), ConvTranspose (1-D/2-D) and tensorjet::FusedConv (Conv + bias + activation [+ residual Z])
 * as one `Launcher.conv` step: cuDNN with the plan's tuned algorithm, or the NVRTC direct kernels; 1x1 NHWC
 * convs as one cuBLASLt matmul (pointwiseGemm).
 */
import { windowGeometry, convTransposeGeometry } from '../../../ops/conv.js';
import { convStrided, cudnnSupports, type ConvSpec } from '../ffi/cudnn.js';
import type { Epilogue, MatmulSpec } from '../ffi/cublaslt.js';
import { cudnnGraphSupports } from '../ffi/cudnn-graph.js';
import { numelOf, type LowerCtx, type Lowered, type Lowering, type ValMeta } from './types.js';

/** FusedConv `activation` names -> kernels/conv.cu ACT_* codes. */
const ACT: Record<string, number> = { '': 0, Relu: 1, LeakyRelu: 2, Sigmoid: 3, SiLU: 4, HardSwish: 5, Clip: 6, Gelu: 7 };

function activation(c: LowerCtx): { act: number; actParams: [number, number] } {
  const name = c.attrs.string('activation', '');
  const act = ACT[name];
  if (act === undefined) throw c.unsupported(`activation '${name}' (CUDA handles ${Object.keys(ACT).filter(Boolean).join(', ')})`);
  const p = c.attrs.floats('activation_params', []);
  if (name === 'LeakyRelu') return { act, actParams: [p[0] ?? 0.01, 0] };
  if (name === 'Clip') return { act, actParams: [p[0] ?? -Infinity, p[1] ?? Infinity] };
  return { act, actParams: [0, 0] };
}

/** TENSORJET_POINTWISE_GEMM=0: 1x1 convs stay on cuDNN */
const POINTWISE_GEMM = process.env.TENSORJET_POINTWISE_GEMM !== '0';

/**
 * A 1x1, stride-1, unpadded NHWC conv is a GEMM over its P = N*H*W pixels: Y[P, K] = X[P, C] W[K, C]^T, with
 * the bias, the residual Z (beta 1 and C = Z) and ReLU in cuBLASLt's epilogue, D = relu(X W^T + Z + bias). cuDNN
 * ran ResNet-50's bottleneck expansions (64 -> 256 channels + residual + ReLU at b256) at about half the memory
 * bandwidth. Undefined when the conv does not qualify (other activations, a residual after the activation,
 * channel views, channel counts not multiples of 8).
 */
function pointwiseGemm(s: ConvSpec): MatmulSpec | undefined {
  if (!POINTWISE_GEMM || !s.nhwc || s.transpose || s.groups !== 1 || s.xStride !== undefined || s.zStride !== undefined || s.yStride !== undefined) return undefined;
  if (s.kh !== 1 || s.kw !== 1 || s.strides.some((v) => v !== 1) || s.dilations.some((v) => v !== 1) || s.pads.some((v) => v !== 0)) return undefined;
  if (s.c % 8 || s.k % 8) return undefined; // rows of 16-byte multiples (cuBLASLt's tensor-core kernels)
  if (s.act > ACT.Relu || s.residual === 2) return undefined;
  const relu = s.act === ACT.Relu;
  const epilogue: Epilogue = s.bias ? (relu ? 'relu_bias' : 'bias') : relu ? 'relu' : 'none';
  return { m: s.n * s.oh * s.ow, n: s.k, k: s.c, transA: false, transB: true, batch: 1, strideA: 0, strideB: 0, strideD: 0, dtype: s.dtype, epilogue, alpha: 1, beta: s.residual ? 1 : 0 };
}

/** NCHW view of NHWC dims ([n, h, w, c] -> [n, c, h, w]; filter KRSC -> KCRS) */
const toNchw = (d: number[]): number[] => [d[0], d[3], d[1], d[2]];

function lowerConv(c: LowerCtx, transpose: boolean, fused: boolean): Lowered {
  // layout 'NHWC' (set by passes/layout-nhwc.ts): X, Z and Y are NHWC, W is [k, kh, kw, c/groups]; cuDNN only
  const nhwc = c.attrs.string('layout', 'NCHW') === 'NHWC';
  if (nhwc && (transpose || c.input(0).dims.length !== 4)) throw c.unsupported('layout NHWC needs a 2-D forward conv');
  const view = (m: ValMeta | undefined): ValMeta | undefined => (m && nhwc ? { ...m, dims: toNchw(m.dims) } : m);
  const x = view(c.input(0))!;
  const w = view(c.input(1))!;
  const b = c.inputs[2];
  const z = fused ? view(c.inputs[3]) : undefined;
  const dtype = x.dtype;
  if (dtype !== 'float32' && dtype !== 'float16') throw c.unsupported(`dtype ${dtype} (CUDA conv handles float32 and float16)`);
  if (w.dtype !== dtype || (b && b.dtype !== dtype) || (z && z.dtype !== dtype)) throw c.unsupported('inputs of mixed dtypes');
  const rank = x.dims.length - 2;
  if (rank !== 1 && rank !== 2) throw c.unsupported(`${rank}-D convolution (CUDA handles 1-D and 2-D)`);
  if (w.dims.length !== x.dims.length) throw c.error(`weight [${w.dims}] does not match input [${x.dims}]`);
  const groups = c.attrs.int('group', 1);
  const [n, ch] = x.dims;
  const kernel = c.attrs.has('kernel_shape') ? c.attrs.ints('kernel_shape') : w.dims.slice(2);
  if (kernel.length !== rank || kernel.some((k, i) => k !== w.dims[2 + i])) throw c.error(`kernel_shape [${kernel}] does not match weight [${w.dims}]`);
  if (groups < 1 || ch % groups) throw c.error(`${ch} input channels are not divisible by group ${groups}`);
  let k: number;
  let geo;
  if (transpose) {
    if (w.dims[0] !== ch) throw c.error(`weight [${w.dims}] needs ${ch} input channels`);
    k = w.dims[1] * groups;
    geo = convTransposeGeometry(c.attrs, x.dims.slice(2), kernel);
  } else {
    if (w.dims[1] * groups !== ch) throw c.error(`weight [${w.dims}] with group ${groups} does not match ${ch} input channels`);
    k = w.dims[0];
    if (k % groups) throw c.error(`${k} output channels are not divisible by group ${groups}`);
    geo = windowGeometry(c.attrs, x.dims.slice(2), kernel);
  }
  const outDims = [n, k, ...geo.out];
  if (b && numelOf(b.dims) !== k) throw c.error(`bias [${b.dims}] must have ${k} elements`);
  if (z && z.dims.join() !== outDims.join()) throw c.unsupported(`residual Z [${z.dims}] must have the output shape [${outDims}]`);
  const { act, actParams } = fused ? activation(c) : { act: 0, actParams: [0, 0] as [number, number] };
  const two = (a: number[], one: number): [number, number] => (rank === 1 ? [one, a[0]] : [a[0], a[1]]);
  const [ph0, pw0] = two(geo.pads.slice(0, rank), 0);
  const [ph1, pw1] = two(geo.pads.slice(rank), 0);
  const [h, wd] = two(x.dims.slice(2), 1);
  const [kh, kw] = two(kernel, 1);
  const [oh, ow] = two(geo.out, 1);
  const spec: ConvSpec = {
    transpose, dtype, n, c: ch, h, w: wd, k, kh, kw, oh, ow,
    pads: [ph0, pw0, ph1, pw1], strides: two(geo.strides, 1), dilations: two(geo.dilations, 1), groups,
    act, actParams, bias: !!b,
    residual: z ? (c.attrs.int('residual_before_activation', 1) ? 1 : 2) : 0,
    ...(nhwc ? { nhwc } : {}),
  };
  // NHWC channel views (the planner's channel-views.ts): x / z read from, y written into a concat buffer
  const [xs, zs, ys] = [c.input(0).rowStride, c.inputs[3]?.rowStride, c.outRowStrides[0]];
  if (xs !== undefined) spec.xStride = xs;
  if (fused && zs !== undefined) spec.zStride = zs;
  if (ys !== undefined) spec.yStride = ys;
  if (convStrided(spec) && !cudnnGraphSupports(spec)) throw c.error('a channel view reaches a conv that cuDNN\'s graph API cannot run (planner bug)');
  if (nhwc && !cudnnSupports(spec)) throw c.unsupported('layout NHWC with asymmetric pads (cuDNN cannot run it)');
  const empty = numelOf(outDims) === 0;
  const gemm = pointwiseGemm(spec);
  if (gemm) {
    return {
      outputs: [{ dtype, dims: [n, ...geo.out, k] }],
      deviceInputs: [0, 1, 2, 3].filter((i) => c.inputs[i]),
      emit: empty ? undefined : (ip, op, l) => l.matmul(gemm, ip[0], ip[1], op[0], b ? ip[2] : 0, z ? ip[3] : op[0]),
    };
  }
  return {
    outputs: [{ dtype, dims: nhwc ? [n, ...geo.out, k] : outDims }],
    deviceInputs: [0, 1, 2, 3].filter((i) => c.inputs[i]),
    conv: empty ? undefined : spec,
    emit: empty ? undefined : (ip, op, l) => l.conv(spec, ip[0], ip[1], b ? ip[2] : 0, z ? ip[3] : 0, op[0]),
  };
}

export const convLowerings: Record<string, Lowering> = {
  Conv: (c) => lowerConv(c, false, false),
  ConvTranspose: (c) => lowerConv(c, true, false),
  'tensorjet::FusedConv': (c) => lowerConv(c, false, true),
};
