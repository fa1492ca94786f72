/**
 * Constant folding: a node whose inputs are all constants runs once at build time on the CPU kernels and
 * its outputs become constants. Bounded: an output over the fold limit stays a runtime computation, so a
 * tiny model cannot make the builder allocate gigabytes.
 */
import type { Graph, Node } from '../ir/graph.js';
import { normalizeDomain } from '../ir/graph.js';
import { isTensor, type Value } from '../ir/value.js';
import { KernelContext } from '../backends/cpu/kernel.js';
import { getAllocationLimit, setAllocationLimit } from '../tensor/tensor.js';
import { hasSubgraph, type Pass, type PassContext } from './pass.js';

/** Ops whose output is not a function of their inputs. */
const NONDETERMINISTIC = new Set(['RandomNormal', 'RandomNormalLike', 'RandomUniform', 'RandomUniformLike', 'Multinomial', 'Bernoulli']);

function foldable(node: Node, graph: Graph, ctx: PassContext): boolean {
  if (NONDETERMINISTIC.has(node.opType) || hasSubgraph(node)) return false;
  if (node.opType === 'Dropout' && node.inputs[2]) return false;
  if (!ctx.registry.has(node.domain, node.opType)) return false;
  return node.inputs.every((n) => !n || graph.constants.has(n));
}

/** Runs `fn` with the host allocation limit lowered to `bytes`. */
function withLimit<T>(bytes: number, fn: () => T): T {
  const prev = getAllocationLimit();
  setAllocationLimit({ bytes: Math.min(bytes, prev.bytes) });
  try {
    return fn();
  } finally {
    setAllocationLimit(prev);
  }
}

export const foldConstants: Pass = {
  name: 'fold-constants',
  run(graph, ctx) {
    let changes = 0;
    graph.nodes = graph.nodes.filter((node) => {
      if (!foldable(node, graph, ctx)) return true;
      const kernel = ctx.registry.get(node.domain, node.opType)!;
      const opset = ctx.model.opsets.get(normalizeDomain(node.domain)) ?? 1;
      let outputs: Value[];
      try {
        outputs = withLimit(ctx.foldLimitBytes, () =>
          kernel(new KernelContext(node, node.inputs.map((n) => (n ? graph.constants.get(n) : undefined)), opset, () => {
            throw new Error('no subgraphs while folding');
          })),
        );
      } catch {
        // Too big to fold, or invalid: leave it to run time, where errors are reported with full context.
        return true;
      }
      if (!outputs.every((v, i) => !node.outputs[i] || isTensor(v))) return true;
      node.outputs.forEach((name, i) => {
        if (name && isTensor(outputs[i])) graph.constants.set(name, outputs[i] as never);
      });
      changes++;
      return false;
    });
    return changes;
  },
};
