/**
 * The CUDA backend: build-time support check and NVRTC kernel compile for the target GPU, load onto a GPU.
 * Loaded with `await import('../backends/cuda/index.js')`; koffi and the CUDA libraries load on first use.
 */
import { TensorJetError } from '../../errors.js';
import type { Model, Node } from '../../ir/graph.js';
import { normalizeDomain } from '../../ir/graph.js';
import type { Plan } from '../../plan/types.js';
import type { Backend, BuildContext, CompiledSection } from '../backend.js';
import type { KernelRegistry } from '../cpu/registry.js';
import { compileKernels, familiesFor, packKernels } from './compile.js';
import { compileFusedKernels } from './fused-codegen.js';
import { deviceProps, listCudaDevices, unavailableReason } from './devices.js';
import { CudaEngine, type EngineOptions } from './engine.js';
import { HOST_FOLDABLE, LOWERINGS } from './lowering/index.js';
import { tuneConvs } from './tactics.js';
import { tuneGemms } from './gemm-tactics.js';
import { tuneAttention } from './attention-tactics.js';

export { listCudaDevices, unavailableReason } from './devices.js';
export { CudaEngine, CudaContext } from './engine.js';
export { DeviceTensor } from './io-tensors.js';
export type { CudaDeviceInfo } from './devices.js';

/** Op types the CUDA backend runs (support matrix source). */
export function supportedOps(): string[] {
  return Object.keys(LOWERINGS).sort();
}

/** Inputs a lowering needs on the host when the plan is built (shape-like: Reshape's shape, Slice's starts, ...). */
const REDUCE_OPS = ['ReduceSum', 'ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare'];
const STATIC_INPUTS: Record<string, number[]> = {
  Clip: [1, 2], Reshape: [1], Unsqueeze: [1], Squeeze: [1], Slice: [1, 2, 3, 4], Expand: [1], Split: [1],
  Resize: [1, 2, 3], Upsample: [1], Pad: [1, 2, 3], TopK: [1],
  ...Object.fromEntries(REDUCE_OPS.map((op) => [op, [1]])),
};

/**
 * Nodes the CUDA backend cannot run: other domains, ops without a lowering, and shape-like inputs that
 * depend on a runtime input's data (not just its shape), which the GPU plan cannot know when it is built.
 */
function unsupportedNodes(model: Model): Node[] {
  const bad: Node[] = [];
  const g = model.graph;
  const dataDependent = new Set(g.inputs.filter((i) => !g.constants.has(i.name)).map((i) => i.name));
  for (const n of g.nodes) {
    const dom = normalizeDomain(n.domain);
    const lowered = LOWERINGS[dom === '' ? n.opType : `${dom}::${n.opType}`] !== undefined;
    let ok = lowered || (dom === '' && HOST_FOLDABLE.has(n.opType));
    const mustBeStatic = lowered ? (STATIC_INPUTS[n.opType] ?? []) : n.inputs.map((_, i) => i);
    if (ok && mustBeStatic.some((i) => n.inputs[i] && dataDependent.has(n.inputs[i]!))) ok = false;
    if (!ok) bad.push(n);
    if (n.opType !== 'Shape' && n.opType !== 'Size' && n.inputs.some((i) => i && dataDependent.has(i))) n.outputs.forEach((o) => o && dataDependent.add(o));
  }
  return bad;
}

let cpuRegistry: KernelRegistry | undefined;
async function loadCpuRegistry(): Promise<KernelRegistry | undefined> {
  if (cpuRegistry) return cpuRegistry;
  try {
    const m = await import('../cpu/kernels/index.js');
    cpuRegistry = m.createCpuRegistry();
  } catch {
    cpuRegistry = undefined;
  }
  return cpuRegistry;
}

export const cudaBackend: Backend = {
  name: 'cuda',
  unavailableReason,
  unsupportedNodes,
  supportsOp: (domain, opType) => LOWERINGS[normalizeDomain(domain) === '' ? opType : `${normalizeDomain(domain)}::${opType}`] !== undefined,

  async compile(ctx: BuildContext): Promise<CompiledSection> {
    const bad = unsupportedNodes(ctx.model);
    if (bad.length) {
      throw new TensorJetError('E_UNSUPPORTED_OP', `${bad.length} node(s) cannot run on CUDA: ${bad.slice(0, 10).map((n) => `'${n.name}' (${n.opType})`).join(', ')}${bad.length > 10 ? ', ...' : ''}`, {
        nodes: bad.map((n) => n.name),
      });
    }
    // target arch: options.arch (cross-build without a GPU) or the build GPU's compute capability
    let arch = typeof ctx.options.arch === 'string' ? ctx.options.arch : undefined;
    let deviceName: string | undefined;
    if (!arch) {
      const p = deviceProps(ctx.device);
      arch = p.arch;
      deviceName = p.name;
    }
    const modules = [...(await compileKernels(arch, ctx.onProgress, familiesFor(ctx.model))), ...(await compileFusedKernels(ctx.model, arch, ctx.onProgress))];
    // conv, GEMM and attention tactics are timed on the build GPU (none when cross-building for options.arch)
    const registry = await loadCpuRegistry();
    const tune = deviceName && registry ? { model: ctx.model, profiles: ctx.profiles, device: ctx.device, arch, cpuRegistry: () => registry, onProgress: ctx.onProgress } : undefined;
    const tactics = tune ? await tuneConvs(tune) : {};
    const gemms = tune ? await tuneGemms(tune) : {};
    const attention = tune ? await tuneAttention(tune, modules) : {};
    return { target: { backend: 'cuda', arch, deviceName }, kernels: packKernels(arch, modules, { tactics, gemms, attention }), model: ctx.model };
  },

  async load(plan: Plan, device: number, options: EngineOptions = {}): Promise<CudaEngine> {
    const why = unavailableReason();
    if (why) throw new TensorJetError('E_DEVICE', `CUDA backend unavailable: ${why}`);
    return new CudaEngine(plan, device, options, await loadCpuRegistry());
  },
} as Backend & { load(plan: Plan, device: number, options?: EngineOptions): Promise<CudaEngine> };

export { listCudaDevices as devices };
