/** Op family 'attention-variants': declarations and shape inference for LinearAttention and CausalConvWithState. */
import type { Dim } from '../ir/graph.js';
import type { OpSchema } from './schema.js';

const div = (d: Dim | undefined, n: number): Dim | undefined => (typeof d === 'number' ? d / n : undefined);
const mul = (d: Dim | undefined, n: number): Dim | undefined => (typeof d === 'number' ? d * n : undefined);

export const schemas: OpSchema[] = [
  {
    opType: 'LinearAttention',
    infer: (ctx) => {
      const q = ctx.inputs[0], k = ctx.inputs[1], v = ctx.inputs[2];
      if (!q) return [undefined, undefined];
      const hq = ctx.attrs.int('q_num_heads'), hkv = ctx.attrs.int('kv_num_heads');
      const [b, t] = q.shape ?? [];
      const dk = div(k?.shape?.[2], hkv), dv = div(v?.shape?.[2], hkv), out = mul(dv, hq);
      return [
        { dtype: q.dtype, shape: q.shape && out !== undefined ? [b, t, out] : undefined },
        { dtype: q.dtype, shape: q.shape && dk !== undefined && dv !== undefined ? [b, hkv, dk, dv] : undefined },
      ];
    },
  },
  {
    opType: 'CausalConvWithState',
    infer: (ctx) => {
      const x = ctx.inputs[0], w = ctx.inputs[1];
      if (!x) return [undefined, undefined];
      const k = w?.shape?.[2];
      return [
        { dtype: x.dtype, shape: x.shape },
        { dtype: x.dtype, shape: x.shape && typeof k === 'number' ? [x.shape[0], x.shape[1], k - 1] : undefined },
      ];
    },
  },
];
