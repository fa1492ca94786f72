/** TypeProto <-> ValueType, ValueInfoProto -> ValueInfo. */
import { TensorJetError } from '../errors.js';
import type { Dim, ValueInfo, ValueType } from '../ir/graph.js';
import { dtypeFromOnnx, dtypeToOnnx, type DType } from '../tensor/dtype.js';
import { has, toNumber, type DimensionProto, type TypeProto, type ValueInfoProto } from './proto.js';

function dtypeOf(code: number, what: string): DType {
  try {
    return dtypeFromOnnx(code);
  } catch (e) {
    throw new TensorJetError('E_UNSUPPORTED_DTYPE', `${what}: ${(e as Error).message}`, { value: what });
  }
}

function dimFromProto(d: DimensionProto, what: string): Dim {
  if (has(d, 'dim_value')) return toNumber(d.dim_value!, what);
  if (has(d, 'dim_param') && d.dim_param) return d.dim_param;
  return '?';
}

/** A ValueType, or undefined when the proto carries no (usable) type, e.g. an untyped subgraph output. */
export function valueTypeFromProto(tp: TypeProto | undefined | null, what: string): ValueType | undefined {
  if (!tp) return undefined;
  if (tp.tensor_type) {
    if (!tp.tensor_type.elem_type) return undefined; // elem_type UNDEFINED: type left to inference
    const shape = tp.tensor_type.shape ? tp.tensor_type.shape.dim.map((d) => dimFromProto(d, what)) : undefined;
    return { kind: 'tensor', dtype: dtypeOf(tp.tensor_type.elem_type, what), ...(shape ? { shape } : {}) };
  }
  if (tp.sequence_type) {
    const elem = valueTypeFromProto(tp.sequence_type.elem_type, what);
    return elem ? { kind: 'sequence', elem } : undefined;
  }
  if (tp.optional_type) {
    const elem = valueTypeFromProto(tp.optional_type.elem_type, what);
    return elem ? { kind: 'optional', elem } : undefined;
  }
  if (tp.map_type) {
    const value = valueTypeFromProto(tp.map_type.value_type, what);
    return value ? { kind: 'map', key: dtypeOf(tp.map_type.key_type, what), value } : undefined;
  }
  if (tp.sparse_tensor_type) {
    throw new TensorJetError('E_UNSUPPORTED_DTYPE', `${what}: sparse tensor values are not supported`, { value: what });
  }
  if (tp.opaque_type) {
    throw new TensorJetError('E_UNSUPPORTED_DTYPE', `${what}: opaque types are not supported`, { value: what });
  }
  return undefined;
}

/**
 * ValueInfo from the proto. Subgraph inputs/outputs may legally have no type: then `type` is left
 * undefined at runtime (consumers must treat it as unknown, as metaFromType does).
 */
export function valueInfoFromProto(vi: ValueInfoProto): ValueInfo {
  const type = valueTypeFromProto(vi.type, `value '${vi.name}'`);
  const out = { name: vi.name, type } as ValueInfo;
  if (vi.doc_string) out.docString = vi.doc_string;
  return out;
}

/** ValueType -> plain TypeProto object for the encoder. */
export function valueTypeToProto(t: ValueType | undefined): object | undefined {
  if (!t) return undefined;
  switch (t.kind) {
    case 'tensor':
      return {
        tensor_type: {
          elem_type: dtypeToOnnx(t.dtype),
          ...(t.shape ? { shape: { dim: t.shape.map((d) => (typeof d === 'number' ? { dim_value: d } : d === '?' ? {} : { dim_param: d })) } } : {}),
        },
      };
    case 'sequence': return { sequence_type: { elem_type: valueTypeToProto(t.elem) } };
    case 'optional': return { optional_type: { elem_type: valueTypeToProto(t.elem) } };
    case 'map': return { map_type: { key_type: dtypeToOnnx(t.key), value_type: valueTypeToProto(t.value) } };
  }
}
