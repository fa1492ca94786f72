/**
 * GPU checks for tensorjet::FusedAttention beyond run.ts's attentionCases: the [B, S, H, D] operands of
 * bshd (all four or some), the tensor-core kernel's partial tiles (queries, keys, D and Dv not multiples
 * of 16), D 128 / Dv 96, K^T given, causal -inf masks across key tiles and
 * the BERT-base head shape. float32 runs the FMA kernel, float16 the tensor-core one.
 */
import type { Attribute } from '../../src/ir/graph.js';
import type { DType } from '../../src/tensor/dtype.js';
import type { Case, In } from './run.js';

const int = (value: number): Attribute => ({ type: 'int', value });
const flt = (value: number): Attribute => ({ type: 'float', value });

export function attnCases(): Case[] {
  const c: Case[] = [];
  for (const dt of ['float32', 'float16'] as DType[]) {
    const tol = dt === 'float16' ? 1e-2 : 1e-5;
    const x = (dims: number[], lo = -1, hi = 1): In => ({ dtype: dt, dims, lo, hi });
    const at = (name: string, inputs: In[], scale: number, tk: number, bshd: number) =>
      c.push({ name: `FusedAttention_${name}_${dt}`, op: 'FusedAttention', domain: 'tensorjet', inputs, opset: 17, tol,
        attrs: { scale: flt(scale), transpose_k: int(tk), has_mask: int(inputs.length > 3 ? 1 : 0), bshd: int(bshd) } });
    // BERT padding mask (0 for tokens, -10000 for padding): sequence 0 has S tokens, the others fewer
    const padding = (b: number, s: number) => Array.from({ length: b * s }, (_, i) => (i % s < s - Math.floor(i / s) * 7 ? 0 : -10000));
    at('bshd_bert', [x([2, 77, 3, 64]), x([2, 77, 3, 64]), x([2, 77, 3, 64]), { dtype: dt, dims: [2, 1, 1, 77], floats: padding(2, 77) }], 0.125, 1, 15);
    at('bshd_bert_base_b4', [x([4, 128, 12, 64]), x([4, 128, 12, 64]), x([4, 128, 12, 64]), { dtype: dt, dims: [4, 1, 1, 128], floats: padding(4, 128) }], 0.125, 1, 15);
    at('bshd_partial_full_mask', [x([2, 70, 2, 40], -2, 2), x([2, 45, 2, 40], -2, 2), x([2, 45, 2, 48]), x([2, 2, 70, 45], -3, 0)], 0.15, 1, 15);
    at('bshd_d128_dv96', [x([1, 65, 2, 128]), x([1, 33, 2, 128]), x([1, 33, 2, 96]), x([1, 2, 65, 33], -3, 0)], 0.09, 1, 15);
    at('bshd_qv_kT', [x([2, 40, 3, 16], -2, 2), x([2, 3, 16, 50], -2, 2), x([2, 50, 3, 16])], 0.25, 0, 5);
    at('bshd_y_only', [x([2, 3, 33, 24]), x([2, 3, 21, 24]), x([2, 3, 21, 8])], 0.3, 1, 8);
    at('bshd_k_only_d20', [x([1, 2, 17, 20]), x([1, 130, 2, 20]), x([1, 2, 130, 20])], 0.3, 1, 2);
    // causal mask with -inf above the diagonal: later key tiles are all -inf for the early queries
    const causal = Array.from({ length: 150 * 150 }, (_, i) => (i % 150 <= Math.floor(i / 150) ? 0 : -Infinity));
    at('causal_inf_s150', [x([1, 2, 150, 64]), x([1, 2, 150, 64]), x([1, 2, 150, 64]), { dtype: dt, dims: [1, 1, 150, 150], floats: causal }], 0.125, 1, 0);
    at('long_keys_s300', [x([2, 1, 3, 32], -3, 3), x([2, 1, 300, 32], -3, 3), x([2, 1, 300, 32])], 0.5, 1, 0);
  }
  return c;
}
