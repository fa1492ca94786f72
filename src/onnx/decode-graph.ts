/** GraphProto -> Graph: nodes, attributes (subgraphs recursively), Constant nodes, initializers, value infos. */
import { TensorJetError } from '../errors.js';
import type { Attribute, Graph, Node, ValueInfo, ValueType } from '../ir/graph.js';
import { normalizeDomain } from '../ir/graph.js';
import { allocTensor, type Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';
import type { ExternalDataOptions } from './external-data.js';
import type { FunctionInliner } from './functions.js';
import { bytesToString, has, toBigInt, type AttributeProto, type GraphProto, type Int64, type NodeProto, type TypeProto } from './proto.js';
import { tensorFromProto } from './tensor-proto.js';
import { valueInfoFromProto, valueTypeFromProto } from './types.js';

export interface DecodeContext {
  external: ExternalDataOptions;
  inliner: FunctionInliner;
  /** node names used so far in the whole model (kept unique across subgraphs) */
  usedNames: Set<string>;
  depth: number;
}

const MAX_GRAPH_DEPTH = 100;
const A = {
  UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9,
  GRAPHS: 10, SPARSE_TENSOR: 11, SPARSE_TENSORS: 12, TYPE_PROTO: 13, TYPE_PROTOS: 14,
} as const;

/** Attribute ints are int64; values beyond 2^53 (INT64_MAX as 'to the end' in Slice) become the nearest double. */
const attrInt = (v: Int64): number => (typeof v === 'number' ? v : Number(toBigInt(v)));

export function graphFromProto(g: GraphProto, ctx: DecodeContext): Graph {
  if (ctx.depth > MAX_GRAPH_DEPTH) {
    throw new TensorJetError('E_MODEL_INVALID', `subgraphs nested deeper than ${MAX_GRAPH_DEPTH} levels in graph '${g.name}'`);
  }
  const graph: Graph = {
    name: g.name,
    nodes: [],
    inputs: g.input.map(valueInfoFromProto),
    outputs: g.output.map(valueInfoFromProto),
    constants: new Map(),
    valueInfo: new Map(),
  };
  for (const vi of g.value_info) graph.valueInfo.set(vi.name, valueInfoFromProto(vi));
  for (const tp of g.initializer) {
    if (!tp.name) throw new TensorJetError('E_MODEL_INVALID', `graph '${g.name}': an initializer has no name`);
    graph.constants.set(tp.name, tensorFromProto(tp, ctx.external));
  }
  if (g.sparse_initializer.length > 0) {
    const names = g.sparse_initializer.map((s) => s.values?.name ?? '?').join(', ');
    throw new TensorJetError('E_UNSUPPORTED_DTYPE', `graph '${g.name}': sparse initializers are not supported (${names})`);
  }

  const nodes = ctx.inliner.expand(g.node);
  // explicit names first, so generated names never take one
  for (const n of nodes) if (n.name) ctx.usedNames.add(n.name);
  const seenExplicit = new Set<string>();
  nodes.forEach((np, i) => {
    let name = np.name;
    if (!name || seenExplicit.has(name)) name = uniqueName(ctx.usedNames, name || `${np.op_type}_${i}`);
    seenExplicit.add(name);
    const node = nodeFromProto(np, name, ctx);
    if (node.opType === 'Constant' && node.domain === '') graph.constants.set(node.outputs[0], constantValue(node, np));
    else graph.nodes.push(node);
  });
  return graph;
}

function uniqueName(used: Set<string>, base: string): string {
  let name = base;
  for (let k = 1; used.has(name); k++) name = `${base}_${k}`;
  used.add(name);
  return name;
}

function nodeFromProto(np: NodeProto, name: string, ctx: DecodeContext): Node {
  const node: Node = {
    name,
    opType: np.op_type,
    domain: normalizeDomain(np.domain),
    inputs: [...np.input],
    outputs: [...np.output],
    attributes: new Map(),
  };
  if (!np.op_type) throw new TensorJetError('E_MODEL_INVALID', `node '${name}' has no op_type`, { node: name });
  for (const ap of np.attribute) {
    if (node.attributes.has(ap.name)) {
      throw new TensorJetError('E_MODEL_INVALID', `node '${name}' (${np.op_type}): attribute '${ap.name}' is given twice`, { node: name, opType: np.op_type });
    }
    node.attributes.set(ap.name, attributeFromProto(ap, node, ctx));
  }
  return node;
}

function attributeFromProto(ap: AttributeProto, node: Node, ctx: DecodeContext): Attribute {
  const where = `node '${node.name}' (${node.opType}) attribute '${ap.name}'`;
  const fail = (code: 'E_MODEL_INVALID' | 'E_UNSUPPORTED_DTYPE', msg: string): never => {
    throw new TensorJetError(code, `${where}: ${msg}`, { node: node.name, opType: node.opType });
  };
  if (ap.ref_attr_name) fail('E_MODEL_INVALID', `refers to function attribute '${ap.ref_attr_name}' outside a function`);
  const typeAttr = (tp: TypeProto | undefined) => valueTypeFromProto(tp, where) ?? fail('E_MODEL_INVALID', 'type has no element type');
  const sub = (g: GraphProto) => graphFromProto(g, { ...ctx, depth: ctx.depth + 1 });
  switch (attributeType(ap)) {
    case A.FLOAT: return { type: 'float', value: ap.f };
    case A.INT: return { type: 'int', value: attrInt(ap.i) };
    case A.STRING: return { type: 'string', value: bytesToString(ap.s) };
    case A.TENSOR: return { type: 'tensor', value: tensorFromProto(ap.t!, ctx.external, `${node.name}.${ap.name}`) };
    case A.GRAPH: return { type: 'graph', value: sub(ap.g!) };
    case A.FLOATS: return { type: 'floats', value: [...ap.floats] };
    case A.INTS: return { type: 'ints', value: ap.ints.map(attrInt) };
    case A.STRINGS: return { type: 'strings', value: ap.strings.map(bytesToString) };
    case A.TENSORS: return { type: 'tensors', value: ap.tensors.map((t, i) => tensorFromProto(t, ctx.external, `${node.name}.${ap.name}[${i}]`)) };
    case A.GRAPHS: return { type: 'graphs', value: ap.graphs.map(sub) };
    case A.SPARSE_TENSOR: case A.SPARSE_TENSORS: return fail('E_UNSUPPORTED_DTYPE', 'sparse tensor attributes are not supported');
    // The IR has no type attribute variant (yet): TYPE_PROTO(S) become JSON strings of ValueType(s)
    // (used by Optional's 'type'; read back with parseTypeAttribute).
    case A.TYPE_PROTO: return { type: 'string', value: JSON.stringify(typeAttr(ap.tp)) };
    case A.TYPE_PROTOS: return { type: 'strings', value: ap.type_protos.map((t) => JSON.stringify(typeAttr(t))) };
    default: return fail('E_MODEL_INVALID', `unknown attribute type ${ap.type}`);
  }
}

/** The attribute's type; IR version 1 files lack the discriminator, so infer it from the field present. */
function attributeType(ap: AttributeProto): number {
  if (ap.type) return ap.type;
  if (has(ap, 'f')) return A.FLOAT;
  if (has(ap, 'i')) return A.INT;
  if (has(ap, 's')) return A.STRING;
  if (ap.t) return A.TENSOR;
  if (ap.g) return A.GRAPH;
  if (ap.floats.length) return A.FLOATS;
  if (ap.ints.length) return A.INTS;
  if (ap.strings.length) return A.STRINGS;
  if (ap.tensors.length) return A.TENSORS;
  if (ap.graphs.length) return A.GRAPHS;
  if (ap.tp) return A.TYPE_PROTO;
  return A.UNDEFINED;
}

/** The value a Constant node produces (value, value_float(s), value_int(s), value_string(s)). */
function constantValue(node: Node, np: NodeProto): Tensor {
  const fail = (msg: string, code: 'E_ATTRIBUTE' | 'E_UNSUPPORTED_DTYPE' = 'E_ATTRIBUTE'): never => {
    throw new TensorJetError(code, `node '${node.name}' (Constant): ${msg}`, { node: node.name, opType: 'Constant' });
  };
  if (node.attributes.has('sparse_value')) fail('sparse_value is not supported', 'E_UNSUPPORTED_DTYPE');
  if (node.outputs.length !== 1 || !node.outputs[0]) fail('must have exactly one output');
  if (node.attributes.size !== 1) fail(`needs exactly one value attribute, got ${[...node.attributes.keys()].join(', ') || 'none'}`);
  const [name, a] = [...node.attributes][0];
  const vec = (dtype: DType, values: (number | string)[], dims: number[]): Tensor => {
    const t = allocTensor(dtype, dims);
    values.forEach((v, i) => ((t.data as unknown as unknown[])[i] = v));
    return t;
  };
  // int64 constants straight from the proto, exact even beyond 2^53
  const ints = (): Tensor => {
    const p = np.attribute[0];
    const list = p.ints.length ? p.ints : [p.i];
    const t = allocTensor('int64', name === 'value_int' ? [] : [p.ints.length]);
    (t.data as BigInt64Array).set(list.map((v) => BigInt.asIntN(64, toBigInt(v))).slice(0, t.data.length));
    return t;
  };
  switch (`${name}:${a.type}`) {
    case 'value:tensor': return a.value as Tensor;
    case 'value_float:float': case 'value_float:int': return vec('float32', [a.value as number], []);
    case 'value_floats:floats': case 'value_floats:ints': return vec('float32', a.value as number[], [(a.value as number[]).length]);
    case 'value_int:int': return ints();
    case 'value_ints:ints': return ints();
    case 'value_string:string': return vec('string', [a.value as string], []);
    case 'value_strings:strings': return vec('string', a.value as string[], [(a.value as string[]).length]);
    default: return fail(`unsupported value attribute '${name}' of type ${a.type}`);
  }
}

export type { ValueInfo };

/** A TYPE_PROTO attribute as decoded above (a JSON string), back as a ValueType; undefined if absent. */
export function parseTypeAttribute(a: Attribute | undefined): ValueType | undefined {
  if (!a || a.type !== 'string') return undefined;
  try {
    const v = JSON.parse(a.value) as ValueType;
    return v && typeof v === 'object' && 'kind' in v ? v : undefined;
  } catch {
    return undefined;
  }
}
