/**
 * GPU checks for cuBLASLt GEMMs with a long K (gemm-tactics.ts split-K candidates): FusedGemm with every
 * epilogue kind (none, bias, relu, relu+bias, gelu, gelu+bias, general C, an activation kernel after), ONNX
 * Gemm with transB, MatMul plain and batched, and BERT batch-1 shapes. Without TENSORJET_GEMM_TACTIC they run
 * the heuristic's first choice; the device run repeats them with a forced split, e.g.
 * TENSORJET_GEMM_TACTIC='{"splitK":4,"reduction":2}' (the first heuristic algorithm that takes split-K 4 with
 * the compute-type reduction; a GEMM where none does fails: cuBLASLt 13.1 takes split-K on no batched algorithm).
 */
import type { Attribute } from '../../src/ir/graph.js';
import type { DType } from '../../src/tensor/dtype.js';
import type { Case, In } from './run.js';

const int = (value: number): Attribute => ({ type: 'int', value });
const flt = (value: number): Attribute => ({ type: 'float', value });
const str = (value: string): Attribute => ({ type: 'string', value });

export function gemmCases(): Case[] {
  const c: Case[] = [];
  for (const dt of ['float32', 'float16'] as DType[]) {
    const tol = dt === 'float16' ? 1e-2 : 1e-4;
    const x = (dims: number[]): In => ({ dtype: dt, dims });
    const w = (dims: number[]): In => ({ dtype: dt, dims, constant: true, lo: -0.5, hi: 0.5 });
    const fg = (name: string, inputs: In[], attrs: Record<string, Attribute> = {}) =>
      c.push({ name: `gemm_fused_${name}_${dt}`, op: 'FusedGemm', domain: 'tensorjet', opset: 13, inputs, attrs, tol });
    fg('k512_none', [x([64, 512]), w([512, 96])]);
    fg('k512_bias', [x([64, 512]), w([512, 96]), w([96])]);
    fg('k512_relu', [x([64, 512]), w([512, 96])], { activation: str('Relu') });
    fg('k512_bias_relu', [x([64, 512]), w([512, 96]), w([96])], { activation: str('Relu') });
    fg('k512_gelu', [x([64, 512]), w([512, 96])], { activation: str('Gelu') });
    fg('k512_bias_gelu', [x([64, 512]), w([512, 96]), w([96])], { activation: str('Gelu') });
    fg('k512_general_c', [x([64, 512]), w([512, 96]), w([64, 1])], { beta: flt(0.5), alpha: flt(2) });
    fg('k384_rank3_bias_silu', [x([2, 40, 384]), w([384, 80]), w([80])], { activation: str('SiLU') });
    fg('k512_transB_bias', [x([64, 512]), w([96, 512]), w([96])], { transB: int(1) });
    fg('bert_b1_attn_out_bias', [x([1, 128, 768]), w([768, 768]), w([768])]);
    fg('bert_b1_ffn_out_bias', [x([1, 128, 3072]), w([3072, 768]), w([768])]);
    c.push({ name: `gemm_onnx_transB_bias_${dt}`, op: 'Gemm', inputs: [x([48, 640]), w([72, 640]), w([72])], attrs: { transB: int(1) }, tol });
    c.push({ name: `gemm_matmul_k768_${dt}`, op: 'MatMul', inputs: [x([96, 768]), w([768, 64])], tol });
    c.push({ name: `gemm_matmul_batched_k256_${dt}`, op: 'MatMul', inputs: [x([3, 32, 256]), x([3, 256, 48])], tol });
  }
  return c;
}
