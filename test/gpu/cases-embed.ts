/**
 * GPU checks for tensorjet::EmbedLayerNorm (norm.cu embedln_*: LN(table[ids] + add) by rows) at the shapes that
 * pick each kernel: BERT-base b1 (warppf, 1 warp per block), b64 (warpvec), odd H (warp), H > 1024 (block);
 * int64 ids (negative ones wrap) and int32 ids, add as [1, S, H], [S, H] or [H], with and without bias;
 * float32 and float16. Also the int64 -> float16 Cast merge-casts leaves on BERT's attention mask, and
 * SkipLayerNorm with float16 inputs writing a float32 Y (attr to = 1: skipln_*_f16_f32) for each kernel.
 */
import type { Attribute } from '../../src/ir/graph.js';
import type { DType } from '../../src/tensor/dtype.js';
import type { Case, In } from './run.js';

const flt = (value: number): Attribute => ({ type: 'float', value });

/** int64 ids in [-v, v) (a fixed pattern: every id wraps or not, rows differ). */
const ids = (dims: number[], v: number): In => ({ dims, ints: Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => ((i * 7919 + 13) % (2 * v)) - v) });

export function embedCases(): Case[] {
  const c: Case[] = [];
  for (const dt of ['float32', 'float16'] as DType[]) {
    const W = (...dims: number[]): In => ({ dtype: dt, dims, constant: true });
    const e = (name: string, inputs: In[]) =>
      c.push({ name: `EmbedLayerNorm_${name}_${dt}`, op: 'EmbedLayerNorm', domain: 'tensorjet', inputs, attrs: { epsilon: flt(1e-12) }, tol: dt === 'float16' ? 1e-2 : 1e-4 });
    e('bert_b1_s128_768', [ids([1, 128], 1000), W(1000, 768), W(1, 128, 768), W(768), W(768)]);
    e('bert_b64_s128_768', [ids([64, 128], 1000), W(1000, 768), W(128, 768), W(768), W(768)]);
    e('b3_s40_768_add_row_nobias', [ids([3, 40], 300), W(300, 768), W(768), W(768)]);
    e('i32_b2_s9_h36', [{ dtype: 'int32', dims: [2, 9], lo: -50, hi: 50 }, W(50, 36), W(9, 36), W(36), W(36)]);
    e('i32_b8_s128_256', [{ dtype: 'int32', dims: [8, 128], lo: -64, hi: 64 }, W(64, 256), W(1, 128, 256), W(256), W(256)]);
    e('rows3_h1100_block', [ids([3], 20), W(20, 1100), W(1100), W(1100), W(1100)]);
  }
  const h = (...dims: number[]): In => ({ dtype: 'float16', dims });
  const H = (...dims: number[]): In => ({ dtype: 'float16', dims, constant: true });
  const sln = (name: string, inputs: In[], outputs = 1) =>
    c.push({ name: `SkipLayerNorm_f32out_${name}`, op: 'SkipLayerNorm', domain: 'tensorjet', inputs, attrs: { epsilon: flt(1e-12), to: { type: 'int', value: 1 } }, outputs, tol: 1e-2 });
  sln('b1_s128_768_warppf', [h(1, 128, 768), h(1, 128, 768), H(768), H(768)]);
  sln('b64_s128_768_warpvec', [h(64, 128, 768), h(64, 128, 768), H(768), H(768)]);
  sln('odd_cols36_warp_sum', [h(3, 7, 36), h(7, 36), H(36), H(36)], 2);
  sln('cols1100_block_nobias', [h(3, 1100), h(3, 1100), H(1100)]);
  c.push({ name: 'Cast_int64_float16_mask', op: 'Cast', inputs: [{ dims: [2, 1, 1, 128], ints: Array.from({ length: 256 }, (_, i) => (i % 128 < 100 - (i >> 7) * 37 ? 1 : 0)) }], attrs: { to: { type: 'int', value: 10 } }, opset: 19 });
  c.push({ name: 'Cast_int64_float16_wide', op: 'Cast', inputs: [{ dims: [9], ints: [0, -1, 2047, 2049, 65504, 65519, 65520, -70000, 123456789] }], attrs: { to: { type: 'int', value: 10 } }, opset: 19 });
  return c;
}
