/** Removes Identity nodes and inference-mode Dropout (whose mask output is unused): readers use the input. */
import type { Graph, Node } from '../ir/graph.js';
import { consumers, isGraphOutput, type Pass } from './pass.js';

function isRemovable(node: Node, graph: Graph, readers: Map<string, Node[]>): boolean {
  if (node.domain !== '' || !node.inputs[0]) return false;
  if (node.opType === 'Identity') return true;
  if (node.opType !== 'Dropout') return false;
  const mask = node.outputs[1];
  if (mask && ((readers.get(mask)?.length ?? 0) > 0 || isGraphOutput(graph, mask))) return false;
  const trainingMode = node.inputs[2];
  if (!trainingMode) return true;
  const t = graph.constants.get(trainingMode);
  return !!t && t.data.length === 1 && Number(t.data[0]) === 0;
}

export const removeIdentity: Pass = {
  name: 'remove-identity',
  run(graph) {
    let changes = 0;
    const readers = consumers(graph);
    const rename = new Map<string, string>();
    const resolve = (n: string) => {
      while (rename.has(n)) n = rename.get(n)!;
      return n;
    };
    graph.nodes = graph.nodes.filter((node) => {
      node.inputs = node.inputs.map((n) => (n ? resolve(n) : n));
      if (!isRemovable(node, graph, readers)) return true;
      const out = node.outputs[0];
      // A graph output keeps its name: only drop the node when its output is internal.
      if (isGraphOutput(graph, out) || !out) return true;
      rename.set(out, node.inputs[0]);
      changes++;
      return false;
    });
    if (changes) renameInSubgraphs(graph, resolve);
    return changes;
  },
};

/** Outer-scope reads inside subgraphs follow the renames too. */
function renameInSubgraphs(graph: Graph, resolve: (n: string) => string): void {
  for (const node of graph.nodes) {
    for (const a of node.attributes.values()) {
      const graphs = a.type === 'graph' ? [a.value] : a.type === 'graphs' ? a.value : [];
      for (const g of graphs) {
        const local = new Set([...g.inputs.map((i) => i.name), ...g.constants.keys(), ...g.nodes.flatMap((n) => n.outputs)]);
        for (const n of g.nodes) n.inputs = n.inputs.map((x) => (x && !local.has(x) ? resolve(x) : x));
        for (const o of g.outputs) if (!local.has(o.name)) o.name = resolve(o.name);
        renameInSubgraphs(g, (x) => (local.has(x) ? x : resolve(x)));
      }
    }
  }
}
