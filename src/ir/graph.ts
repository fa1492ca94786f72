/**
 * The graph IR. Every value is either a constant (`graph.constants`, from initializers, Constant nodes
 * or folding) or a runtime tensor produced by a node or fed as a graph input.
 */
import type { Tensor } from '../tensor/tensor.js';
import type { DType } from '../tensor/dtype.js';

/** A dimension: a concrete size, or a symbolic name (e.g. 'batch'); `undefined` means unknown. */
export type Dim = number | string;

export type ValueType =
  | { kind: 'tensor'; dtype: DType; shape?: Dim[] }
  | { kind: 'sequence'; elem: ValueType }
  | { kind: 'optional'; elem: ValueType }
  | { kind: 'map'; key: DType; value: ValueType };

export interface ValueInfo {
  name: string;
  type: ValueType;
  docString?: string;
}

export type Attribute =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: Tensor }
  | { type: 'graph'; value: Graph }
  | { type: 'floats'; value: number[] }
  | { type: 'ints'; value: number[] }
  | { type: 'strings'; value: string[] }
  | { type: 'tensors'; value: Tensor[] }
  | { type: 'graphs'; value: Graph[] };

export interface Node {
  name: string;
  opType: string;
  /** '' (or 'ai.onnx') for the default domain */
  domain: string;
  /** value names; '' marks an omitted optional input */
  inputs: string[];
  outputs: string[];
  attributes: Map<string, Attribute>;
}

export interface Graph {
  name: string;
  nodes: Node[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  /** constants by value name (initializers and folded values) */
  constants: Map<string, Tensor>;
  /** intermediate value types, where known */
  valueInfo: Map<string, ValueInfo>;
}

/** A model-local function (FunctionProto), inlined by the importer. */
export interface FunctionDef {
  name: string;
  domain: string;
  inputs: string[];
  outputs: string[];
  attributeNames: string[];
  attributeDefaults: Map<string, Attribute>;
  nodes: Node[];
  opsets: Map<string, number>;
}

export interface Model {
  irVersion: number;
  /** opset version per domain ('' is the default ONNX domain) */
  opsets: Map<string, number>;
  producerName: string;
  producerVersion: string;
  graph: Graph;
}

export const normalizeDomain = (d: string | undefined): string => (!d || d === 'ai.onnx' ? '' : d);

/** Registry key of an op: `OpType`, or `domain::OpType` outside the default ONNX domain. */
export const opKey = (domain: string, opType: string): string => {
  const d = normalizeDomain(domain);
  return d ? `${d}::${opType}` : opType;
};

/** Opset version of a node's domain in this model (default domain when absent). */
export function opsetOf(model: Pick<Model, 'opsets'>, domain: string): number {
  return model.opsets.get(normalizeDomain(domain)) ?? 1;
}

export function emptyGraph(name = 'main'): Graph {
  return { name, nodes: [], inputs: [], outputs: [], constants: new Map(), valueInfo: new Map() };
}
