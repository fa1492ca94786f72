/**
 * GPU checks for the CNN glue fast paths (fp32 + fp16, random inputs): NHWC Max/AveragePool on 16-byte channel
 * groups (C = 64, 8, 4) and the element kernel they fall back to (odd C, fp16 C = 4); the last-axis constant Pad
 * (16-byte words, single elements, pads at the start, a negative end) and mixed pads that keep the generic
 * kernel; nearest Resize on 16-byte words (NHWC 2x, non-integer scales, sizes, a merged row axis) and the
 * element kernel (odd C, a scaled last axis).
 */
import type { Attribute } from '../../src/ir/graph.js';
import type { DType } from '../../src/tensor/dtype.js';
import type { Case, In } from './run.js';

const ints = (value: number[]): Attribute => ({ type: 'ints', value });
const int = (value: number): Attribute => ({ type: 'int', value });
const str = (value: string): Attribute => ({ type: 'string', value });
const NHWC = str('NHWC');

export function cnnglueCases(): Case[] {
  const c: Case[] = [];
  const K = (v: number[]): In => ({ dims: [v.length], ints: v, constant: true });
  const F = (v: number[]): In => ({ dtype: 'float32', dims: [v.length], floats: v, constant: true });
  const noRoi: In = { dtype: 'float32', dims: [0], floats: [], constant: true };
  for (const dt of ['float32', 'float16'] as DType[]) {
    const tol = dt === 'float16' ? 2e-3 : 1e-5;
    const X = (...dims: number[]): In => ({ dtype: dt, dims });
    const add = (name: string, op: string, inputs: In[], attrs: Record<string, Attribute>, extra: Partial<Case> = {}) =>
      c.push({ name: `cnnglue_${name}_${dt}`, op, inputs, attrs, opset: 13, tol, ...extra });
    // NHWC pools: vector groups (C = 64, 8; C = 4 is a group for fp32 only) and the element fallback (odd C)
    const s2p1 = { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 1, 1, 1]), layout: NHWC };
    for (const ch of [64, 8, 4, 5]) add(`MaxPool_3x3s2p1_c${ch}`, 'MaxPool', [X(2, 15, 14, ch)], s2p1, { opset: 12 });
    add('MaxPool_5x5s1p2_c32', 'MaxPool', [X(1, 9, 10, 32)], { kernel_shape: ints([5, 5]), pads: ints([2, 2, 2, 2]), layout: NHWC }, { opset: 12 });
    add('MaxPool_ceil_dil_c16', 'MaxPool', [X(2, 16, 15, 16)], { kernel_shape: ints([3, 2]), strides: ints([2, 3]), dilations: ints([2, 1]), ceil_mode: int(1), layout: NHWC }, { opset: 12 });
    add('MaxPool_ceil_c7', 'MaxPool', [X(1, 10, 11, 7)], { kernel_shape: ints([3, 3]), strides: ints([2, 2]), ceil_mode: int(1), layout: NHWC }, { opset: 12 });
    for (const incl of [0, 1]) {
      for (const ch of [64, 8, 3]) {
        add(`AveragePool_3x3s2p1_incl${incl}_c${ch}`, 'AveragePool', [X(2, 13, 12, ch)], { ...s2p1, count_include_pad: int(incl) }, { opset: 19, tol: 2 * tol });
      }
      add(`AveragePool_ceil_incl${incl}_c16`, 'AveragePool', [X(2, 16, 15, 16)],
        { kernel_shape: ints([3, 3]), strides: ints([2, 2]), pads: ints([1, 0, 1, 2]), ceil_mode: int(1), count_include_pad: int(incl), layout: NHWC }, { opset: 19, tol: 2 * tol });
    }
    // Pad of the last axis only: 16-byte words (RGB 3 -> 8 at the end or the start), elements (3 -> 7),
    // a pad value, a negative end; pads on other axes keep the generic kernel
    add('Pad_last_end_c3_to_c8', 'Pad', [X(2, 9, 10, 3), K([0, 0, 0, 0, 0, 0, 0, 5])], {});
    add('Pad_last_start_c3_to_c8', 'Pad', [X(2, 9, 10, 3), K([0, 0, 0, 5, 0, 0, 0, 0])], {});
    // 8-byte words in fp16 (RGB 3 -> 4, as layout-nhwc pads ResNet's conv1); 16-byte words in fp32
    add('Pad_last_end_c3_to_c4', 'Pad', [X(2, 9, 10, 3), K([0, 0, 0, 0, 0, 0, 0, 1])], {});
    add('Pad_last_start_c1_to_c4', 'Pad', [X(3, 5, 7, 1), K([0, 0, 0, 3, 0, 0, 0, 0])], {});
    add('Pad_last_both_c3_to_c7', 'Pad', [X(2, 9, 10, 3), K([0, 0, 0, 1, 0, 0, 0, 3])], {});
    add('Pad_last_value_c5_to_c16', 'Pad', [X(3, 7, 5), K([0, 0, 4, 0, 0, 7]), { dtype: dt, dims: [], lo: 0.5, hi: 0.6, constant: true }], {});
    add('Pad_last_negative_end', 'Pad', [X(4, 6, 12), K([0, 0, 2, 0, 0, -6])], {});
    add('Pad_mixed_generic', 'Pad', [X(2, 9, 10, 3), K([0, 1, 0, 0, 0, 0, 0, 5])], {});
    // nearest Resize: trailing unscaled axes as 16-byte words, else the element kernel
    const near = { mode: str('nearest'), coordinate_transformation_mode: str('asymmetric'), nearest_mode: str('floor') };
    add('Resize_nearest_x2_c64', 'Resize', [X(2, 5, 6, 64), noRoi, F([1, 2, 2, 1])], near);
    add('Resize_nearest_x2_c8', 'Resize', [X(2, 5, 6, 8), noRoi, F([1, 2, 2, 1])], near);
    add('Resize_nearest_x2_c3', 'Resize', [X(2, 5, 6, 3), noRoi, F([1, 2, 2, 1])], near);
    add('Resize_nearest_frac_c16', 'Resize', [X(2, 5, 6, 16), noRoi, F([1, 1.5, 1.7, 1])], { mode: str('nearest') });
    add('Resize_nearest_down_c16', 'Resize', [X(1, 9, 10, 16), noRoi, F([1, 0.5, 0.6, 1])], { mode: str('nearest'), nearest_mode: str('round_prefer_ceil') });
    add('Resize_nearest_sizes_c8', 'Resize', [X(2, 5, 6, 8), noRoi, F([]), K([2, 9, 11, 8])], { mode: str('nearest'), coordinate_transformation_mode: str('align_corners') });
    add('Resize_nearest_rows_x2', 'Resize', [X(2, 5, 6, 8), noRoi, F([1, 2, 1, 1])], near);
    add('Resize_nearest_nchw_x2', 'Resize', [X(2, 8, 5, 6), noRoi, F([1, 1, 2, 2])], near);
  }
  // other element widths through the last-axis Pad (b8 words, b4 elements)
  const I = (dtype: DType, ...dims: number[]): In => ({ dtype, dims, lo: -50, hi: 50 });
  c.push({ name: 'cnnglue_Pad_last_int64', op: 'Pad', opset: 13, inputs: [I('int64', 3, 5), K([0, 1, 0, 2]), { dims: [], ints: [-7], constant: true }] });
  c.push({ name: 'cnnglue_Pad_last_int32', op: 'Pad', opset: 13, inputs: [I('int32', 3, 5), K([0, 0, 0, 2])] });
  return c;
}
