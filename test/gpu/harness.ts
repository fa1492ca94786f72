/** GPU test helpers: in-memory plans for one-node models, kernels compiled once per arch. */
import type { Attribute, Model, Node } from '../../src/ir/graph.js';
import type { Plan } from '../../src/plan/types.js';
import type { Tensor } from '../../src/tensor/tensor.js';

let kernelSection: Uint8Array | undefined;
let kernelArch: string | undefined;

/** Compiles (once) every kernel family for GPU `device` and returns the packed section. */
export async function kernelsFor(device = 0): Promise<{ arch: string; kernels: Uint8Array; deviceName: string }> {
  const { deviceProps } = await import('../../src/backends/cuda/devices.js');
  const { compileKernels, packKernels } = await import('../../src/backends/cuda/compile.js');
  const p = deviceProps(device);
  if (!kernelSection || kernelArch !== p.arch) {
    kernelSection = packKernels(p.arch, await compileKernels(p.arch));
    kernelArch = p.arch;
  }
  return { arch: p.arch, kernels: kernelSection, deviceName: p.name };
}

export function oneNodeModel(
  opType: string,
  inputs: { name: string; t: Tensor; constant?: boolean }[],
  attrs: Record<string, Attribute>,
  outputs: string[],
  opset: number,
  domain = '',
): Model {
  const node: Node = { name: `${opType}_0`, opType, domain, inputs: inputs.map((i) => i.name), outputs, attributes: new Map(Object.entries(attrs)) };
  return {
    irVersion: 8,
    opsets: new Map(domain ? [['', opset], [domain, 1]] : [['', opset]]),
    producerName: 'tensorjet-gpu-test',
    producerVersion: '0',
    graph: {
      name: opType,
      nodes: [node],
      inputs: inputs.filter((i) => !i.constant).map((i) => ({ name: i.name, type: { kind: 'tensor' as const, dtype: i.t.dtype, shape: [...i.t.dims] } })),
      outputs: outputs.map((o) => ({ name: o, type: { kind: 'tensor' as const, dtype: 'float32' as const } })),
      constants: new Map(inputs.filter((i) => i.constant).map((i) => [i.name, i.t])),
      valueInfo: new Map(),
    },
  };
}

export function planOf(model: Model, arch: string, kernels: Uint8Array, deviceName?: string): Plan {
  const ins = model.graph.inputs.map((i) => ({ name: i.name, dtype: i.type.kind === 'tensor' ? i.type.dtype : 'float32', shape: i.type.kind === 'tensor' ? (i.type.shape ?? []) : [], mode: 'input' as const }));
  return {
    header: {
      formatVersion: 1,
      producer: 'tensorjet-gpu-test',
      createdAt: new Date().toISOString(),
      target: { backend: 'cuda', arch, deviceName },
      precision: 'fp32',
      inputs: ins,
      outputs: model.graph.outputs.map((o) => ({ name: o.name, dtype: 'float32', shape: [], mode: 'output' as const })),
      profiles: [],
      buildOptions: {},
      sourceModelHash: '',
      opCounts: {},
      weightBytes: 0,
    },
    model,
    kernels,
  };
}
