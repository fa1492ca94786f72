/** Runtime values: tensors, sequences of tensors, and optionals. */
import type { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';

export interface SequenceValue {
  kind: 'sequence';
  /** element dtype, when known (an empty sequence still has one) */
  elemDtype?: DType;
  items: Tensor[];
}

export interface OptionalValue {
  kind: 'optional';
  value: Tensor | SequenceValue | null;
}

export type Value = Tensor | SequenceValue | OptionalValue;

export function isTensor(v: Value | undefined | null): v is Tensor {
  return !!v && (v as Tensor).dims !== undefined;
}

export function isSequence(v: Value | undefined | null): v is SequenceValue {
  return !!v && (v as SequenceValue).kind === 'sequence';
}

export function isOptional(v: Value | undefined | null): v is OptionalValue {
  return !!v && (v as OptionalValue).kind === 'optional';
}
