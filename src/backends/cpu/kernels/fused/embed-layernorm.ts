/** tensorjet::EmbedLayerNorm reference (src/ops/embed-layernorm.ts): ONNX Gather, then SkipLayerNorm's reference. */
import type { Tensor } from '../../../../tensor/tensor.js';
import { KernelContext } from '../../kernel.js';
import { gatherRaw } from '../indexing/gather.js';
import { skipLayerNorm } from './skip-layernorm.js';

export function embedLayerNorm(ctx: KernelContext): Tensor[] {
  const table = ctx.input(1);
  if (table.dims.length !== 2) throw ctx.error(`Table must be [V, H], got [${table.dims}]`);
  const rows = gatherRaw(table, ctx.input(0), 0);
  const node = { ...ctx.node, opType: 'SkipLayerNorm', inputs: ['x', 'add', 'scale', ...(ctx.node.inputs[4] ? ['bias'] : [])], outputs: [ctx.node.outputs[0]] };
  const inputs = [rows, ctx.input(2), ctx.input(3), ...(ctx.node.inputs[4] ? [ctx.input(4)] : [])];
  return skipLayerNorm(new KernelContext(node, inputs, ctx.opset, ctx.runSubgraph, ctx.graph));
}
