/**
 * tensorjet::EmbedLayerNorm(Ids, Table, Add, Scale, B?) -> Y: a transformer's embedding layer as one op
 * (ONNX Runtime's EmbedLayerNormalization; passes/fuse-embed.ts forms it from Gather -> Add -> LayerNorm).
 *   Y = LayerNormalization(Gather(Table, Ids, axis 0) + Add, Scale, B) over the last axis (attr epsilon).
 * Table is [V, H]; Y is [...Ids, H] in Table's dtype. Add broadcasts to Y by whole rows (its trailing dims:
 * [H], [S, H], [1, S, H]: position and token-type embeddings summed at build time). Scale and B are [H].
 * Ids outside [-V, V) gather a row of zeros on the GPU (the CPU reference rejects them, as Gather does).
 */
import type { InferContext, OpSchema, ValueMeta } from './schema.js';

function embedLayerNormInfer(ctx: InferContext): (ValueMeta | undefined)[] {
  const ids = ctx.inputs[0], table = ctx.inputs[1];
  if (!table) return [undefined];
  const h = table.shape?.[1];
  return [{ dtype: table.dtype, shape: ids?.shape && table.shape?.length === 2 && h !== undefined ? [...ids.shape, h] : undefined }];
}

export const embedLayerNormSchema: OpSchema = { opType: 'EmbedLayerNorm', domain: 'tensorjet' /* FUSED_DOMAIN: fused.ts imports this file */, infer: embedLayerNormInfer };
