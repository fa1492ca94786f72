/** Op family 'attention': Attention (opset 23/24) and RotaryEmbedding: shape inference. */
import type { Dim } from '../ir/graph.js';
import type { InferContext, OpSchema, ValueMeta } from './schema.js';

const add = (a: Dim, b: Dim): Dim => (typeof a === 'number' && typeof b === 'number' ? a + b : `${a}+${b}`);

function attentionInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const [q, k, v, , pk] = ctx.inputs;
  if (!q) return [undefined];
  if (!q.shape || !k?.shape || !v?.shape) return [{ dtype: q.dtype }, { dtype: k?.dtype ?? q.dtype }, { dtype: v?.dtype ?? q.dtype }, { dtype: q.dtype }];
  const a = ctx.attrs;
  const div = (d: Dim, h: number): Dim => (typeof d === 'number' ? d / h : `${d}/${h}`);
  const [B, Sq] = q.shape.length === 4 ? [q.shape[0], q.shape[2]] : [q.shape[0], q.shape[1]];
  const kvH = k.shape.length === 4 ? k.shape[1] : a.int('kv_num_heads', 1);
  const qH = q.shape.length === 4 ? q.shape[1] : a.int('q_num_heads', 1);
  const Sk = k.shape.length === 4 ? k.shape[2] : k.shape[1];
  const Dk = k.shape.length === 4 ? k.shape[3] : div(k.shape[2], kvH as number);
  const Dv = v.shape.length === 4 ? v.shape[3] : div(v.shape[2], kvH as number);
  const T = pk?.shape ? add(pk.shape[2], Sk) : Sk;
  const y = q.shape.length === 4 ? [B, qH, Sq, Dv] : [B, Sq, typeof Dv === 'number' ? (qH as number) * Dv : `${ctx.node.name}_hidden`];
  return [
    { dtype: q.dtype, shape: y },
    { dtype: k.dtype, shape: [B, kvH, T, Dk] },
    { dtype: v.dtype, shape: [B, kvH, T, Dv] },
    { dtype: q.dtype, shape: [B, qH, Sq, T] },
  ];
}

export const schemas: OpSchema[] = [
  { opType: 'Attention', infer: attentionInfer },
  {
    opType: 'FlexAttention',
    domain: 'ai.onnx.preview',
    infer: (ctx) => {
      const [q, , v] = ctx.inputs;
      if (!v) return [undefined];
      return [{ dtype: v.dtype, shape: q?.shape && v.shape ? [q.shape[0], q.shape[1], q.shape[2], v.shape[3]] : undefined }];
    },
  },
  { opType: 'RotaryEmbedding', infer: (ctx) => [ctx.inputs[0] ? { dtype: ctx.inputs[0].dtype, shape: ctx.inputs[0].shape } : undefined] },
];
