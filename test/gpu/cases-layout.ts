/**
 * GPU checks for passes/layout-nhwc.ts and the kernels it relies on (fp32 + fp16, random inputs): NHWC pools
 * (layout = 'NHWC' on the GPU and on the CPU reference), Concat / Split / Slice / Resize on channel-last
 * data (remapped axis / scales), the tiled and thin Transpose kernels and views (odd sizes), the channel pad
 * and NHWC convs whose bias epilogue cuDNN fuses (identity) or the 16-byte NHWC epilogue runs.
 */
import type { Attribute } from '../../src/ir/graph.js';
import type { DType } from '../../src/tensor/dtype.js';
import type { Case, In } from './run.js';

const ints = (value: number[]): Attribute => ({ type: 'ints', value });
const int = (value: number): Attribute => ({ type: 'int', value });
const str = (value: string): Attribute => ({ type: 'string', value });
const NHWC = str('NHWC');

export function layoutCases(): Case[] {
  const c: Case[] = [];
  const K = (v: number[]): In => ({ dims: [v.length], ints: v, constant: true });
  const F = (v: number[]): In => ({ dtype: 'float32', dims: [v.length], floats: v, constant: true });
  for (const dt of ['float32', 'float16'] as DType[]) {
    const tol = dt === 'float16' ? 2e-3 : 1e-5;
    const X = (...dims: number[]): In => ({ dtype: dt, dims });
    const W = (...dims: number[]): In => ({ dtype: dt, dims, lo: -0.3, hi: 0.3, constant: true });
    const add = (name: string, op: string, inputs: In[], attrs: Record<string, Attribute>, extra: Partial<Case> = {}) =>
      c.push({ name: `Layout_${name}_${dt}`, op, inputs, attrs, opset: 13, tol, ...extra });
    // pools, channel-last
    add('MaxPool_nhwc_3x3s2', 'MaxPool', [X(2, 17, 19, 24)], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), layout: NHWC }, { opset: 12 });
    add('MaxPool_nhwc_5x5s1_sppf', 'MaxPool', [X(1, 10, 9, 7)], { kernel_shape: ints([5, 5]), pads: ints([2, 2, 2, 2]), layout: NHWC }, { opset: 12 });
    add('MaxPool_nhwc_ceil_dil', 'MaxPool', [X(2, 16, 15, 5)], { kernel_shape: ints([3, 2]), strides: ints([2, 3]), dilations: ints([2, 1]), ceil_mode: int(1), layout: NHWC }, { opset: 12 });
    add('AveragePool_nhwc_incl', 'AveragePool', [X(2, 16, 15, 6)], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 0, 1, 2]), count_include_pad: int(1), layout: NHWC }, { opset: 19, tol: 2 * tol });
    add('AveragePool_nhwc_excl', 'AveragePool', [X(1, 9, 11, 33)], { kernel_shape: ints([2, 2]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), layout: NHWC }, { opset: 19, tol: 2 * tol });
    add('GlobalAveragePool_nhwc', 'GlobalAveragePool', [X(3, 7, 7, 70)], { layout: NHWC }, { tol: 2 * tol });
    add('GlobalAveragePool_nhwc_big', 'GlobalAveragePool', [X(1, 40, 50, 9)], { layout: NHWC }, { tol: 4 * tol });
    add('GlobalMaxPool_nhwc', 'GlobalMaxPool', [X(2, 5, 6, 33)], { layout: NHWC });
    // Concat / Split / Slice / Resize on channel-last data (the pass remaps the axis, the kernels are generic)
    add('Concat_axis3', 'Concat', [X(2, 5, 6, 8), X(2, 5, 6, 16), X(2, 5, 6, 3)], { axis: int(3) });
    add('Split_axis3', 'Split', [X(2, 5, 6, 24), K([8, 16])], { axis: int(3) }, { outputs: 2 });
    add('Slice_axis3', 'Slice', [X(2, 5, 6, 24), K([4]), K([20]), K([3])], {});
    const noRoi: In = { dtype: 'float32', dims: [0], floats: [], constant: true };
    add('Resize_nhwc_nearest_x2', 'Resize', [X(2, 5, 6, 16), noRoi, F([1, 2, 2, 1])], { mode: str('nearest'), coordinate_transformation_mode: str('asymmetric'), nearest_mode: str('floor') });
    add('Resize_nhwc_linear_x2', 'Resize', [X(1, 5, 7, 12), noRoi, F([1, 2, 2, 1])], { mode: str('linear') }, { tol: 2 * tol });
    add('Pad_nhwc_c3_to_c8', 'Pad', [X(2, 9, 10, 3), K([0, 0, 0, 0, 0, 0, 0, 5])], {});
    // Transpose: tiled (both sides >= 16, odd), thin (RGB), 2-D, view (only size-1 axes move), generic
    const tr = (name: string, dims: number[], perm: number[]) => add(`Transpose_${name}`, 'Transpose', [X(...dims)], { perm: ints(perm) });
    tr('nchw_to_nhwc_odd', [3, 37, 19, 23], [0, 2, 3, 1]);
    tr('nhwc_to_nchw_odd', [2, 21, 17, 70], [0, 3, 1, 2]);
    tr('nchw_to_nhwc_rgb_thin', [2, 3, 33, 31], [0, 2, 3, 1]);
    tr('nhwc_to_nchw_rgb_thin', [2, 33, 31, 3], [0, 3, 1, 2]);
    tr('2d_odd', [131, 67], [1, 0]);
    tr('merged_5d', [2, 3, 4, 65, 33], [0, 3, 4, 1, 2]);
    tr('view_size1', [4, 1, 1, 40], [0, 3, 1, 2]);
    tr('generic_fallback', [3, 5, 7, 9], [2, 0, 3, 1]);
    // NHWC convs: bias only (cuDNN identity fusion or the 16-byte epilogue), residual after the activation
    const ctol = dt === 'float16' ? 1e-2 : 1e-4;
    add('Conv_nhwc_1x1s2_bias', 'Conv', [X(2, 15, 13, 64), W(32, 1, 1, 64), W(32)], { strides: ints([2, 2]), layout: NHWC }, { opset: 11, tol: ctol });
    add('Conv_nhwc_3x3_bias_k24', 'Conv', [X(2, 9, 10, 16), W(24, 3, 3, 16), W(24)], { pads: ints([1, 1, 1, 1]), layout: NHWC }, { opset: 11, tol: ctol });
    add('Conv_nhwc_7x7s2_c8_padded', 'Conv', [X(2, 22, 20, 8), W(16, 7, 7, 8), W(16)], { pads: ints([3, 3, 3, 3]), strides: ints([2, 2]), layout: NHWC }, { opset: 11, tol: ctol });
    // 1x1 NHWC convs as cuBLASLt GEMMs (lowering/conv.ts pointwiseGemm): bias, ReLU, the residual in C; odd C stays on cuDNN
    add('Conv_nhwc_1x1_gemm_bias', 'Conv', [X(2, 15, 13, 64), W(32, 1, 1, 64), W(32)], { layout: NHWC }, { opset: 11, tol: ctol });
    add('FusedConv_nhwc_1x1_gemm_relu', 'FusedConv', [X(1, 7, 9, 24), W(40, 1, 1, 24), W(40)], { activation: str('Relu'), layout: NHWC }, { opset: 11, tol: ctol, domain: 'tensorjet' });
    add('FusedConv_nhwc_1x1_gemm_relu_residual', 'FusedConv', [X(2, 14, 14, 64), W(256, 1, 1, 64), W(256), X(2, 14, 14, 256)], { activation: str('Relu'), layout: NHWC }, { opset: 11, tol: ctol, domain: 'tensorjet' });
    add('FusedConv_nhwc_1x1_gemm_residual_noact', 'FusedConv', [X(3, 5, 6, 32), W(16, 1, 1, 32), W(16), X(3, 5, 6, 16)], { layout: NHWC }, { opset: 11, tol: ctol, domain: 'tensorjet' });
    add('Conv_nhwc_1x1_c3_cudnn', 'Conv', [X(2, 5, 6, 3), W(8, 1, 1, 3), W(8)], { layout: NHWC }, { opset: 11, tol: ctol });
    add('FusedConv_nhwc_silu_residual_after', 'FusedConv', [X(1, 9, 10, 16), W(32, 3, 3, 16), W(32), X(1, 9, 10, 32)],
      { pads: ints([1, 1, 1, 1]), activation: str('SiLU'), residual_before_activation: int(0), layout: NHWC }, { opset: 11, tol: ctol, domain: 'tensorjet' });
  }
  return c;
}
