/** Runs a graph on the CPU reference kernels, node by node, freeing values after their last use. */
import { TensorJetError } from '../../errors.js';
import type { Graph, Node } from '../../ir/graph.js';
import { normalizeDomain } from '../../ir/graph.js';
import type { Value } from '../../ir/value.js';
import { KernelContext } from './kernel.js';
import type { KernelRegistry } from './registry.js';

/** Name lookup through nested scopes: a subgraph sees its outer graphs' values. */
class Scope {
  private readonly values = new Map<string, Value>();
  constructor(private readonly parent?: Scope) {}
  get(name: string): Value | undefined {
    return this.values.get(name) ?? this.parent?.get(name);
  }
  has(name: string): boolean {
    return this.values.has(name) || !!this.parent?.has(name);
  }
  set(name: string, v: Value): void {
    this.values.set(name, v);
  }
  delete(name: string): void {
    this.values.delete(name);
  }
}

export interface ExecuteOptions {
  registry: KernelRegistry;
  /** opset version per domain */
  opsets: Map<string, number>;
  /** called after each node with its outputs (debugging, per-layer checks) */
  onNode?: (node: Node, outputs: Value[]) => void;
}

/** Last node index at which each value is read, per graph (subgraph reads count for the enclosing node). */
const lastUseCache = new WeakMap<Graph, Map<string, number>>();

function lastUses(graph: Graph): Map<string, number> {
  let m = lastUseCache.get(graph);
  if (m) return m;
  m = new Map();
  const map = m;
  graph.nodes.forEach((node, i) => {
    for (const name of node.inputs) if (name) map.set(name, i);
    for (const name of subgraphReads(node)) map.set(name, i);
  });
  for (const o of graph.outputs) map.set(o.name, Infinity);
  lastUseCache.set(graph, map);
  return map;
}

/** Names a node's subgraphs read from enclosing scopes (conservatively: all names they mention). */
function subgraphReads(node: Node): string[] {
  const names: string[] = [];
  for (const a of node.attributes.values()) {
    const graphs = a.type === 'graph' ? [a.value] : a.type === 'graphs' ? a.value : [];
    for (const g of graphs) {
      for (const n of g.nodes) {
        names.push(...n.inputs.filter(Boolean));
        names.push(...subgraphReads(n));
      }
      names.push(...g.outputs.map((o) => o.name));
    }
  }
  return names;
}

export function executeGraph(graph: Graph, feeds: Map<string, Value>, opts: ExecuteOptions): Value[] {
  return runInScope(graph, feeds, opts, undefined);
}

function runInScope(graph: Graph, feeds: Map<string, Value>, opts: ExecuteOptions, parent: Scope | undefined): Value[] {
  const scope = new Scope(parent);
  for (const [name, t] of graph.constants) scope.set(name, t);
  for (const [name, v] of feeds) scope.set(name, v);
  const last = lastUses(graph);
  const runSubgraph = (g: Graph, f: Map<string, Value>) => runInScope(g, f, opts, scope);

  graph.nodes.forEach((node, index) => {
    const kernel = opts.registry.get(node.domain, node.opType);
    if (!kernel) {
      throw new TensorJetError('E_UNSUPPORTED_OP', `node '${node.name}' (${node.opType}) has no CPU kernel`, {
        node: node.name,
        opType: node.opType,
      });
    }
    const inputs = node.inputs.map((name) => {
      if (!name) return undefined;
      const v = scope.get(name);
      if (v === undefined) {
        throw new TensorJetError('E_MODEL_INVALID', `node '${node.name}' (${node.opType}) reads '${name}', which no earlier node produces`, {
          node: node.name,
          opType: node.opType,
        });
      }
      return v;
    });
    const opset = opts.opsets.get(normalizeDomain(node.domain)) ?? 1;
    const ctx = new KernelContext(node, inputs, opset, runSubgraph, graph);
    let outputs: Value[];
    try {
      outputs = kernel(ctx);
    } catch (e) {
      if (e instanceof TensorJetError) {
        if (!e.fields.node) {
          throw new TensorJetError(e.code, `node '${node.name}' (${node.opType}): ${e.message}`, { ...e.fields, node: node.name, opType: node.opType }, { cause: e });
        }
        throw e;
      }
      // Only the engine's own allocation failures mean "too big"; other RangeErrors (BigInt conversion,
      // stack overflow) are kernel failures.
      if (e instanceof RangeError && /allocation failed|Invalid (typed )?array length|Array buffer/i.test(e.message)) {
        throw new TensorJetError('E_ALLOCATION_LIMIT', `node '${node.name}' (${node.opType}): ${e.message}`, { node: node.name, opType: node.opType }, { cause: e });
      }
      throw new TensorJetError('E_KERNEL', `node '${node.name}' (${node.opType}) failed: ${(e as Error).message}`, { node: node.name, opType: node.opType }, { cause: e });
    }
    node.outputs.forEach((name, i) => {
      if (name && outputs[i] !== undefined) scope.set(name, outputs[i]);
    });
    opts.onNode?.(node, outputs);
    // Free what no later node reads (never graph outputs or constants).
    for (const name of node.inputs) {
      if (name && (last.get(name) ?? -1) <= index && !graph.constants.has(name) && !feeds.has(name)) scope.delete(name);
    }
  });

  return graph.outputs.map((o) => {
    const v = scope.get(o.name);
    if (v === undefined) {
      throw new TensorJetError('E_MODEL_INVALID', `graph output '${o.name}' was never produced`, { output: o.name });
    }
    return v;
  });
}
