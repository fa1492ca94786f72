/**
 * GPU checks for tensorjet::NchwToNhwc (passes/fuse-input-layout.ts; kernels/misc.cu nchwtonhwc_*): random
 * [N, C, H, W] inputs, fp32 -> fp16 / fp32 -> fp32 / fp16 sources, channels padded to 4 or 8 (the vector kernel:
 * H * W a multiple of 4, of 2 only, odd, so V = 4, 2 and 1 all run) and unpadded (the generic kernel).
 */
import type { Attribute } from '../../src/ir/graph.js';
import type { DType } from '../../src/tensor/dtype.js';
import type { Case } from './run.js';

const int = (value: number): Attribute => ({ type: 'int', value });
const ONNX: Record<string, number> = { float32: 1, float16: 10 };

export function inputCases(): Case[] {
  const c: Case[] = [];
  const add = (from: DType, to: DType, dims: number[], pad = 0) => {
    const attrs: Record<string, Attribute> = { to: int(ONNX[to]) };
    if (pad) attrs.pad_channels = int(pad);
    const sfx = (d: DType) => (d === 'float16' ? 'f16' : 'f32');
    c.push({
      name: `NchwToNhwc_${sfx(from)}_${sfx(to)}_${dims.join('x')}${pad ? `_pad${pad}` : ''}`,
      op: 'NchwToNhwc',
      domain: 'tensorjet',
      inputs: [{ dtype: from, dims, lo: -4, hi: 4 }],
      attrs,
      opset: 17,
      tol: to === 'float16' || from === 'float16' ? 1e-3 : 0,
    });
  };
  for (const to of ['float16', 'float32'] as DType[]) {
    add('float32', to, [2, 3, 16, 12], 4); // H * W % 4 == 0
    add('float32', to, [2, 3, 6, 7], 4); // % 2 only
    add('float32', to, [3, 3, 7, 9], 4); // odd H, W
    add('float32', to, [2, 3, 7, 9]); // unpadded: generic kernel
    add('float32', to, [2, 5, 8, 6], 8);
    add('float32', to, [1, 6, 5, 5], 8);
    add('float32', to, [1, 3, 5, 5], 6); // pad to 6: generic kernel
  }
  add('float32', 'float16', [4, 3, 96, 80], 4); // many blocks
  add('float16', 'float16', [2, 3, 12, 12], 4);
  add('float16', 'float16', [2, 3, 5, 7], 4);
  add('float16', 'float32', [2, 1, 6, 6], 4);
  add('float16', 'float16', [2, 2, 3, 3]);
  return c;
}
