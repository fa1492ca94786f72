/**
 * Pattern -> replacement rules, run by one driver (tinygrad's PatternMatcher habit): a rule looks at a
 * node and the graph around it and either returns a rewrite or nothing. Fusion passes are lists of rules.
 */
import type { Graph, Node } from '../ir/graph.js';
import { consumers, isGraphOutput, type Pass, type PassContext } from './pass.js';

export interface RewriteView {
  graph: Graph;
  ctx: PassContext;
  /** the single node producing `name`, if any */
  producer(name: string): Node | undefined;
  /** nodes reading `name` */
  readers(name: string): Node[];
  /** true when `name` is read only by `node` and is not a graph output */
  onlyReadBy(name: string, node: Node): boolean;
}

export interface Rewrite {
  /** nodes to delete */
  remove: Node[];
  /** nodes to insert where the first removed node was */
  insert: Node[];
}

export interface Rule {
  name: string;
  /** op type of the node the rule starts from (the last node of the pattern) */
  root: string;
  /** that node's domain ('' for the default ONNX domain) */
  domain?: string;
  apply(node: Node, view: RewriteView): Rewrite | undefined;
}

export function rulePass(name: string, rules: Rule[]): Pass {
  return {
    name,
    run(graph, ctx) {
      let changes = 0;
      for (let again = true; again; ) {
        again = false;
        const producers = new Map<string, Node>();
        for (const n of graph.nodes) for (const o of n.outputs) if (o) producers.set(o, n);
        const readers = consumers(graph);
        const view: RewriteView = {
          graph,
          ctx,
          producer: (n) => producers.get(n),
          readers: (n) => readers.get(n) ?? [],
          onlyReadBy: (n, node) => !isGraphOutput(graph, n) && (readers.get(n) ?? []).every((r) => r === node),
        };
        for (const node of graph.nodes) {
          for (const rule of rules) {
            if (rule.root !== node.opType || node.domain !== (rule.domain ?? '')) continue;
            const rw = rule.apply(node, view);
            if (!rw || (ctx.supports && !rw.insert.every((n) => ctx.supports!(n.domain, n.opType)))) continue;
            const removed = new Set(rw.remove);
            const at = Math.min(...rw.remove.map((n) => graph.nodes.indexOf(n)));
            const rest = graph.nodes.filter((n) => !removed.has(n));
            const before = graph.nodes.slice(0, at).filter((n) => !removed.has(n)).length;
            graph.nodes = [...rest.slice(0, before), ...rw.insert, ...rest.slice(before)];
            changes++;
            again = true;
            break;
          }
          if (again) break;
        }
      }
      return changes;
    },
  };
}
