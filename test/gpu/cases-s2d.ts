/**
 * GPU checks for what passes/conv-space-to-depth.ts emits (fp32 + fp16, random inputs): the two input copies
 * (the batched thin 2-D transpose [N, C*H, W/2, 2] -> [N, C*H, 2, W/2] and the block move [N, C, H/2, 4, W/2]
 * -> [N, 4, C, H/2, W/2] as a wide copy_nd, plus an odd W/2 that keeps narrower words) and the stride-1 NHWC
 * convs they feed (5x5 pads 2 on 12 channels, or 16 where the channels get padded; ReLU fused), with the
 * small-channel alternative it was measured against (7x7 stride 2 on 4 channels).
 */
import type { Attribute } from '../../src/ir/graph.js';
import type { DType } from '../../src/tensor/dtype.js';
import type { Case, In } from './run.js';

const ints = (value: number[]): Attribute => ({ type: 'ints', value });
const str = (value: string): Attribute => ({ type: 'string', value });
const NHWC = str('NHWC');

export function s2dCases(): Case[] {
  const c: Case[] = [];
  for (const dt of ['float32', 'float16'] as DType[]) {
    const tol = dt === 'float16' ? 2e-3 : 1e-5;
    const ctol = dt === 'float16' ? 1e-2 : 1e-4;
    const X = (...dims: number[]): In => ({ dtype: dt, dims });
    const W = (...dims: number[]): In => ({ dtype: dt, dims, lo: -0.3, hi: 0.3, constant: true });
    const add = (name: string, op: string, inputs: In[], attrs: Record<string, Attribute>, extra: Partial<Case> = {}) =>
      c.push({ name: `SpaceToDepth_${name}_${dt}`, op, inputs, attrs, opset: 13, tol, ...extra });
    add('rows_thin_transpose', 'Transpose', [X(2, 3 * 20, 16, 2)], { perm: ints([0, 1, 3, 2]) });
    add('blocks_wide_copy', 'Transpose', [X(2, 3, 10, 4, 16)], { perm: ints([0, 3, 1, 2, 4]) });
    add('blocks_odd_width', 'Transpose', [X(2, 3, 6, 4, 7)], { perm: ints([0, 3, 1, 2, 4]) });
    const relu = { activation: str('Relu'), layout: NHWC };
    add('FusedConv_nhwc_5x5p2_c12_relu', 'FusedConv', [X(2, 14, 12, 12), W(16, 5, 5, 12), W(16)], { pads: ints([2, 2, 2, 2]), ...relu }, { opset: 11, tol: ctol, domain: 'tensorjet' });
    add('FusedConv_nhwc_5x5p2_c16_relu', 'FusedConv', [X(2, 14, 12, 16), W(16, 5, 5, 16), W(16)], { pads: ints([2, 2, 2, 2]), ...relu }, { opset: 11, tol: ctol, domain: 'tensorjet' });
    add('FusedConv_nhwc_7x7s2p3_c4_relu', 'FusedConv', [X(2, 22, 20, 4), W(16, 7, 7, 4), W(16)], { pads: ints([3, 3, 3, 3]), strides: ints([2, 2]), ...relu }, { opset: 11, tol: ctol, domain: 'tensorjet' });
  }
  return c;
}
