/** What a graph pass is, and the shared context passes see. */
import type { Graph, Model, Node } from '../ir/graph.js';
import type { KernelRegistry } from '../backends/cpu/registry.js';

export interface PassContext {
  model: Model;
  /** CPU kernels, used to fold constants */
  registry: KernelRegistry;
  /** folding never creates a constant larger than this many bytes */
  foldLimitBytes: number;
  /** whether the target backend runs an op; rewrites that would insert anything else are skipped */
  supports?: (domain: string, opType: string) => boolean;
}

export interface Pass {
  name: string;
  /** Rewrites `graph` in place; returns how many changes it made. */
  run(graph: Graph, ctx: PassContext): number;
}

/** For each value name, the nodes that read it (subgraph reads of outer values included). */
export function consumers(graph: Graph): Map<string, Node[]> {
  const m = new Map<string, Node[]>();
  const add = (name: string, node: Node) => {
    if (!name) return;
    const list = m.get(name);
    if (list) list.push(node);
    else m.set(name, [node]);
  };
  for (const node of graph.nodes) {
    for (const name of node.inputs) add(name, node);
    for (const name of outerReads(node)) add(name, node);
  }
  return m;
}

/** Names read by a node's subgraphs (conservatively all the names they mention). */
export function outerReads(node: Node): string[] {
  const out: string[] = [];
  for (const a of node.attributes.values()) {
    const graphs = a.type === 'graph' ? [a.value] : a.type === 'graphs' ? a.value : [];
    for (const g of graphs) {
      for (const n of g.nodes) out.push(...n.inputs.filter(Boolean), ...outerReads(n));
      out.push(...g.outputs.map((o) => o.name));
    }
  }
  return out;
}

export function hasSubgraph(node: Node): boolean {
  for (const a of node.attributes.values()) if (a.type === 'graph' || a.type === 'graphs') return true;
  return false;
}

export const isGraphOutput = (graph: Graph, name: string): boolean => graph.outputs.some((o) => o.name === name);

/** A value name used nowhere in the graph (constants, inputs, node inputs and outputs), derived from `base`. */
export function freshValueName(graph: Graph, base: string): string {
  const used = (s: string) => graph.constants.has(s) || graph.inputs.some((i) => i.name === s) || graph.nodes.some((n) => n.outputs.includes(s) || n.inputs.includes(s));
  let name = base;
  for (let i = 1; used(name); i++) name = `${base}_${i}`;
  return name;
}
