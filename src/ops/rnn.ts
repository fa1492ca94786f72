/** Op family 'rnn': RNN, GRU, LSTM: output shapes from layout, direction and hidden_size. */
import type { Dim } from '../ir/graph.js';
import type { InferContext, OpSchema, ValueMeta } from './schema.js';

function rnnInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const x = ctx.inputs[0];
  if (!x) return [undefined];
  const r = ctx.inputs[2];
  const H: Dim | undefined = ctx.attrs.has('hidden_size') ? ctx.attrs.int('hidden_size') : r?.shape?.[2];
  const D = ctx.attrs.string('direction', 'forward') === 'bidirectional' ? 2 : 1;
  const n = ctx.node.opType === 'LSTM' ? 3 : 2;
  if (!x.shape || H === undefined) return new Array(n).fill({ dtype: x.dtype });
  const layout = ctx.attrs.int('layout', 0);
  const [S, B] = layout === 0 ? x.shape : [x.shape[1], x.shape[0]];
  const y = layout === 0 ? [S, D, B, H] : [B, S, D, H];
  const yh = layout === 0 ? [D, B, H] : [B, D, H];
  return [{ dtype: x.dtype, shape: y }, { dtype: x.dtype, shape: yh }, { dtype: x.dtype, shape: yh }].slice(0, n);
}

export const schemas: OpSchema[] = [
  { opType: 'RNN', infer: rnnInfer },
  { opType: 'GRU', infer: rnnInfer },
  { opType: 'LSTM', infer: rnnInfer },
];
