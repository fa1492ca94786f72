/**
 * GPU kernel checks: every CUDA lowering against the CPU reference kernels on random inputs (never zeros),
 * scratch poisoned with NaN first, NaN/Inf positions compared, max relative error reported per case.
 * Then the ONNX node conformance cases on GPU 0 (those the CUDA backend claims).
 * Without a GPU it prints why and exits 0.
 *   npm run test:gpu   [--filter REGEX] [--no-graphs] [--no-conformance] [--data DIR]
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Attribute } from '../../src/ir/graph.js';
import type { DType } from '../../src/tensor/dtype.js';
import { float16ArrayToFloat32, float32ArrayToFloat16 } from '../../src/tensor/float16.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { cpuRegistry, randomFloats, runNode } from '../helpers.js';
import { kernelsFor, oneNodeModel, planOf } from './harness.js';
import { layoutCases } from './cases-layout.js';
import { attnCases } from './cases-attn.js';
import { glueCases } from './cases-glue.js';
import { copyCases } from './cases-copy.js';
import { qkvCases } from './cases-qkv.js';
import { cnnglueCases } from './cases-cnnglue.js';
import { s2dCases } from './cases-s2d.js';
import { bert1Cases } from './cases-bert1.js';
import { concatChecks } from './cases-concat.js';
import { inputCases } from './cases-input.js';
import { gemmCases } from './cases-gemm.js';
import { embedCases } from './cases-embed.js';

export interface In { dtype?: DType; dims: number[]; lo?: number; hi?: number; ints?: number[]; floats?: number[]; constant?: boolean }
export interface Case { nhwc?: boolean; name: string; op: string; inputs: In[]; attrs?: Record<string, Attribute>; opset?: number; outputs?: number; tol?: number; domain?: string }

const ints = (value: number[]): Attribute => ({ type: 'ints', value });
const int = (value: number): Attribute => ({ type: 'int', value });
const flt = (value: number): Attribute => ({ type: 'float', value });
const str = (value: string): Attribute => ({ type: 'string', value });

function cases(): Case[] {
  const c: Case[] = [];
  for (const dt of ['float32', 'float16'] as DType[]) {
    const tol = dt === 'float16' ? 2e-3 : 1e-5;
    for (const op of ['Add', 'Sub', 'Mul', 'Div', 'Max', 'Min']) {
      c.push({ name: `${op}_same_${dt}`, op, inputs: [{ dtype: dt, dims: [3, 33, 17] }, { dtype: dt, dims: [3, 33, 17], lo: 0.5, hi: 2 }], tol });
      c.push({ name: `${op}_bcast_${dt}`, op, inputs: [{ dtype: dt, dims: [2, 3, 1, 5] }, { dtype: dt, dims: [4, 1], lo: 0.5, hi: 2 }], tol });
    }
    c.push({ name: `Pow_${dt}`, op: 'Pow', inputs: [{ dtype: dt, dims: [64], lo: 0.1, hi: 2 }, { dtype: dt, dims: [1], lo: 0.5, hi: 2 }], tol: 5 * tol });
    for (const op of ['Abs', 'Neg', 'Exp', 'Sin', 'Cos', 'Tanh', 'Floor', 'Ceil', 'Erf', 'Sign', 'Reciprocal'])
      c.push({ name: `${op}_${dt}`, op, inputs: [{ dtype: dt, dims: [7, 129], lo: -3, hi: 3 }], tol: 4 * tol });
    for (const op of ['Log', 'Sqrt']) c.push({ name: `${op}_${dt}`, op, inputs: [{ dtype: dt, dims: [1000], lo: 0.05, hi: 5 }], tol: 4 * tol });
    for (const op of ['Relu', 'Sigmoid', 'Softplus', 'Softsign', 'HardSwish', 'Mish'])
      c.push({ name: `${op}_${dt}`, op, inputs: [{ dtype: dt, dims: [5, 200], lo: -4, hi: 4 }], tol: 4 * tol });
    c.push({ name: `LeakyRelu_${dt}`, op: 'LeakyRelu', inputs: [{ dtype: dt, dims: [300], lo: -2, hi: 2 }], attrs: { alpha: flt(0.1) }, tol });
    c.push({ name: `Elu_${dt}`, op: 'Elu', inputs: [{ dtype: dt, dims: [300], lo: -2, hi: 2 }], attrs: { alpha: flt(0.7) }, tol: 4 * tol });
    c.push({ name: `Selu_${dt}`, op: 'Selu', inputs: [{ dtype: dt, dims: [300], lo: -2, hi: 2 }], tol: 4 * tol });
    c.push({ name: `HardSigmoid_${dt}`, op: 'HardSigmoid', inputs: [{ dtype: dt, dims: [300], lo: -5, hi: 5 }], tol });
    c.push({ name: `Gelu_${dt}`, op: 'Gelu', inputs: [{ dtype: dt, dims: [300], lo: -3, hi: 3 }], opset: 20, tol: 4 * tol });
    c.push({ name: `GeluTanh_${dt}`, op: 'Gelu', inputs: [{ dtype: dt, dims: [300], lo: -3, hi: 3 }], attrs: { approximate: { type: 'string', value: 'tanh' } }, opset: 20, tol: 4 * tol });
    c.push({ name: `Clip6_${dt}`, op: 'Clip', inputs: [{ dtype: dt, dims: [300], lo: -3, hi: 3 }], attrs: { min: flt(-1), max: flt(1) }, opset: 6, tol });
    for (const op of ['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceL2', 'ReduceLogSumExp', 'ReduceSumSquare']) {
      c.push({ name: `${op}_axes1_${dt}`, op, inputs: [{ dtype: dt, dims: [4, 37, 9] }, { dims: [1], ints: [1], constant: true }], opset: 18, tol: 5 * tol });
      c.push({ name: `${op}_all_nokeep_${dt}`, op, inputs: [{ dtype: dt, dims: [5, 300] }], attrs: { keepdims: int(0) }, opset: 18, tol: 5 * tol });
    }
    c.push({ name: `ReduceSum_axes02_${dt}`, op: 'ReduceSum', inputs: [{ dtype: dt, dims: [4, 6, 3] }, { dims: [2], ints: [0, 2], constant: true }], opset: 13, tol: 5 * tol });
    for (const op of ['Softmax', 'LogSoftmax']) {
      c.push({ name: `${op}_last_${dt}`, op, inputs: [{ dtype: dt, dims: [8, 1000], lo: -5, hi: 5 }], opset: 13, tol: 5 * tol });
      c.push({ name: `${op}_axis1_${dt}`, op, inputs: [{ dtype: dt, dims: [3, 7, 5], lo: -5, hi: 5 }], attrs: { axis: int(1) }, opset: 13, tol: 5 * tol });
      c.push({ name: `${op}_opset11_${dt}`, op, inputs: [{ dtype: dt, dims: [3, 4, 5], lo: -5, hi: 5 }], attrs: { axis: int(1) }, opset: 11, tol: 5 * tol });
    }
    c.push({ name: `Transpose_${dt}`, op: 'Transpose', inputs: [{ dtype: dt, dims: [2, 3, 4, 5] }], attrs: { perm: ints([3, 1, 0, 2]) } });
    c.push({ name: `Concat_${dt}`, op: 'Concat', inputs: [{ dtype: dt, dims: [2, 3, 4] }, { dtype: dt, dims: [2, 5, 4] }], attrs: { axis: int(1) } });
    c.push({ name: `Slice_${dt}`, op: 'Slice', opset: 13, inputs: [{ dtype: dt, dims: [10, 12] }, { dims: [2], ints: [1, -2], constant: true }, { dims: [2], ints: [9, -12], constant: true }, { dims: [2], ints: [0, 1], constant: true }, { dims: [2], ints: [2, -3], constant: true }] });
    c.push({ name: `Gather_${dt}`, op: 'Gather', inputs: [{ dtype: dt, dims: [5, 6, 7] }, { dtype: 'int64', dims: [2, 3], ints: [0, 4, -1, 2, 2, 1] }], attrs: { axis: int(1) } });
    c.push({ name: `Expand_${dt}`, op: 'Expand', inputs: [{ dtype: dt, dims: [3, 1] }, { dims: [3], ints: [2, 3, 4], constant: true }] });
    c.push({ name: `Split_${dt}`, op: 'Split', opset: 13, outputs: 2, inputs: [{ dtype: dt, dims: [6, 4] }, { dims: [2], ints: [2, 4], constant: true }] });
    c.push({ name: `Reshape_${dt}`, op: 'Reshape', inputs: [{ dtype: dt, dims: [6, 4] }, { dims: [3], ints: [2, -1, 3], constant: true }] });
    c.push({ name: `MatMul_${dt}`, op: 'MatMul', inputs: [{ dtype: dt, dims: [33, 64] }, { dtype: dt, dims: [64, 17] }], tol: dt === 'float16' ? 1e-2 : 1e-4 });
    c.push({ name: `MatMul_batched_${dt}`, op: 'MatMul', inputs: [{ dtype: dt, dims: [3, 8, 16] }, { dtype: dt, dims: [3, 16, 5] }], tol: dt === 'float16' ? 1e-2 : 1e-4 });
    c.push({ name: `MatMul_bcastB_${dt}`, op: 'MatMul', inputs: [{ dtype: dt, dims: [2, 3, 8, 16] }, { dtype: dt, dims: [16, 5] }], tol: dt === 'float16' ? 1e-2 : 1e-4 });
    c.push({ name: `Gemm_bias_transB_${dt}`, op: 'Gemm', inputs: [{ dtype: dt, dims: [7, 32] }, { dtype: dt, dims: [9, 32] }, { dtype: dt, dims: [9] }], attrs: { transB: int(1) }, tol: dt === 'float16' ? 1e-2 : 1e-4 });
    c.push({ name: `Gemm_general_${dt}`, op: 'Gemm', inputs: [{ dtype: dt, dims: [16, 7] }, { dtype: dt, dims: [16, 9] }, { dtype: dt, dims: [7, 1] }], attrs: { transA: int(1), alpha: flt(0.5), beta: flt(2) }, tol: dt === 'float16' ? 1e-2 : 1e-4 });
  }
  c.push(...convCases());
  c.push(...attentionCases());
  c.push(...attnCases());
  c.push(...fusedCases());
  c.push({ name: 'Where_f32', op: 'Where', inputs: [{ dtype: 'bool', dims: [4, 1], ints: [1, 0, 1, 0] }, { dims: [4, 5] }, { dims: [5] }] });
  for (const [from, to] of [['float32', 'float16'], ['float16', 'float32'], ['float32', 'int32'], ['int64', 'float32'], ['float32', 'bool'], ['int32', 'int64']] as [DType, DType][]) {
    const DT: Record<string, number> = { float32: 1, float16: 10, int32: 6, int64: 7, bool: 9 };
    c.push({ name: `Cast_${from}_${to}`, op: 'Cast', inputs: [{ dtype: from, dims: [257], lo: -50, hi: 50 }], attrs: { to: int(DT[to]) }, opset: 19 });
  }
  c.push(...nnCases());
  c.push(...layoutCases());
  c.push(...glueCases());
  c.push(...copyCases());
  c.push(...qkvCases());
  c.push(...cnnglueCases());
  c.push(...s2dCases());
  c.push(...bert1Cases());
  c.push(...inputCases());
  c.push(...gemmCases());
  c.push(...embedCases());
  return c;
}

/** pool / resize / norm / misc lowerings (cuda-nn). */
function nnCases(): Case[] {
  const c: Case[] = [];
  const K = (v: number[]): In => ({ dims: [v.length], ints: v, constant: true });
  const F = (v: number[]): In => ({ dtype: 'float32', dims: [v.length], floats: v, constant: true });
  for (const dt of ['float32', 'float16'] as DType[]) {
    const tol = dt === 'float16' ? 2e-3 : 1e-5;
    const X = (...dims: number[]): In => ({ dtype: dt, dims });
    c.push({ name: `MaxPool_2d_pads_${dt}`, op: 'MaxPool', inputs: [X(2, 3, 17, 19)], attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) }, opset: 12 });
    c.push({ name: `MaxPool_2d_ceil_dil_${dt}`, op: 'MaxPool', inputs: [X(2, 3, 16, 15)], attrs: { kernel_shape: ints([3, 2]), strides: ints([2, 3]), dilations: ints([2, 1]), ceil_mode: int(1) }, opset: 12 });
    c.push({ name: `MaxPool_1d_ceil_${dt}`, op: 'MaxPool', inputs: [X(2, 3, 20)], attrs: { kernel_shape: ints([4]), strides: ints([3]), ceil_mode: int(1) }, opset: 12 });
    c.push({ name: `MaxPool_same_upper_${dt}`, op: 'MaxPool', inputs: [X(1, 4, 9, 10)], attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), auto_pad: str('SAME_UPPER') }, opset: 12 });
    c.push({ name: `AveragePool_pads_excl_${dt}`, op: 'AveragePool', inputs: [X(2, 3, 17, 19)], attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) }, opset: 19, tol: 2 * tol });
    c.push({ name: `AveragePool_pads_incl_ceil_${dt}`, op: 'AveragePool', inputs: [X(2, 3, 16, 15)], attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 0, 1, 2]), count_include_pad: int(1), ceil_mode: int(1) }, opset: 19, tol: 2 * tol });
    c.push({ name: `AveragePool_3d_${dt}`, op: 'AveragePool', inputs: [X(1, 2, 5, 6, 7)], attrs: { kernel_shape: ints([2, 3, 2]), strides: ints([1, 2, 2]) }, opset: 19, tol: 2 * tol });
    c.push({ name: `GlobalAveragePool_${dt}`, op: 'GlobalAveragePool', inputs: [X(2, 8, 13, 11)], tol: 2 * tol });
    c.push({ name: `GlobalAveragePool_big_${dt}`, op: 'GlobalAveragePool', inputs: [X(1, 4, 64, 64)], tol: 2 * tol });
    c.push({ name: `GlobalMaxPool_${dt}`, op: 'GlobalMaxPool', inputs: [X(2, 8, 13, 11)] });
    c.push({ name: `GlobalMaxPool_1d_${dt}`, op: 'GlobalMaxPool', inputs: [X(2, 4, 300)] });
    // Resize (opset 13: X, roi, scales, sizes) and Upsample
    const noRoi: In = { dtype: 'float32', dims: [0], floats: [], constant: true };
    const rs = (name: string, dims: number[], scales: number[] | undefined, sizes: number[] | undefined, attrs: Record<string, Attribute>) =>
      c.push({ name: `Resize_${name}_${dt}`, op: 'Resize', opset: 13, inputs: [X(...dims), noRoi, scales ? F(scales) : { dtype: 'float32', dims: [0], floats: [], constant: true }, ...(sizes ? [K(sizes)] : [])], attrs, tol: 2 * tol });
    rs('nearest_asym_floor', [1, 2, 5, 6], [1, 1, 2, 3], undefined, { mode: str('nearest'), coordinate_transformation_mode: str('asymmetric'), nearest_mode: str('floor') });
    rs('nearest_halfpixel_sizes', [2, 3, 7, 5], undefined, [2, 3, 12, 9], { mode: str('nearest') });
    rs('nearest_ceil_down', [1, 2, 9, 10], [1, 1, 0.5, 0.7], undefined, { mode: str('nearest'), nearest_mode: str('ceil') });
    rs('nearest_align_preferceil', [1, 2, 4, 6], [1, 1, 2.5, 1.5], undefined, { mode: str('nearest'), coordinate_transformation_mode: str('align_corners'), nearest_mode: str('round_prefer_ceil') });
    rs('linear_halfpixel', [2, 3, 6, 7], [1, 1, 2, 1.5], undefined, { mode: str('linear') });
    rs('linear_halfpixel_down', [1, 3, 11, 13], [1, 1, 0.6, 0.45], undefined, { mode: str('linear') });
    rs('linear_align_sizes', [1, 2, 5, 4], undefined, [1, 2, 9, 11], { mode: str('linear'), coordinate_transformation_mode: str('align_corners') });
    rs('linear_pytorch_sizes', [1, 2, 5, 4], undefined, [1, 2, 1, 8], { mode: str('linear'), coordinate_transformation_mode: str('pytorch_half_pixel') });
    rs('linear_asym_3d', [2, 4, 6], [1, 2, 1.5], undefined, { mode: str('linear'), coordinate_transformation_mode: str('asymmetric') });
    c.push({ name: `Upsample9_nearest_${dt}`, op: 'Upsample', opset: 9, inputs: [X(1, 2, 3, 4), F([1, 1, 2, 3])], attrs: { mode: str('nearest') } });
    c.push({ name: `Upsample9_linear_${dt}`, op: 'Upsample', opset: 9, inputs: [X(1, 2, 3, 4), F([1, 1, 2, 2.5])], attrs: { mode: str('linear') }, tol: 2 * tol });
    c.push({ name: `Upsample7_nearest_${dt}`, op: 'Upsample', opset: 7, inputs: [X(2, 3, 4)], attrs: { mode: str('nearest'), scales: { type: 'floats', value: [1, 2, 1.5] } } });
    // normalizations
    const ntol = 4 * tol;
    c.push({ name: `LayerNorm_last_bias_${dt}`, op: 'LayerNormalization', opset: 17, inputs: [X(4, 37, 96), X(96), X(96)], attrs: { epsilon: flt(1e-5) }, tol: ntol });
    c.push({ name: `LayerNorm_long_rows_${dt}`, op: 'LayerNormalization', opset: 17, inputs: [X(3, 5, 2000), X(2000), X(2000)], tol: ntol });
    c.push({ name: `LayerNorm_axis1_nobias_${dt}`, op: 'LayerNormalization', opset: 17, inputs: [X(2, 6, 10), X(6, 10)], attrs: { axis: int(1) }, tol: ntol });
    c.push({ name: `LayerNorm_bcast_scale_${dt}`, op: 'LayerNormalization', opset: 17, inputs: [X(2, 6, 10), X(10), X(10)], attrs: { axis: int(1) }, tol: ntol });
    c.push({ name: `RMSNorm_${dt}`, op: 'RMSNormalization', opset: 23, inputs: [X(5, 7, 64), X(64)], tol: ntol });
    c.push({ name: `BatchNorm_${dt}`, op: 'BatchNormalization', opset: 15, inputs: [X(2, 6, 5, 7), X(6), X(6), X(6), { dtype: dt, dims: [6], lo: 0.5, hi: 2 }], tol: ntol });
    c.push({ name: `InstanceNorm_${dt}`, op: 'InstanceNormalization', inputs: [X(2, 6, 9, 11), X(6), X(6)], tol: ntol });
    c.push({ name: `InstanceNorm_big_${dt}`, op: 'InstanceNormalization', inputs: [X(1, 3, 48, 48), X(3), X(3)], tol: ntol });
    c.push({ name: `GroupNorm21_${dt}`, op: 'GroupNormalization', opset: 21, inputs: [X(2, 8, 5, 6), X(8), X(8)], attrs: { num_groups: int(4) }, tol: ntol });
    c.push({ name: `GroupNorm18_${dt}`, op: 'GroupNormalization', opset: 18, inputs: [X(2, 8, 5, 6), X(4), X(4)], attrs: { num_groups: int(4) }, tol: ntol });
    // misc
    c.push({ name: `Pad_constant_${dt}`, op: 'Pad', opset: 18, inputs: [X(2, 3, 4, 5), K([0, 1, 2, 1, 0, 2, 1, 3]), { dtype: dt, dims: [], lo: 0.5, hi: 0.6, constant: true }] });
    c.push({ name: `Pad_reflect_${dt}`, op: 'Pad', opset: 18, inputs: [X(2, 3, 4, 5), K([0, 0, 3, 4, 0, 0, 2, 6])], attrs: { mode: str('reflect') } });
    c.push({ name: `Pad_edge_neg_${dt}`, op: 'Pad', opset: 18, inputs: [X(2, 3, 4, 5), K([0, -1, 2, 1, 0, 2, -1, 3])], attrs: { mode: str('edge') } });
    c.push({ name: `Pad_wrap_axes_${dt}`, op: 'Pad', opset: 19, inputs: [X(2, 3, 4, 5), K([3, 1, 2, 7]), { dtype: dt, dims: [0], constant: true }, K([1, 3])], attrs: { mode: str('wrap') } });
    c.push({ name: `Pad2_attr_${dt}`, op: 'Pad', opset: 2, inputs: [X(3, 4)], attrs: { pads: ints([1, 2, 0, 1]), value: flt(1.5) } });
    c.push({ name: `TopK_last_${dt}`, op: 'TopK', opset: 11, outputs: 2, inputs: [X(5, 300), K([7])] });
    c.push({ name: `TopK_smallest_${dt}`, op: 'TopK', opset: 11, outputs: 2, inputs: [X(3, 4, 50), K([5])], attrs: { largest: int(0) } });
    c.push({ name: `TopK_axis0_${dt}`, op: 'TopK', opset: 11, outputs: 2, inputs: [X(40, 6), K([3])], attrs: { axis: int(0) } });
    c.push({ name: `TopK_big_${dt}`, op: 'TopK', opset: 11, outputs: 2, inputs: [X(2, 5000), K([10])] });
    c.push({ name: `ArgMax_axis1_${dt}`, op: 'ArgMax', opset: 13, inputs: [X(4, 37, 9)], attrs: { axis: int(1) } });
    c.push({ name: `ArgMin_last_nokeep_${dt}`, op: 'ArgMin', opset: 13, inputs: [X(4, 7, 90)], attrs: { axis: int(-1), keepdims: int(0), select_last_index: int(1) } });
    c.push({ name: `Mean_bcast_${dt}`, op: 'Mean', opset: 13, inputs: [X(3, 4, 5), X(4, 1), X(5)], tol: 2 * tol });
  }
  c.push({ name: 'MaxPool_indices_float32', op: 'MaxPool', outputs: 2, inputs: [{ dims: [2, 3, 10, 11] }], attrs: { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]) }, opset: 12 });
  c.push({ name: 'MaxPool_indices_colmajor_float32', op: 'MaxPool', outputs: 2, inputs: [{ dims: [1, 2, 7, 6] }], attrs: { kernel_shape: ints([2, 2]), storage_order: int(1) }, opset: 12 });
  c.push({ name: 'LayerNorm_stats_float32', op: 'LayerNormalization', opset: 17, outputs: 3, inputs: [{ dims: [6, 50] }, { dims: [50] }, { dims: [50] }], tol: 1e-5 });
  c.push({ name: 'Pad_constant_int64', op: 'Pad', opset: 13, inputs: [{ dtype: 'int64', dims: [3, 4], lo: -50, hi: 50 }, K([1, 0, 2, 1]), { dims: [], ints: [-7], constant: true }] });
  return c;
}

