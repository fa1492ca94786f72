/** What a CPU reference kernel sees: the node, its attributes, its input values and a way to run subgraphs. */
import { TensorJetError } from '../../errors.js';
import { AttributeReader } from '../../ir/attributes.js';
import type { Graph, Node } from '../../ir/graph.js';
import { isTensor, type Value } from '../../ir/value.js';
import type { Tensor } from '../../tensor/tensor.js';

export type CpuKernel = (ctx: KernelContext) => Value[];

/** Kernels of one op family, keyed by op type (`domain::OpType` outside the default ONNX domain). */
export type KernelTable = Record<string, CpuKernel>;

export interface SubgraphRunner {
  /** Runs `graph` with `feeds` bound to its inputs (outer-scope values stay visible); returns its outputs. */
  (graph: Graph, feeds: Map<string, Value>): Value[];
}

export class KernelContext {
  readonly attrs: AttributeReader;

  constructor(
    readonly node: Node,
    /** one entry per node input; undefined where an optional input is omitted */
    readonly inputs: (Value | undefined)[],
    /** opset version of the node's domain */
    readonly opset: number,
    readonly runSubgraph: SubgraphRunner,
    /** the graph the node belongs to, when the executor knows it (lets Gradient see its forward graph) */
    readonly graph?: Graph,
  ) {
    this.attrs = new AttributeReader(node);
  }

  /** Input `i` as a tensor; throws a clear error if it is missing or not a tensor. */
  input(i: number): Tensor {
    const v = this.inputs[i];
    if (!isTensor(v)) throw this.error(v === undefined ? `input ${i} is required` : `input ${i} must be a tensor`);
    return v;
  }

  /** Input `i` as a tensor, or undefined when omitted (or an empty name). */
  optionalInput(i: number): Tensor | undefined {
    const v = this.inputs[i];
    if (v === undefined) return undefined;
    if (!isTensor(v)) throw this.error(`input ${i} must be a tensor`);
    return v;
  }

  get inputCount(): number {
    return this.inputs.length;
  }

  error(message: string): TensorJetError {
    return new TensorJetError('E_KERNEL', `node '${this.node.name}' (${this.node.opType}): ${message}`, {
      node: this.node.name,
      opType: this.node.opType,
    });
  }
}
