/**
 * Model-local functions (FunctionProto) are inlined at import, on the protobuf level: each call node is
 * replaced by the function body with fresh value names and attribute references (ref_attr_name)
 * resolved against the call's attributes or the function's defaults. The IR then only has ops that
 * kernels implement. Renaming is applied uniformly inside nested subgraphs too, which is safe because
 * fresh names are unique (a shadowing definition is renamed together with its uses).
 */
import { TensorJetError } from '../errors.js';
import { normalizeDomain } from '../ir/graph.js';
import { toNumber, type AttributeProto, type FunctionProto, type GraphProto, type NodeProto, type ValueInfoProto } from './proto.js';

const MAX_DEPTH = 64;

export class FunctionInliner {
  private readonly table = new Map<string, FunctionProto>();
  private callId = 0;
  /** opsets the inlined bodies import (merged into the model's) */
  readonly opsets = new Map<string, number>();

  constructor(functions: FunctionProto[]) {
    for (const fn of functions) this.table.set(key(fn.domain, fn.name, fn.overload), fn);
  }

  get empty(): boolean {
    return this.table.size === 0;
  }

  private lookup(n: NodeProto): FunctionProto | undefined {
    return this.table.get(key(n.domain, n.op_type, n.overload));
  }

  /** The node list with every call to a model-local function expanded (recursively). */
  expand(nodes: NodeProto[], depth = 0, stack: string[] = []): NodeProto[] {
    if (this.table.size === 0) return nodes;
    const out: NodeProto[] = [];
    for (const n of nodes) {
      const fn = this.lookup(n);
      if (!fn) {
        out.push(n);
        continue;
      }
      const id = key(fn.domain, fn.name, fn.overload);
      if (stack.includes(id) || depth >= MAX_DEPTH) {
        throw new TensorJetError('E_MODEL_INVALID', `function '${fn.name}' calls itself recursively (${[...stack, id].join(' -> ')})`, { opType: fn.name });
      }
      out.push(...this.expand(this.instantiate(fn, n), depth + 1, [...stack, id]));
    }
    return out;
  }

  private instantiate(fn: FunctionProto, call: NodeProto): NodeProto[] {
    for (const o of fn.opset_import) {
      const d = normalizeDomain(o.domain);
      this.opsets.set(d, Math.max(this.opsets.get(d) ?? 0, toNumber(o.version, `function '${fn.name}' opset`)));
    }
    const cid = this.callId++;
    const prefix = `${call.name || fn.name}#${cid}/`;
    const rename = new Map<string, string>();
    fn.input.forEach((name, i) => rename.set(name, call.input[i] ?? ''));
    fn.output.forEach((name, i) => rename.set(name, call.output[i] || `${prefix}${name}`));
    const map = (name: string): string => {
      if (!name) return name;
      let r = rename.get(name);
      if (r === undefined) rename.set(name, (r = `${prefix}${name}`));
      return r;
    };
    const callAttrs = new Map(call.attribute.map((a) => [a.name, a]));
    const defaults = new Map(fn.attribute_proto.map((a) => [a.name, a]));
    const resolve = (attrs: AttributeProto[]): AttributeProto[] => {
      const res: AttributeProto[] = [];
      for (const a of attrs) {
        let src: AttributeProto | undefined = a;
        if (a.ref_attr_name) {
          src = callAttrs.get(a.ref_attr_name) ?? defaults.get(a.ref_attr_name);
          if (!src) continue; // unset optional attribute: omitted in the body node
          src = withFields(src, { name: a.name, ref_attr_name: '' });
        }
        if (src.g) src = withFields(src, { g: renameGraph(src.g, map, resolve) });
        if (src.graphs.length) src = withFields(src, { graphs: src.graphs.map((g) => renameGraph(g, map, resolve)) });
        res.push(src);
      }
      return res;
    };
    return fn.node.map((n, i) => ({
      ...n,
      name: `${prefix}${n.name || `${n.op_type}_${i}`}`,
      input: n.input.map(map),
      output: n.output.map(map),
      domain: n.domain,
      op_type: n.op_type,
      overload: n.overload,
      attribute: resolve(n.attribute),
    }));
  }
}

const key = (domain: string, name: string, overload: string | undefined): string =>
  `${normalizeDomain(domain)}::${name}::${overload ?? ''}`;

/** A copy of a protobufjs message with some fields replaced (keeps the prototype's defaults). */
function withFields<T extends object>(m: T, fields: Partial<T>): T {
  return Object.assign(Object.create(Object.getPrototypeOf(m)) as T, m, fields);
}

function renameGraph(g: GraphProto, map: (n: string) => string, resolve: (a: AttributeProto[]) => AttributeProto[]): GraphProto {
  const vi = (v: ValueInfoProto): ValueInfoProto => withFields(v, { name: map(v.name) });
  return withFields(g, {
    node: g.node.map((n) => ({ ...n, name: n.name, op_type: n.op_type, domain: n.domain, overload: n.overload, input: n.input.map(map), output: n.output.map(map), attribute: resolve(n.attribute) })),
    input: g.input.map(vi),
    output: g.output.map(vi),
    value_info: g.value_info.map(vi),
    initializer: g.initializer.map((t) => withFields(t, { name: map(t.name) })),
  });
}
