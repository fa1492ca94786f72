/**
 * Engine: a loaded plan on one device. Holds the weights (shared by all its contexts); hands out
 * ExecutionContexts, each with its own scratch state, that run inferences.
 */
import { TensorJetError } from '../errors.js';
import type { Dim } from '../ir/graph.js';
import type { Backend, BackendEngine, HostTensor } from '../backends/backend.js';
import { parsePlan, readFileBytes, checkPlanTarget } from '../plan/read.js';
import type { Plan, PlanHeader, ShapeProfile, ShapeRange } from '../plan/types.js';
import type { DType } from '../tensor/dtype.js';
import { ExecutionContext } from './context.js';
import { tensor } from './tensors.js';
import { parseDeviceSpec, resolveLoadDevice, type DeviceSpec } from './devices.js';

export interface TensorInfo {
  name: string;
  dtype: DType;
  /** dims; dynamic dims are strings (e.g. 'batch', '?') */
  shape: Dim[];
  /** true when some dim is dynamic */
  dynamic: boolean;
  /** this input's range in each profile (inputs only; empty when built without profiles) */
  profiles: ShapeRange[];
}

export interface LoadOptions {
  /** 'cpu', a GPU index, or 'auto' (the plan's kind of device); default 'auto' */
  device?: DeviceSpec;
  /** a backend instance to load with instead of the one `device` selects (custom backends, tests) */
  backend?: Backend;
}

export interface MemoryUsage {
  /** bytes the engine owns on its device (weights, kernels) */
  engineBytes: number;
  /** bytes its live contexts own (scratch arenas, staging) */
  contextBytes: number;
  contexts: number;
}

export class Engine {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  private backendEngine: BackendEngine | undefined;
  private readonly contexts = new Set<ExecutionContext>();

  private constructor(readonly header: PlanHeader, backendEngine: BackendEngine) {
    this.backendEngine = backendEngine;
    const info = (profiles: ShapeProfile[]) => (io: PlanHeader['inputs'][number]): TensorInfo => ({
      name: io.name,
      dtype: io.dtype,
      shape: [...io.shape],
      dynamic: io.shape.some((d) => typeof d !== 'number'),
      profiles: profiles.map((p) => p[io.name]).filter((r): r is ShapeRange => !!r),
    });
    this.inputs = header.inputs.map(info(header.profiles));
    this.outputs = header.outputs.map(info([]));
  }

  /** Loads a plan (path or bytes) onto a device. */
  static async load(plan: string | Uint8Array | Plan, options: LoadOptions = {}): Promise<Engine> {
    const parsed: Plan = plan instanceof Uint8Array ? parsePlan(plan) : typeof plan === 'string' ? parsePlan(readFileBytes(plan, 'plan'), `'${plan}'`) : plan;
    const target = parsed.header.target;
    if (options.backend) {
      const index = typeof options.device === 'number' ? options.device : 0;
      return new Engine(parsed.header, await options.backend.load(parsed, index));
    }
    const spec = parseDeviceSpec(options.device as string | number | undefined, 'auto');
    if (target.backend === 'cpu' && typeof spec === 'number') {
      checkPlanTarget(target, { backend: 'cuda', arch: 'gpu' }, `cuda:${spec}`);
    }
    const device = await resolveLoadDevice(spec, target);
    if (device.info && target.backend === 'cuda') {
      const d = device.info;
      checkPlanTarget(target, { backend: 'cuda', arch: d.arch, deviceName: d.name }, `${device.label} (${d.name}, ${d.arch})`);
    }
    return new Engine(parsed.header, await device.backend.load(parsed, device.index));
  }

  /** 'cpu' or 'cuda:N' */
  get device(): string {
    return this.live().device;
  }

  /** The plan's shape profiles. */
  get profiles(): ShapeProfile[] {
    return this.header.profiles;
  }

  /** @internal */
  live(): BackendEngine {
    if (!this.backendEngine) throw new TensorJetError('E_DISPOSED', 'engine was disposed');
    return this.backendEngine;
  }

  /**
   * A host tensor for inputs and outputs (`infer(feeds, { outputs })`): page-locked on GPU engines, so
   * copies to and from the GPU are direct DMA without a staging copy; plain memory on cpu. Do not change
   * it while an inference that reads or writes it is running; dispose() frees it (GC does too).
   */
  allocHostTensor(dtype: DType, dims: readonly number[]): HostTensor {
    const e = this.live();
    if (e.allocHostTensor) return e.allocHostTensor(dtype, dims);
    return { ...tensor(dtype, dims), pinned: false, dispose() {} };
  }

  createContext(): ExecutionContext {
    const ctx = new ExecutionContext(this, this.live().createContext(), () => this.contexts.delete(ctx));
    this.contexts.add(ctx);
    return ctx;
  }

  memory(): MemoryUsage {
    const e = this.live();
    let contextBytes = 0;
    for (const c of this.contexts) contextBytes += c.memoryBytes();
    return { engineBytes: e.memoryBytes(), contextBytes, contexts: this.contexts.size };
  }

  get disposed(): boolean {
    return !this.backendEngine;
  }

  /** Disposes every context, then the engine's device memory. Idempotent. */
  dispose(): void {
    if (!this.backendEngine) return;
    for (const c of [...this.contexts]) c.dispose();
    this.backendEngine.dispose();
    this.backendEngine = undefined;
  }
}
