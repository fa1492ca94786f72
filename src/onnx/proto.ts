/**
 * protobufjs types for the ONNX schema, the shapes of decoded messages, and the one place where raw
 * protobuf decoding happens (so every malformed or truncated input becomes E_MODEL_DECODE).
 */
import protobuf from 'protobufjs';
import { TensorJetError } from '../errors.js';
import { ONNX_SCHEMA } from './onnx.proto.js';

const root = protobuf.Root.fromJSON(ONNX_SCHEMA);
const type = (name: string): protobuf.Type => root.lookupType(`onnx.${name}`);

export const ModelProtoType = type('ModelProto');
export const TensorProtoType = type('TensorProto');
export const SequenceProtoType = type('SequenceProto');
export const OptionalProtoType = type('OptionalProto');
export const MapProtoType = type('MapProto');
export const GraphProtoType = type('GraphProto');
export const NodeProtoType = type('NodeProto');

/** int64 fields decode as numbers or Long objects ({low, high, unsigned}). */
export type Int64 = number | { low: number; high: number; unsigned: boolean };

export interface StringStringEntryProto { key: string; value: string }
export interface TensorProto {
  dims: Int64[]; data_type: number; float_data: number[]; int32_data: number[]; string_data: Uint8Array[];
  int64_data: Int64[]; name: string; raw_data: Uint8Array; external_data: StringStringEntryProto[];
  data_location: number; double_data: number[]; uint64_data: Int64[]; segment?: unknown;
}
export interface SparseTensorProto { values?: TensorProto; indices?: TensorProto; dims: Int64[] }
export interface DimensionProto { dim_value?: Int64; dim_param?: string }
export interface TypeProto {
  tensor_type?: { elem_type: number; shape?: { dim: DimensionProto[] } };
  sparse_tensor_type?: { elem_type: number; shape?: { dim: DimensionProto[] } };
  sequence_type?: { elem_type?: TypeProto };
  optional_type?: { elem_type?: TypeProto };
  map_type?: { key_type: number; value_type?: TypeProto };
  opaque_type?: { domain: string; name: string };
}
export interface ValueInfoProto { name: string; type?: TypeProto; doc_string: string }
export interface AttributeProto {
  name: string; ref_attr_name: string; type: number; f: number; i: Int64; s: Uint8Array; t?: TensorProto;
  g?: GraphProto; sparse_tensor?: SparseTensorProto; tp?: TypeProto; floats: number[]; ints: Int64[];
  strings: Uint8Array[]; tensors: TensorProto[]; graphs: GraphProto[]; sparse_tensors: SparseTensorProto[];
  type_protos: TypeProto[];
}
export interface NodeProto {
  input: string[]; output: string[]; name: string; op_type: string; domain: string; overload: string;
  attribute: AttributeProto[];
}
export interface GraphProto {
  node: NodeProto[]; name: string; initializer: TensorProto[]; sparse_initializer: SparseTensorProto[];
  input: ValueInfoProto[]; output: ValueInfoProto[]; value_info: ValueInfoProto[];
}
export interface OperatorSetIdProto { domain: string; version: Int64 }
export interface FunctionProto {
  name: string; input: string[]; output: string[]; attribute: string[]; attribute_proto: AttributeProto[];
  node: NodeProto[]; opset_import: OperatorSetIdProto[]; domain: string; overload: string;
  value_info: ValueInfoProto[];
}
export interface ModelProto {
  ir_version: Int64; opset_import: OperatorSetIdProto[]; producer_name: string; producer_version: string;
  domain: string; graph?: GraphProto; functions: FunctionProto[];
}
export interface SequenceProto {
  name: string; elem_type: number; tensor_values: TensorProto[]; sparse_tensor_values: SparseTensorProto[];
  sequence_values: SequenceProto[]; map_values: MapProto[]; optional_values: OptionalProto[];
}
export interface MapProto { name: string; key_type: number; keys: Int64[]; string_keys: Uint8Array[]; values?: SequenceProto }
export interface OptionalProto {
  name: string; elem_type: number; tensor_value?: TensorProto; sparse_tensor_value?: SparseTensorProto;
  sequence_value?: SequenceProto; map_value?: MapProto; optional_value?: OptionalProto;
}

/** Decodes `bytes` as message `t`; any protobuf failure (truncation, bad wire type, deep nesting) -> E_MODEL_DECODE. */
export function decodeMessage<T>(t: protobuf.Type, bytes: Uint8Array, what: string, path?: string): T {
  try {
    return t.decode(bytes) as unknown as T;
  } catch (e) {
    const reason = e instanceof RangeError && /index out of range/.test(e.message)
      ? 'truncated data (protobuf field runs past the end of the input)'
      : e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new TensorJetError(
      'E_MODEL_DECODE',
      `cannot decode ${what}${path ? ` '${path}'` : ''} (${bytes.length} bytes): ${reason}`,
      path ? { path } : {},
      { cause: e },
    );
  }
}

/** True when the decoded message carries field `name` (proto2 presence). */
export const has = (msg: object | undefined | null, name: string): boolean =>
  !!msg && Object.prototype.hasOwnProperty.call(msg, name);

/** An int64 as a JS number; throws when it does not fit exactly. */
export function toNumber(v: Int64, what: string): number {
  if (typeof v === 'number') return v;
  const n = v.unsigned ? (v.high >>> 0) * 2 ** 32 + (v.low >>> 0) : v.high * 2 ** 32 + (v.low >>> 0);
  if (!Number.isSafeInteger(n)) {
    throw new TensorJetError('E_MODEL_INVALID', `${what}: value ${toBigInt(v)} is outside the safe integer range`);
  }
  return n;
}

export function toBigInt(v: Int64): bigint {
  if (typeof v === 'number') return BigInt(v);
  const u = (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0);
  return v.unsigned ? u : BigInt.asIntN(64, u);
}

const utf8 = new TextDecoder('utf-8');
export const bytesToString = (b: Uint8Array): string => utf8.decode(b);