/** Conv / ConvTranspose / FusedConv (cuDNN path, or the NVRTC kernels under TENSORJET_CUDNN=0). */
/** tensorjet::FusedElementwise (generated kernels) and tensorjet::FusedGemm (cuBLASLt epilogues). */
function fusedCases(): Case[] {
  const c: Case[] = [];
  const flts = (value: number[]): Attribute => ({ type: 'floats', value });
  const prog = (steps: { op: string; in: string[]; attrs?: Record<string, Attribute> }[], opset = 17): Record<string, Attribute> => ({ program: str(JSON.stringify({ opset, steps })) });
  for (const dt of ['float32', 'float16'] as DType[]) {
    const tol = dt === 'float16' ? 1e-2 : 1e-4;
    const x = (dims: number[], extra: Partial<In> = {}): In => ({ dtype: dt, dims, ...extra });
    const fe = (name: string, inputs: In[], attrs: Record<string, Attribute>) => c.push({ name: `FusedElementwise_${name}_${dt}`, op: 'FusedElementwise', domain: 'tensorjet', inputs, attrs, tol });
    fe('bias_gelu', [x([8, 64]), x([64], { constant: true })], prog([{ op: 'Add', in: ['i0', 'i1'] }, { op: 'Gelu', in: ['s0'] }], 20));
    fe('scale_residual_sigmoid_sub_bcast', [x([6, 40]), x([], { lo: 0.5, hi: 0.5 }), x([6, 40]), x([6, 1])],
      prog([{ op: 'Mul', in: ['i0', 'i1'] }, { op: 'Add', in: ['s0', 'i2'] }, { op: 'Sigmoid', in: ['s1'] }, { op: 'Sub', in: ['s2', 'i3'] }]));
    fe('clip_inputs_hardswish_div', [x([300]), x([], { lo: -0.5, hi: -0.5, constant: true }), x([], { lo: 0.75, hi: 0.75, constant: true }), x([300], { lo: 0.5, hi: 2 })],
      prog([{ op: 'Clip', in: ['i0', 'i1', 'i2'] }, { op: 'HardSwish', in: ['s0'] }, { op: 'Div', in: ['s1', 'i3'] }], 13));
    fe('rank4_bcast_tanh_pow_leaky', [x([2, 3, 4, 5]), x([3, 1, 1]), x([], { lo: 2, hi: 2 })],
      prog([{ op: 'Mul', in: ['i0', 'i1'] }, { op: 'Tanh', in: ['s0'] }, { op: 'Pow', in: ['s1', 'i2'] }, { op: 'LeakyRelu', in: ['s2'], attrs: { alpha: flt(0.2) } }, { op: 'Max', in: ['s3', 'i0'] }]));
    fe('erf_exp_sqrt_abs', [x([5, 7]), x([1, 7])], prog([{ op: 'Sub', in: ['i0', 'i1'] }, { op: 'Abs', in: ['s0'] }, { op: 'Sqrt', in: ['s1'] }, { op: 'Erf', in: ['s2'] }, { op: 'Exp', in: ['s3'] }]));
    const fg = (name: string, inputs: In[], attrs: Record<string, Attribute>) => c.push({ name: `FusedGemm_${name}_${dt}`, op: 'FusedGemm', domain: 'tensorjet', inputs, attrs, opset: 13, tol });
    const w = (dims: number[]): In => x(dims, { constant: true, lo: -0.5, hi: 0.5 });
    fg('bias_relu', [x([33, 64]), w([64, 48]), w([48])], { activation: str('Relu') });
    fg('bias_gelu', [x([33, 64]), w([64, 48]), w([48])], { activation: str('Gelu') });
    fg('nobias_relu_transB', [x([16, 32]), w([24, 32])], { activation: str('Relu'), transB: int(1) });
    fg('rank3_bias_silu', [x([2, 9, 32]), w([32, 40]), w([40])], { activation: str('SiLU') });
    fg('rank3_nobias_gelu', [x([3, 5, 16]), w([16, 24])], { activation: str('Gelu') });
    fg('bias_only', [x([7, 32]), w([32, 9]), w([9])], {});
    fg('general_c_clip', [x([12, 16]), w([16, 10]), w([12, 1])], { activation: str('Clip'), activation_params: flts([-0.3, 0.4]), beta: flt(0.5) });
    fg('bias_leaky_sigmoid_hardswish', [x([10, 16]), w([16, 8]), w([1, 8])], { activation: str('LeakyRelu'), activation_params: flts([0.1]) });
    fg('bias_sigmoid', [x([10, 16]), w([16, 8]), w([8])], { activation: str('Sigmoid') });
    fg('bias_hardswish', [x([10, 16]), w([16, 8]), w([8])], { activation: str('HardSwish') });
  }
  return c;
}

