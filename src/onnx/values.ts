/** Stand-alone value files (test_data_set_N/input_K.pb): TensorProto, SequenceProto or OptionalProto. */
import { TensorJetError } from '../errors.js';
import type { ValueType } from '../ir/graph.js';
import type { OptionalValue, SequenceValue, Value } from '../ir/value.js';
import type { Tensor } from '../tensor/tensor.js';
import type { ExternalDataOptions } from './external-data.js';
import {
  OptionalProtoType, SequenceProtoType, TensorProtoType, decodeMessage, has,
  type OptionalProto, type SequenceProto, type TensorProto,
} from './proto.js';
import { tensorFromProto } from './tensor-proto.js';

const ELEM = { UNDEFINED: 0, TENSOR: 1, SPARSE_TENSOR: 2, SEQUENCE: 3, MAP: 4, OPTIONAL: 5 } as const;

/** Decodes a serialized TensorProto. */
export function readTensorProto(bytes: Uint8Array, opts: ExternalDataOptions = {}): Tensor {
  return tensorFromProto(decodeMessage<TensorProto>(TensorProtoType, bytes, 'TensorProto'), opts);
}

/**
 * Decodes a value file. With `type` the message kind follows it (tensor / sequence / optional); without,
 * a TensorProto is tried first, then SequenceProto, then OptionalProto.
 */
export function readValueProto(bytes: Uint8Array, type?: ValueType, opts: ExternalDataOptions = {}): Value {
  if (type) {
    switch (type.kind) {
      case 'tensor': return readTensorProto(bytes, opts);
      case 'sequence': return sequenceFromProto(decodeMessage<SequenceProto>(SequenceProtoType, bytes, 'SequenceProto'), opts, type);
      case 'optional': return optionalFromProto(decodeMessage<OptionalProto>(OptionalProtoType, bytes, 'OptionalProto'), opts, type);
      case 'map': throw new TensorJetError('E_UNSUPPORTED_DTYPE', 'map values are not supported');
    }
  }
  try {
    const tp = decodeMessage<TensorProto>(TensorProtoType, bytes, 'TensorProto');
    if (has(tp, 'data_type') && tp.data_type !== 0) return tensorFromProto(tp, opts);
  } catch {
    // not a tensor; try the other kinds
  }
  try {
    const sp = decodeMessage<SequenceProto>(SequenceProtoType, bytes, 'SequenceProto');
    if (has(sp, 'elem_type') && sp.elem_type !== 0) return sequenceFromProto(sp, opts);
  } catch {
    // not a sequence
  }
  return optionalFromProto(decodeMessage<OptionalProto>(OptionalProtoType, bytes, 'value (TensorProto, SequenceProto or OptionalProto)'), opts);
}

function sequenceFromProto(sp: SequenceProto, opts: ExternalDataOptions, type?: ValueType): SequenceValue {
  const what = `sequence '${sp.name || '(unnamed)'}'`;
  if (sp.elem_type !== ELEM.TENSOR && sp.elem_type !== ELEM.UNDEFINED) {
    throw new TensorJetError('E_UNSUPPORTED_DTYPE', `${what}: only sequences of tensors are supported (elem_type ${sp.elem_type})`);
  }
  const items = sp.tensor_values.map((t, i) => tensorFromProto(t, opts, `${what}[${i}]`));
  const seq: SequenceValue = { kind: 'sequence', items };
  const elem = type?.kind === 'sequence' && type.elem.kind === 'tensor' ? type.elem.dtype : items[0]?.dtype;
  if (elem) seq.elemDtype = elem;
  return seq;
}

function optionalFromProto(op: OptionalProto, opts: ExternalDataOptions, type?: ValueType): OptionalValue {
  const what = `optional '${op.name || '(unnamed)'}'`;
  const elemType = type?.kind === 'optional' ? type.elem : undefined;
  if (op.tensor_value) return { kind: 'optional', value: tensorFromProto(op.tensor_value, opts, what) };
  if (op.sequence_value) return { kind: 'optional', value: sequenceFromProto(op.sequence_value, opts, elemType) };
  if (op.sparse_tensor_value || op.map_value || op.optional_value) {
    throw new TensorJetError('E_UNSUPPORTED_DTYPE', `${what}: only optional tensors and sequences are supported`);
  }
  return { kind: 'optional', value: null };
}
