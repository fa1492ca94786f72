/**
 * Op declarations: one place per op family declares each op's shape (and dtype) inference.
 * Inference works on ValueMeta: dtype + shape (dims may be symbolic strings) + the value when constant.
 */
import { AttributeReader } from '../ir/attributes.js';
import type { Dim, Node } from '../ir/graph.js';
import type { DType } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';

export interface ValueMeta {
  dtype: DType;
  /** undefined when the rank is unknown */
  shape?: Dim[];
  /** the value, when it is a known constant (lets Reshape/Expand/... infer from shape inputs) */
  value?: Tensor;
  /** the elements of a rank-0/1 integer value known only as dims (symbolic-value.ts), e.g. Shape of [batch, 128] */
  symValue?: Dim[];
}

export interface InferContext {
  node: Node;
  attrs: AttributeReader;
  opset: number;
  /** one per node input; undefined where omitted or unknown */
  inputs: (ValueMeta | undefined)[];
}

export interface OpSchema {
  opType: string;
  /** '' for the default ONNX domain */
  domain?: string;
  /** Output metas (undefined entries where unknown). Absent: outputs are unknown until run. */
  infer?: (ctx: InferContext) => (ValueMeta | undefined)[];
}

export function makeInferContext(node: Node, opset: number, inputs: (ValueMeta | undefined)[]): InferContext {
  return { node, attrs: new AttributeReader(node), opset, inputs };
}

/** Output has the same dtype and shape as input 0 (unary elementwise ops). */
export const sameAsInput0 = (ctx: InferContext): (ValueMeta | undefined)[] => {
  const a = ctx.inputs[0];
  return [a ? { dtype: a.dtype, shape: a.shape } : undefined];
};
