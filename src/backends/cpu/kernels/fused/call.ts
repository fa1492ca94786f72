/**
 * Runs an existing CPU kernel from inside a fused kernel: the fused ops' reference semantics are, by
 * construction, the composition of the standard ONNX kernels they replace.
 */
import type { Attribute } from '../../../../ir/graph.js';
import type { Value } from '../../../../ir/value.js';
import { opKey } from '../../../../ir/graph.js';
import type { Tensor } from '../../../../tensor/tensor.js';
import { fromNumbers } from '../../util.js';
import { KernelContext, type CpuKernel, type KernelTable } from '../../kernel.js';
import { kernels as activation } from '../activation.js';
import { kernels as conv } from '../conv.js';
import { kernels as elementwise } from '../elementwise.js';
import { kernels as matmul } from '../matmul.js';
import { kernels as shape } from '../shape.js';
import { kernels as softmax } from '../softmax.js';

const TABLES: KernelTable[] = [activation, conv, elementwise, matmul, shape, softmax];

function lookup(opType: string): CpuKernel | undefined {
  const key = opKey('', opType);
  for (const t of TABLES) if (t[key]) return t[key];
  return undefined;
}

/** Runs ONNX op `opType` (default domain, at `opset`) on `inputs` with `attrs`; returns its first output. */
export function callKernel(
  outer: KernelContext,
  opType: string,
  inputs: (Value | undefined)[],
  attrs: Map<string, Attribute> | Record<string, Attribute> = {},
  opset = 21,
): Tensor {
  const kernel = lookup(opType);
  if (!kernel) throw outer.error(`fused step ${opType} has no CPU kernel`);
  const node = {
    name: `${outer.node.name}/${opType}`,
    opType,
    domain: '',
    inputs: inputs.map((v, i) => (v === undefined ? '' : `in${i}`)),
    outputs: ['out0'],
    attributes: attrs instanceof Map ? attrs : new Map(Object.entries(attrs)),
  };
  const out = kernel(new KernelContext(node, inputs, opset, outer.runSubgraph, outer.graph))[0];
  return out as Tensor;
}

/** A scalar of `dtype` (the dtype of the tensor it combines with). */
export const scalarOf = (dtype: Tensor['dtype'], v: number): Tensor => fromNumbers(dtype, [], [v]);

/** Elementwise ops a FusedElementwise program may hold (and fuse-elementwise may absorb). */
export const FUSABLE_UNARY = [
  'Abs', 'Neg', 'Exp', 'Log', 'Sqrt', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Sign', 'Erf', 'Sin', 'Cos', 'Tanh',
  'Sigmoid', 'Relu', 'LeakyRelu', 'Elu', 'Selu', 'Celu', 'HardSigmoid', 'HardSwish', 'Softplus', 'Softsign', 'Gelu', 'Mish',
  'ThresholdedRelu', 'Clip',
] as const;
export const FUSABLE_BINARY = ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'PRelu'] as const;
export const isFusableElementwise = (op: string): boolean =>
  (FUSABLE_UNARY as readonly string[]).includes(op) || (FUSABLE_BINARY as readonly string[]).includes(op);

/** Looks up the kernel for a program step, so the pass can refuse ops the CPU backend lacks. */
export const hasStepKernel = (op: string): boolean => !!lookup(op);
