/**
 * GPU checks for tensorjet::FusedAttention with qkv = 1 (fuse-qkv.ts): Q, K and V are the three
 * [B, S, H, D] column blocks of one [B, S, 3*H*D] operand (row stride 3*H*D, K and V at offsets H*D and
 * 2*H*D), with and without the BERT padding mask, Y as [B, S, H, D] (bshd 15) or [B, H, S, D] (bshd 7).
 * H*D = 60 makes the K and V blocks start off 16-byte alignment (the kernels' scalar-load path).
 * float32 runs the FMA kernel, float16 the tensor-core one.
 */
import type { Attribute } from '../../src/ir/graph.js';
import type { DType } from '../../src/tensor/dtype.js';
import type { Case, In } from './run.js';

const int = (value: number): Attribute => ({ type: 'int', value });
const flt = (value: number): Attribute => ({ type: 'float', value });

export function qkvCases(): Case[] {
  const c: Case[] = [];
  for (const dt of ['float32', 'float16'] as DType[]) {
    const tol = dt === 'float16' ? 1e-2 : 1e-5;
    // sequence b has s - 7 * b tokens (0 for tokens, -10000 for padding)
    const padding = (b: number, s: number): In => ({ dtype: dt, dims: [b, 1, 1, s], floats: Array.from({ length: b * s }, (_, i) => (i % s < s - Math.floor(i / s) * 7 ? 0 : -10000)) });
    const at = (name: string, [b, s, h, d]: number[], mask: boolean, bshd: number) =>
      c.push({ name: `FusedAttention_qkv_${name}_${dt}`, op: 'FusedAttention', domain: 'tensorjet', opset: 17, tol,
        inputs: [{ dtype: dt, dims: [b, s, 3 * h * d] }, ...(mask ? [padding(b, s)] : [])],
        attrs: { scale: flt(1 / Math.sqrt(d)), transpose_k: int(1), has_mask: int(mask ? 1 : 0), bshd: int(bshd), qkv: int(1), num_heads: int(h) } });
    for (const mask of [true, false]) {
      const m = mask ? 'mask' : 'nomask';
      at(`b2_s37_h4_d64_${m}`, [2, 37, 4, 64], mask, 15);
      at(`bert_b1_s128_h12_d64_${m}`, [1, 128, 12, 64], mask, 15);
    }
    at('b2_s37_h4_d64_y_bhsd_mask', [2, 37, 4, 64], true, 7);
    at('b3_s50_h3_d20_unaligned_mask', [3, 50, 3, 20], true, 15);
  }
  return c;
}
