/** Dead-code elimination: drops nodes whose outputs nobody reads, and constants nobody uses. */
import type { Graph, Node } from '../ir/graph.js';
import { outerReads, type Pass } from './pass.js';

export const deadCode: Pass = {
  name: 'dead-code',
  run(graph) {
    const live = new Set(graph.outputs.map((o) => o.name));
    const kept: Node[] = [];
    for (let i = graph.nodes.length - 1; i >= 0; i--) {
      const node = graph.nodes[i];
      if (node.outputs.some((o) => o && live.has(o))) {
        kept.push(node);
        for (const n of node.inputs) if (n) live.add(n);
        for (const n of outerReads(node)) live.add(n);
      }
    }
    let changes = graph.nodes.length - kept.length;
    graph.nodes = kept.reverse();
    const inputs = new Set(graph.inputs.map((i) => i.name));
    for (const name of [...graph.constants.keys()]) {
      if (!live.has(name) && !inputs.has(name)) {
        graph.constants.delete(name);
        changes++;
      }
    }
    return changes;
  },
};

export function removeUnusedValueInfo(graph: Graph): void {
  const names = new Set(graph.nodes.flatMap((n) => n.outputs));
  for (const k of [...graph.valueInfo.keys()]) if (!names.has(k)) graph.valueInfo.delete(k);
}
