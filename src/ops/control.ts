/** Op family 'control': If, Loop, Scan. Outputs take the types the subgraphs declare. */
import type { ValueType } from '../ir/graph.js';
import type { OpSchema, ValueMeta } from './schema.js';

function meta(t: ValueType | undefined): ValueMeta | undefined {
  return t && t.kind === 'tensor' ? { dtype: t.dtype, shape: t.shape ? [...t.shape] : undefined } : undefined;
}

export const schemas: OpSchema[] = [
  {
    opType: 'If',
    infer: (ctx) => {
      const a = ctx.attrs.graph('then_branch').outputs, b = ctx.attrs.graph('else_branch').outputs;
      return a.map((o, i) => {
        const m = meta(o.type), n = meta(b[i]?.type);
        if (!m || !n || m.dtype !== n.dtype) return m && n ? undefined : m ?? n;
        const same = m.shape && n.shape && m.shape.length === n.shape.length;
        return { dtype: m.dtype, shape: same ? m.shape!.map((d, j) => (d === n.shape![j] ? d : `${ctx.node.outputs[i]}_d${j}`)) : undefined };
      });
    },
  },
  {
    opType: 'Loop',
    infer: (ctx) => {
      const body = ctx.attrs.graph('body');
      const carried = ctx.inputs.slice(2);
      // Carried values keep their dtype (shapes may change per iteration); scan outputs gain a leading axis.
      const outs: (ValueMeta | undefined)[] = carried.map((m, i) => (m ? { dtype: m.dtype } : meta(body.outputs[1 + i]?.type)));
      for (const o of body.outputs.slice(1 + carried.length)) {
        const m = meta(o.type);
        outs.push(m ? { dtype: m.dtype, shape: m.shape ? [`${ctx.node.outputs[outs.length]}_d0`, ...m.shape] : undefined } : undefined);
      }
      return outs;
    },
  },
  {
    opType: 'Scan',
    infer: (ctx) => {
      const body = ctx.attrs.graph('body');
      return body.outputs.map((o) => { const m = meta(o.type); return m ? { dtype: m.dtype } : undefined; });
    },
  },
];