function convCases(): Case[] {
  const c: Case[] = [];
  const str = (value: string): Attribute => ({ type: 'string', value });
  const flts = (value: number[]): Attribute => ({ type: 'floats', value });
  for (const dt of ['float32', 'float16'] as DType[]) {
    const tol = dt === 'float16' ? 1e-2 : 1e-4;
    const x = (dims: number[]): In => ({ dtype: dt, dims });
    const w = (dims: number[]): In => ({ dtype: dt, dims, constant: true, lo: -0.5, hi: 0.5 });
    const b = (k: number): In => ({ dtype: dt, dims: [k], constant: true });
    const conv = (name: string, inputs: In[], attrs: Record<string, Attribute> = {}) => c.push({ name: `Conv_${name}_${dt}`, op: 'Conv', inputs, attrs, opset: 11, tol });
    conv('3x3_pad1_bias', [x([2, 8, 15, 17]), w([16, 8, 3, 3]), b(16)], { pads: ints([1, 1, 1, 1]) });
    conv('3x3_pad1_nobias_winput', [x([1, 8, 15, 17]), { dtype: dt, dims: [16, 8, 3, 3], lo: -0.5, hi: 0.5 }], { pads: ints([1, 1, 1, 1]) });
    conv('7x7_s2', [x([1, 3, 32, 30]), w([8, 3, 7, 7]), b(8)], { pads: ints([3, 3, 3, 3]), strides: ints([2, 2]) });
    conv('1x1', [x([2, 32, 9, 9]), w([24, 32, 1, 1]), b(24)]);
    conv('grouped', [x([1, 12, 10, 10]), w([18, 4, 3, 3]), b(18)], { group: int(3), pads: ints([1, 1, 1, 1]) });
    conv('depthwise', [x([2, 16, 12, 11]), w([16, 1, 3, 3]), b(16)], { group: int(16), pads: ints([1, 1, 1, 1]), strides: ints([2, 2]) });
    conv('dilated', [x([1, 4, 20, 20]), w([6, 4, 3, 3]), b(6)], { dilations: ints([2, 2]), pads: ints([2, 2, 2, 2]) });
    conv('1d', [x([2, 6, 40]), w([10, 6, 5]), b(10)], { pads: ints([2, 2]), strides: ints([2]) });
    conv('asym_pads', [x([1, 5, 11, 9]), w([7, 5, 3, 3]), b(7)], { pads: ints([0, 1, 2, 1]) });
    conv('same_upper_s2', [x([1, 4, 9, 10]), w([6, 4, 3, 3])], { auto_pad: str('SAME_UPPER'), strides: ints([2, 2]) });
    const ct = (name: string, inputs: In[], attrs: Record<string, Attribute>) => c.push({ name: `ConvTranspose_${name}_${dt}`, op: 'ConvTranspose', inputs, attrs, opset: 11, tol });
    ct('s2', [x([2, 8, 7, 6]), w([8, 5, 3, 3]), b(5)], { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), output_padding: ints([1, 1]) });
    ct('s2_k4_grouped', [x([1, 6, 5, 5]), w([6, 2, 4, 4])], { strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), group: int(2) });
    ct('asym', [x([1, 3, 4, 5]), w([3, 4, 3, 3]), b(4)], { strides: ints([2, 2]), pads: ints([0, 1, 1, 0]) });
    ct('1d', [x([1, 4, 9]), w([4, 3, 3]), b(3)], { strides: ints([3]) });
    const fc = (name: string, inputs: In[], attrs: Record<string, Attribute>) =>
      c.push({ name: `FusedConv_${name}_${dt}`, op: 'FusedConv', domain: 'tensorjet', inputs, attrs: { pads: ints([1, 1, 1, 1]), ...attrs }, opset: 11, tol });
    const base = [x([1, 8, 14, 13]), w([12, 8, 3, 3]), b(12)];
    fc('relu', base, { activation: str('Relu') });
    fc('relu_residual', [...base, x([1, 12, 14, 13])], { activation: str('Relu') });
    fc('relu_residual_after', [...base, x([1, 12, 14, 13])], { activation: str('Relu'), residual_before_activation: int(0) });
    fc('leaky', base, { activation: str('LeakyRelu'), activation_params: flts([0.15]) });
    fc('silu', base, { activation: str('SiLU') });
    fc('clip', base, { activation: str('Clip'), activation_params: flts([-0.25, 0.75]) });
    fc('sigmoid_nobias', base.slice(0, 2), { activation: str('Sigmoid') });
    fc('hardswish_asym', base, { activation: str('HardSwish'), pads: ints([0, 1, 2, 1]) });
    // NHWC (passes/layout-nhwc.ts): X, W, Z permuted on the host, output permuted back
    const nh = (name: string, op: string, inputs: In[], attrs: Record<string, Attribute>) =>
      c.push({ nhwc: true, name: `NHWC_${name}_${dt}`, op, domain: op === 'FusedConv' ? 'tensorjet' : undefined, inputs, attrs, opset: 11, tol });
    nh('conv3x3_bias', 'Conv', [x([2, 16, 15, 17]), w([32, 16, 3, 3]), b(32)], { pads: ints([1, 1, 1, 1]) });
    nh('conv7x7_s2', 'Conv', [x([2, 3, 32, 30]), w([16, 3, 7, 7]), b(16)], { pads: ints([3, 3, 3, 3]), strides: ints([2, 2]) });
    nh('conv1x1_nobias', 'Conv', [x([2, 64, 9, 9]), w([32, 64, 1, 1])], {});
    nh('grouped', 'Conv', [x([1, 16, 10, 10]), w([24, 4, 3, 3]), b(24)], { group: int(4), pads: ints([1, 1, 1, 1]) });
    nh('fused_relu', 'FusedConv', [x([2, 16, 14, 13]), w([32, 16, 3, 3]), b(32)], { pads: ints([1, 1, 1, 1]), activation: str('Relu') });
    nh('fused_relu_residual', 'FusedConv', [x([2, 16, 14, 13]), w([32, 16, 3, 3]), b(32), x([2, 32, 14, 13])], { pads: ints([1, 1, 1, 1]), activation: str('Relu') });
    nh('fused_silu_s2', 'FusedConv', [x([1, 16, 14, 13]), w([32, 16, 3, 3]), b(32)], { pads: ints([1, 1, 1, 1]), strides: ints([2, 2]), activation: str('SiLU') });
  }
  return c;
}

