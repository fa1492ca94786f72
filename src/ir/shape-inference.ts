/**
 * Static shape and dtype inference over a graph, using each op's schema (src/ops). Values start from
 * the graph inputs (optionally with concrete shapes from a profile) and the constants; ops without an
 * `infer` leave their outputs unknown.
 */
import type { Dim, Graph, Model, ValueType } from './graph.js';
import { normalizeDomain } from './graph.js';
import { getSchema } from '../ops/registry.js';
import { makeInferContext, type ValueMeta } from '../ops/schema.js';
import { withSymbolicValue } from '../ops/symbolic-value.js';

export type ShapeMap = Map<string, ValueMeta>;

export function metaFromType(type: ValueType | undefined): ValueMeta | undefined {
  if (!type || type.kind !== 'tensor') return undefined;
  return { dtype: type.dtype, shape: type.shape ? [...type.shape] : undefined };
}

/**
 * Infers every value's meta. `inputShapes` overrides graph input shapes (e.g. a profile's opt dims).
 * Never throws for an op whose inference fails: that value is left unknown (the runtime will report).
 */
export function inferShapes(model: Model, inputShapes: Record<string, Dim[]> = {}, graph: Graph = model.graph, outer?: ShapeMap): ShapeMap {
  const metas: ShapeMap = new Map(outer ?? []);
  for (const [name, t] of graph.constants) metas.set(name, { dtype: t.dtype, shape: [...t.dims], value: t });
  for (const input of graph.inputs) {
    if (graph.constants.has(input.name)) continue;
    const m = metaFromType(input.type);
    if (!m) continue;
    const override = inputShapes[input.name];
    metas.set(input.name, override ? { ...m, shape: [...override] } : m);
  }
  for (const node of graph.nodes) {
    const schema = getSchema(node.domain, node.opType);
    let outs: (ValueMeta | undefined)[] = [];
    if (schema?.infer) {
      const opset = model.opsets.get(normalizeDomain(node.domain)) ?? 1;
      try {
        const ctx = makeInferContext(node, opset, node.inputs.map((n) => (n ? metas.get(n) : undefined)));
        outs = schema.infer(ctx);
        outs[0] = withSymbolicValue(node, ctx, outs[0]);
      } catch {
        outs = [];
      }
    }
    node.outputs.forEach((name, i) => {
      const m = outs[i] ?? metaFromType(graph.valueInfo.get(name)?.type);
      if (name && m) metas.set(name, m);
    });
  }
  return metas;
}

/** Shape as text: `[batch, 3, 224, 224]`, unknown rank as `?`. */
export function formatShape(shape: readonly Dim[] | undefined): string {
  return shape ? `[${shape.join(', ')}]` : '?';
}
