/**
 * The pass manager: runs the optimization pipeline to a fixed point on a copy of the model.
 *   remove-identity -> fold-constants -> fold-batchnorm -> dead-code
 */
import type { Attribute, Graph, Model } from '../ir/graph.js';
import type { KernelRegistry } from '../backends/cpu/registry.js';
import type { Precision } from '../plan/types.js';
import type { Pass, PassContext } from './pass.js';
import { removeIdentity } from './remove-identity.js';
import { foldConstants } from './fold-constants.js';
import { foldBatchNorm } from './fold-batchnorm.js';
import { deadCode } from './dead-code.js';

export const DEFAULT_PASSES: Pass[] = [removeIdentity, foldConstants, foldBatchNorm, deadCode];

export interface OptimizeOptions {
  registry: KernelRegistry;
  precision?: Precision;
  passes?: Pass[];
  /** largest constant folding may create (default 64 MiB) */
  foldLimitBytes?: number;
  /** called once per pass run that changed something */
  onPass?: (name: string, changes: number) => void;
}

/** Copies the graph structure (nodes, maps, subgraphs); tensors are shared, passes never mutate them. */
export function cloneGraph(g: Graph): Graph {
  const cloneAttr = (a: Attribute): Attribute =>
    a.type === 'graph' ? { type: 'graph', value: cloneGraph(a.value) } : a.type === 'graphs' ? { type: 'graphs', value: a.value.map(cloneGraph) } : a;
  return {
    name: g.name,
    nodes: g.nodes.map((n) => ({
      ...n,
      inputs: [...n.inputs],
      outputs: [...n.outputs],
      attributes: new Map([...n.attributes].map(([k, a]) => [k, cloneAttr(a)])),
    })),
    inputs: g.inputs.map((i) => ({ ...i })),
    outputs: g.outputs.map((o) => ({ ...o })),
    constants: new Map(g.constants),
    valueInfo: new Map(g.valueInfo),
  };
}

export function optimizeModel(model: Model, opts: OptimizeOptions): Model {
  const out: Model = { ...model, opsets: new Map(model.opsets), graph: cloneGraph(model.graph) };
  // Initializers are weights baked into the plan (as in TensorRT), even where the model also lists
  // them as graph inputs (required before IR 4): they are constants, not runtime inputs.
  out.graph.inputs = out.graph.inputs.filter((i) => !out.graph.constants.has(i.name));
  const ctx: PassContext = { model: out, registry: opts.registry, foldLimitBytes: opts.foldLimitBytes ?? 64 * 2 ** 20 };
  const passes = opts.passes ?? DEFAULT_PASSES;
  for (let round = 0; round < 8; round++) {
    let changed = 0;
    for (const pass of passes) {
      const n = pass.run(out.graph, ctx);
      if (n) opts.onPass?.(pass.name, n);
      changed += n;
    }
    if (!changed) break;
  }
  return out;
}