/** tensorjet::FusedAttention (kernels/attention.cu) vs the CPU reference (MatMul, Mul, Add, Softmax, MatMul). */
function attentionCases(): Case[] {
  const c: Case[] = [];
  for (const dt of ['float32', 'float16'] as DType[]) {
    const tol = dt === 'float16' ? 1e-2 : 1e-5;
    const x = (dims: number[], lo = -1, hi = 1): In => ({ dtype: dt, dims, lo, hi });
    const at = (name: string, inputs: In[], scale: number, tk: number) =>
      c.push({ name: `FusedAttention_${name}_${dt}`, op: 'FusedAttention', domain: 'tensorjet', inputs, opset: 17, tol,
        attrs: { scale: flt(scale), transpose_k: int(tk), has_mask: int(inputs.length > 3 ? 1 : 0) } });
    // BERT-shaped: [batch, heads, seq, 64], padding mask [batch, 1, 1, seq]: 0 for tokens, -10000 for
    // padding (sequence 0 has 77 tokens, sequence 1 has 50). A mask drawn uniformly from [-10000, 0]
    // instead makes the float16 reference round scores of magnitude ~5000 to steps of 4, so it was less
    // accurate than the kernel under test.
    const padding = [...Array(77).fill(0), ...Array.from({ length: 77 }, (_, i) => (i < 50 ? 0 : -10000))];
    at('bert_mask', [x([2, 3, 77, 64]), x([2, 3, 77, 64]), x([2, 3, 77, 64]), { dtype: dt, dims: [2, 1, 1, 77], floats: padding }], 0.125, 1);
    at('nomask_kT', [x([2, 2, 70, 32], -2, 2), x([2, 2, 32, 45], -2, 2), x([2, 2, 45, 32])], 1 / Math.sqrt(32), 0);
    at('d128_full_mask', [x([1, 2, 65, 128]), x([1, 2, 33, 128]), x([1, 2, 33, 96]), x([1, 2, 65, 33], -3, 0)], 0.09, 1);
    at('rank3_dv40', [x([3, 9, 24]), x([3, 11, 24]), x([3, 11, 40]), x([9, 11], -1, 0)], 0.3, 1);
    at('kv_bcast', [x([2, 4, 130, 64]), x([1, 4, 129, 64]), x([1, 4, 129, 64])], 0.125, 1);
  }
  return c;
}

