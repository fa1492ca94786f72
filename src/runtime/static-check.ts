/**
 * Build-time checks on statically known shapes: with each profile's max input shapes, every value whose
 * shape is fully known must fit the allocation limit, so a tiny model that asks for petabytes fails at
 * build with the node's name instead of at the first inference.
 */
import { TensorJetError } from '../errors.js';
import type { Dim, Model } from '../ir/graph.js';
import { inferShapes } from '../ir/shape-inference.js';
import { checkAllocation } from '../tensor/tensor.js';
import type { ShapeProfile } from '../plan/types.js';

const concrete = (shape: Dim[] | undefined): shape is number[] => !!shape && shape.every((d) => typeof d === 'number' && d >= 0);

export function checkStaticSizes(model: Model, profiles: ShapeProfile[]): void {
  const runs: Record<string, Dim[]>[] = profiles.length
    ? profiles.map((p) => Object.fromEntries(Object.entries(p).map(([name, r]) => [name, r.max])))
    : [{}];
  for (const inputShapes of runs) {
    const metas = inferShapes(model, inputShapes);
    for (const node of model.graph.nodes) {
      for (const name of node.outputs) {
        const m = name ? metas.get(name) : undefined;
        if (!m || !concrete(m.shape)) continue;
        try {
          checkAllocation(m.dtype, m.shape, `output '${name}'`);
        } catch (e) {
          if (!(e instanceof TensorJetError)) throw e;
          throw new TensorJetError(e.code, `node '${node.name}' (${node.opType}): ${e.message}`, { ...e.fields, node: node.name, opType: node.opType });
        }
      }
    }
  }
}
