/**
 * GPU checks for the transformer "glue" kernels: tensorjet::SkipLayerNorm (warp / 128-bit warp / block variants,
 * broadcast skip, optional sum output), Softmax / LogSoftmax over a non-last axis (the coalesced kernel),
 * FusedElementwise's vector kernel (aligned, with a tail, scalar operands), tensorjet::Gelu, and FusedGemm's
 * GELU epilogue at transformer-like sizes. float32 and float16, random inputs (run.ts poisons outputs).
 */
import type { Attribute } from '../../src/ir/graph.js';
import type { DType } from '../../src/tensor/dtype.js';

/** Structurally run.ts's In / Case. */
interface In { dtype?: DType; dims: number[]; lo?: number; hi?: number; constant?: boolean }
interface GlueCase { name: string; op: string; inputs: In[]; attrs?: Record<string, Attribute>; opset?: number; outputs?: number; tol?: number; domain?: string }

const int = (value: number): Attribute => ({ type: 'int', value });
const flt = (value: number): Attribute => ({ type: 'float', value });
const str = (value: string): Attribute => ({ type: 'string', value });
const prog = (steps: { op: string; in: string[] }[], opset = 17): Record<string, Attribute> => ({ program: str(JSON.stringify({ opset, steps })) });

export function glueCases(): GlueCase[] {
  const c: GlueCase[] = [];
  for (const dt of ['float32', 'float16'] as DType[]) {
    const tol = dt === 'float16' ? 1e-2 : 1e-4;
    const X = (...dims: number[]): In => ({ dtype: dt, dims });
    const W = (...dims: number[]): In => ({ dtype: dt, dims, constant: true });
    const sln = (name: string, inputs: In[], outputs = 1) =>
      c.push({ name: `SkipLayerNorm_${name}_${dt}`, op: 'SkipLayerNorm', domain: 'tensorjet', inputs, attrs: { epsilon: flt(1e-5) }, outputs, tol });
    sln('vec_bias', [X(4, 37, 96), X(4, 37, 96), W(96), W(96)]);
    sln('bert_rows', [X(2, 128, 768), X(2, 128, 768), W(768), W(768)]);
    sln('odd_cols_nobias', [X(6, 100), X(6, 100), W(100)]);
    sln('scalar_cols', [X(5, 7, 33), X(5, 7, 33), W(33), W(33)]);
    sln('skip_rows_bcast', [X(3, 37, 64), X(37, 64), W(64), W(64)]);
    sln('skip_first_smaller', [X(1, 64), X(3, 5, 64), W(64), W(64)]);
    sln('long_rows_block', [X(3, 2000), X(3, 2000), W(2000), W(2000)]);
    sln('sum_output', [X(3, 7, 64), X(3, 7, 64), W(64), W(64)], 2);
    sln('sum_output_scalar', [X(3, 7, 30), X(3, 7, 30), W(30)], 2);
    for (const op of ['Softmax', 'LogSoftmax']) {
      const sm = (name: string, dims: number[], axis: number) =>
        c.push({ name: `${op}_inner_${name}_${dt}`, op, inputs: [{ dtype: dt, dims, lo: -6, hi: 6 }], attrs: { axis: int(axis) }, opset: 13, tol: 5 * tol });
      sm('dfl', [2, 16, 4, 300], 1);
      sm('short_inner', [3, 9, 7], 1);
      sm('axis0', [33, 65], 0);
      sm('long_axis_block', [1500, 3], 0);
    }
    const fe = (name: string, inputs: In[], attrs: Record<string, Attribute>) =>
      c.push({ name: `FusedElementwise_vec_${name}_${dt}`, op: 'FusedElementwise', domain: 'tensorjet', inputs, attrs, tol });
    const k = (v: number): In => ({ dtype: dt, dims: [], lo: v, hi: v, constant: true });
    const erfGelu = prog([{ op: 'Div', in: ['i0', 'i1'] }, { op: 'Erf', in: ['s0'] }, { op: 'Add', in: ['s1', 'i2'] }, { op: 'Mul', in: ['i0', 's2'] }, { op: 'Mul', in: ['s3', 'i3'] }]);
    fe('erf_gelu', [{ dtype: dt, dims: [96, 520], lo: -4, hi: 4 }, k(Math.SQRT2), k(1), k(0.5)], erfGelu);
    fe('erf_gelu_tail', [{ dtype: dt, dims: [77, 130], lo: -4, hi: 4 }, k(Math.SQRT2), k(1), k(0.5)], erfGelu);
    fe('add_relu', [X(256, 72), X(256, 72)], prog([{ op: 'Add', in: ['i0', 'i1'] }, { op: 'Relu', in: ['s0'] }]));
    fe('short_tail_only', [X(5), X(5)], prog([{ op: 'Mul', in: ['i0', 'i1'] }, { op: 'Sigmoid', in: ['s0'] }]));
    fe('runtime_scalar', [X(40, 41), { dtype: dt, dims: [1], lo: 0.5, hi: 2 }], prog([{ op: 'Mul', in: ['i0', 'i1'] }, { op: 'Tanh', in: ['s0'] }]));
    c.push({ name: `tensorjet_Gelu_${dt}`, op: 'Gelu', domain: 'tensorjet', inputs: [{ dtype: dt, dims: [1003], lo: -4, hi: 4 }], opset: 17, tol: 4 * tol });
    // BERT FFN-like up-projection: float16 takes cuBLASLt's GELU_BIAS epilogue (tanh form), float32 exact erf after
    const w = (dims: number[]): In => ({ dtype: dt, dims, constant: true, lo: -0.06, hi: 0.06 });
    c.push({ name: `FusedGemm_ffn_gelu_${dt}`, op: 'FusedGemm', domain: 'tensorjet', opset: 13, tol,
      inputs: [{ dtype: dt, dims: [2, 64, 256], lo: -2, hi: 2 }, w([256, 1024]), w([1024])], attrs: { activation: str('Gelu') } });
  }
  return c;
}