/** 4-D tensor with axes permuted (host copy of the raw elements). */
function permute4(t: Tensor, perm: number[]): Tensor {
  const d = t.dims;
  const od = perm.map((p) => d[p]);
  const src = t.data as unknown as ArrayLike<number>;
  const dst = new (t.data.constructor as new (n: number) => number[])(src.length);
  const st = [d[1] * d[2] * d[3], d[2] * d[3], d[3], 1];
  let o = 0;
  for (let a = 0; a < od[0]; a++) for (let b = 0; b < od[1]; b++) for (let c = 0; c < od[2]; c++) for (let e = 0; e < od[3]; e++)
    dst[o++] = src[a * st[perm[0]] + b * st[perm[1]] + c * st[perm[2]] + e * st[perm[3]]];
  return makeTensor(t.dtype, od, dst as unknown as Tensor['data']);
}

function makeInput(spec: In, seed: number): Tensor {
  const dtype = spec.dtype ?? (spec.ints ? 'int64' : 'float32');
  const n = spec.dims.reduce((a, b) => a * b, 1);
  if (spec.ints) {
    if (dtype === 'bool') return makeTensor('bool', spec.dims, Uint8Array.from(spec.ints));
    return makeTensor('int64', spec.dims, BigInt64Array.from(spec.ints.map(BigInt)));
  }
  const f = randomFloats(n, seed, spec.lo ?? -1, spec.hi ?? 1);
  switch (dtype) {
    case 'float32': return makeTensor(dtype, spec.dims, spec.floats ? Float32Array.from(spec.floats) : f);
    case 'float16': return makeTensor(dtype, spec.dims, float32ArrayToFloat16(spec.floats ?? f));
    case 'int32': return makeTensor(dtype, spec.dims, Int32Array.from(f, Math.trunc));
    case 'int64': return makeTensor(dtype, spec.dims, BigInt64Array.from(f, (x) => BigInt(Math.trunc(x))));
    default: throw new Error(`no random ${dtype}`);
  }
}

