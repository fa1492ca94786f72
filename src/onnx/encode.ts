/**
 * Model / TensorProto encoder: enough to write models from TypeScript (examples, hostile-model tests,
 * round trips). Constants are written as initializers; tensors use raw_data (strings: string_data).
 */
import { TensorJetError } from '../errors.js';
import type { Attribute, Graph, Model, Node, ValueInfo } from '../ir/graph.js';
import { dtypeToOnnx } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import { elementsPerByte, packSubByte } from './packing.js';
import { ModelProtoType, TensorProtoType } from './proto.js';
import { valueTypeToProto } from './types.js';

const utf8 = new TextEncoder();

/** Plain TensorProto object (raw_data little-endian; sub-byte types packed low bits first). */
export function tensorToProto(t: Tensor, name = ''): object {
  const base = { name, dims: [...t.dims], data_type: dtypeToOnnx(t.dtype) };
  if (t.dtype === 'string') return { ...base, string_data: (t.data as string[]).map((s) => utf8.encode(s)) };
  if (elementsPerByte(t.dtype) > 1) return { ...base, raw_data: packSubByte(t.dtype, t.data as ArrayLike<number>) };
  const d = t.data as Exclude<Tensor['data'], string[]>;
  return { ...base, raw_data: new Uint8Array(d.buffer, d.byteOffset, d.byteLength) };
}

export function encodeTensorProto(t: Tensor, name = ''): Uint8Array {
  return TensorProtoType.encode(tensorToProto(t, name)).finish();
}

const ATTR_CODE: Record<Attribute['type'], number> = {
  float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7, strings: 8, tensors: 9, graphs: 10,
};

function attributeToProto(name: string, a: Attribute, node: Node): object {
  const p: Record<string, unknown> = { name, type: ATTR_CODE[a.type] };
  switch (a.type) {
    case 'float': p.f = a.value; break;
    case 'int': p.i = a.value; break;
    case 'string': p.s = utf8.encode(a.value); break;
    case 'tensor': p.t = tensorToProto(a.value); break;
    case 'graph': p.g = graphToProto(a.value); break;
    case 'floats': p.floats = a.value; break;
    case 'ints': p.ints = a.value; break;
    case 'strings': p.strings = a.value.map((s) => utf8.encode(s)); break;
    case 'tensors': p.tensors = a.value.map((t) => tensorToProto(t)); break;
    case 'graphs': p.graphs = a.value.map(graphToProto); break;
    default:
      throw new TensorJetError('E_ATTRIBUTE', `node '${node.name}': cannot encode attribute '${name}'`, { node: node.name });
  }
  return p;
}

const valueInfoToProto = (v: ValueInfo): object => ({
  name: v.name,
  ...(v.type ? { type: valueTypeToProto(v.type) } : {}),
  ...(v.docString ? { doc_string: v.docString } : {}),
});

export function graphToProto(g: Graph): object {
  return {
    name: g.name,
    node: g.nodes.map((n) => ({
      name: n.name,
      op_type: n.opType,
      domain: n.domain,
      input: n.inputs,
      output: n.outputs,
      attribute: [...n.attributes].map(([k, a]) => attributeToProto(k, a, n)),
    })),
    initializer: [...g.constants].map(([name, t]) => tensorToProto(t, name)),
    input: g.inputs.map(valueInfoToProto),
    output: g.outputs.map(valueInfoToProto),
    value_info: [...g.valueInfo.values()].map(valueInfoToProto),
  };
}

/** Serializes a Model as an ONNX ModelProto. */
export function encodeModel(model: Model): Uint8Array {
  return ModelProtoType.encode({
    ir_version: model.irVersion,
    producer_name: model.producerName,
    producer_version: model.producerVersion,
    opset_import: [...model.opsets].map(([domain, version]) => ({ domain, version })),
    graph: graphToProto(model.graph),
  }).finish();
}