function asNumbers(t: Tensor): number[] {
  if (t.dtype === 'float16') return [...float16ArrayToFloat32(t.data as Uint16Array)];
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

/** max |a-b| / max(|b|, 1) over elements; NaN/Inf positions must match exactly. */
function compare(gpu: Tensor, ref: Tensor): { err: number; problem?: string } {
  if (gpu.dims.join() !== ref.dims.join()) return { err: Infinity, problem: `dims [${gpu.dims}] vs reference [${ref.dims}]` };
  if (gpu.dtype !== ref.dtype) return { err: Infinity, problem: `dtype ${gpu.dtype} vs reference ${ref.dtype}` };
  const a = asNumbers(gpu);
  const b = asNumbers(ref);
  let err = 0;
  for (let i = 0; i < b.length; i++) {
    if (!Number.isFinite(b[i]) || !Number.isFinite(a[i])) {
      if (!Object.is(a[i], b[i]) && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return { err: Infinity, problem: `element ${i}: ${a[i]} vs reference ${b[i]}` };
      continue;
    }
    err = Math.max(err, Math.abs(a[i] - b[i]) / Math.max(Math.abs(b[i]), 1));
  }
  return { err };
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const filter = args.includes('--filter') ? new RegExp(args[args.indexOf('--filter') + 1]) : undefined;
  const graphs = !args.includes('--no-graphs');
  const { unavailableReason, CudaEngine } = await import('../../src/backends/cuda/index.js');
  const why = unavailableReason();
  if (why) {
    console.log(`SKIP: GPU tests need a CUDA device: ${why}`);
    return 0;
  }
  const { arch, kernels, deviceName } = await kernelsFor(0);
  console.log(`GPU 0: ${deviceName} (${arch}), CUDA graphs ${graphs ? 'on' : 'off'}`);
  let pass = 0, fail = 0, skip = 0;
  let seed = 7;
  for (const cs of cases()) {
    if (filter && !filter.test(cs.name)) continue;
    const opset = cs.opset ?? 17;
    const tensors = cs.inputs.map((s) => makeInput(s, seed++));
    let refs: Tensor[];
    try {
      refs = runNode(cs.op, tensors, Object.fromEntries(Object.entries(cs.attrs ?? {}).map(([k, v]) => [k, v.value])) as never, { opset, outputs: cs.outputs ?? 1, domain: cs.domain }) as Tensor[];
    } catch (e) {
      skip++;
      console.log(`skip ${cs.name}: CPU reference unavailable (${(e as Error).message.split('\n')[0]})`);
      continue;
    }
    const outs = Array.from({ length: cs.outputs ?? 1 }, (_, i) => `out${i}`);
    // NHWC conv cases: the reference runs NCHW; the GPU gets X, W (KRSC), Z permuted and layout = 'NHWC'
    const gpuIn = cs.nhwc ? tensors.map((t, i) => (i === 2 ? t : permute4(t, [0, 2, 3, 1]))) : tensors;
    const gpuAttrs = cs.nhwc ? { ...cs.attrs, layout: str('NHWC') } : (cs.attrs ?? {});
    const model = oneNodeModel(cs.op, cs.inputs.map((s, i) => ({ name: `in${i}`, t: gpuIn[i], constant: s.constant })), gpuAttrs, outs, opset, cs.domain);
    // FusedElementwise: the plan also carries the node's generated kernel (as build() stores it)
    let section = kernels;
    if (cs.op === 'FusedElementwise') {
      const { compileKernels, packKernels } = await import('../../src/backends/cuda/compile.js');
      const { compileFusedKernels } = await import('../../src/backends/cuda/fused-codegen.js');
      section = packKernels(arch, [...(await compileKernels(arch)), ...(await compileFusedKernels(model, arch))]);
    }
    const engine = new CudaEngine(planOf(model, arch, section, deviceName), 0, { graphs, poison: true }, cpuRegistry);
    try {
      const ctx = engine.createContext();
      const feeds = new Map(cs.inputs.flatMap((s, i) => (s.constant ? [] : [[`in${i}`, gpuIn[i]] as [string, Tensor]])));
      // run twice: capture + replay must agree with the reference
      for (let rep = 0; rep < 2; rep++) {
        const res = await ctx.infer(feeds);
        const problems: string[] = [];
        let worst = 0;
        outs.forEach((o, i) => {
          const r = compare(cs.nhwc ? permute4(res.get(o)!, [0, 3, 1, 2]) : res.get(o)!, refs[i]);
          worst = Math.max(worst, r.err);
          if (r.problem) problems.push(`${o}: ${r.problem}`);
          else if (r.err > (cs.tol ?? 1e-5)) problems.push(`${o}: max rel err ${r.err.toExponential(2)} > ${cs.tol ?? 1e-5}`);
        });
        if (problems.length) {
          fail++;
          console.log(`FAIL ${cs.name} (run ${rep + 1}): ${problems.join('; ')}`);
          break;
        }
        if (rep === 1) {
          pass++;
          console.log(`ok   ${cs.name}  max rel err ${worst.toExponential(2)}`);
        }
      }
      ctx.dispose();
    } catch (e) {
      fail++;
      console.log(`FAIL ${cs.name}: ${(e as Error).message.split('\n').slice(0, 3).join(' | ')}`);
    } finally {
      engine.dispose();
    }
  }
  const views = await concatChecks({ filter, graphs, arch, kernels, deviceName }); pass += views.pass; fail += views.fail;
  console.log(`\nGPU kernel checks: ${pass} passed, ${fail} failed, ${skip} skipped (no CPU reference)`);
  const conformanceFailed = args.includes('--no-conformance') ? 0 : await gpuConformance(args);
  return fail || conformanceFailed ? 1 : 0;
}

/**
 * The ONNX node conformance cases on GPU 0 through the public API (build for the GPU, load, infer). Cases
 * with nodes the CUDA backend does not claim are skipped at build; every claimed case must pass.
 */
async function gpuConformance(args: string[]): Promise<number> {
  const { runSuites, summarize } = await import('../conformance/run.js');
  const { defaultDataDir } = await import('../conformance/cases.js');
  const dataDir = args.includes('--data') ? args[args.indexOf('--data') + 1] : defaultDataDir();
  if (!existsSync(join(dataDir, 'node'))) {
    console.log(`SKIP conformance on GPU 0: no node/ cases under ${dataDir} (pass --data DIR)`);
    return 0;
  }
  const results = await runSuites({
    dataDir,
    suites: ['node'],
    device: 0,
    onResult: (r) => r.status === 'failed' && console.log(`FAIL conformance ${r.name}: ${r.detail}`),
  });
  const { lines, failed } = summarize(results);
  console.log(`GPU 0 conformance (cases the CUDA backend claims; others skipped at build): ${lines[0]}`);
  return failed;
}

main().then((code) => process.exit(code), (e) => {
  console.error(e);
  process.exit(1);
});
