/**
 * The CPU backend: the reference every GPU kernel is checked against, and the default where no GPU is
 * present. An engine holds the plan's graph and weights (shared by all its contexts); a context runs
 * the graph with the reference kernels, one inference at a time.
 */
import { cpus } from 'node:os';
import { TensorJetError } from '../../errors.js';
import type { Graph, Model, Node } from '../../ir/graph.js';
import type { Value } from '../../ir/value.js';
import { checkPlanTarget } from '../../plan/read.js';
import type { Plan, PlanTarget } from '../../plan/types.js';
import type { Tensor } from '../../tensor/tensor.js';
import type { Backend, BackendContext, BackendEngine, BuildContext, CompiledSection } from '../backend.js';
import { executeGraph } from './executor.js';
import { createCpuRegistry } from './kernels/index.js';
import type { KernelRegistry } from './registry.js';

export const CPU_TARGET: PlanTarget = { backend: 'cpu', arch: 'cpu' };

/** Every node of `graph` and of its subgraphs (If/Loop/Scan bodies), depth first. */
export function* walkNodes(graph: Graph): Generator<Node> {
  for (const node of graph.nodes) {
    yield node;
    for (const a of node.attributes.values()) {
      if (a.type === 'graph') yield* walkNodes(a.value);
      else if (a.type === 'graphs') for (const g of a.value) yield* walkNodes(g);
    }
  }
}

function graphWeightBytes(graph: Graph): number {
  let bytes = 0;
  const seen = new Set<Tensor>();
  const add = (t: Tensor) => {
    if (seen.has(t) || t.dtype === 'string') return;
    seen.add(t);
    bytes += (t.data as ArrayBufferView).byteLength;
  };
  const visit = (g: Graph) => {
    g.constants.forEach(add);
    for (const n of g.nodes) {
      for (const a of n.attributes.values()) {
        if (a.type === 'tensor') add(a.value);
        else if (a.type === 'tensors') a.value.forEach(add);
        else if (a.type === 'graph') visit(a.value);
        else if (a.type === 'graphs') a.value.forEach(visit);
      }
    }
  };
  visit(graph);
  return bytes;
}

class CpuContext implements BackendContext {
  private disposed = false;
  constructor(private readonly engine: CpuEngine) {}

  async infer(feeds: Map<string, Tensor>): Promise<Map<string, Tensor>> {
    // Yield first so that callers dispatching many requests get their promises before any work runs.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (this.disposed) throw new TensorJetError('E_DISPOSED', 'execution context was disposed');
    const { graph, opsets, registry } = this.engine.state();
    const values = executeGraph(graph, feeds as Map<string, Value>, { registry, opsets });
    const out = new Map<string, Tensor>();
    // Sequence/optional graph outputs pass through as they are (rare in inference plans).
    graph.outputs.forEach((o, i) => out.set(o.name, values[i] as Tensor));
    return out;
  }

  memoryBytes(): number {
    return 0;
  }

  dispose(): void {
    this.disposed = true;
  }
}

class CpuEngine implements BackendEngine {
  readonly backend = 'cpu' as const;
  readonly device = 'cpu';
  private plan: Plan | undefined;
  private readonly weightBytes: number;

  constructor(plan: Plan, private readonly registry: KernelRegistry) {
    this.plan = plan;
    this.weightBytes = graphWeightBytes(plan.model.graph);
  }

  state(): { graph: Graph; opsets: Map<string, number>; registry: KernelRegistry } {
    if (!this.plan) throw new TensorJetError('E_DISPOSED', 'engine was disposed');
    return { graph: this.plan.model.graph, opsets: this.plan.model.opsets, registry: this.registry };
  }

  createContext(): BackendContext {
    this.state();
    return new CpuContext(this);
  }

  memoryBytes(): number {
    return this.plan ? this.weightBytes : 0;
  }

  dispose(): void {
    this.plan = undefined;
  }
}

export class CpuBackend implements Backend {
  readonly name = 'cpu' as const;
  readonly registry: KernelRegistry;

  /** `registry` replaces the built-in reference kernels (tests, custom ops). */
  constructor(opts: { registry?: KernelRegistry } = {}) {
    this.registry = opts.registry ?? createCpuRegistry();
  }

  unavailableReason(): string | undefined {
    return undefined;
  }

  supportsOp(domain: string, opType: string): boolean {
    return this.registry.has(domain, opType);
  }

  unsupportedNodes(model: Model): Node[] {
    return [...walkNodes(model.graph)].filter((n) => !this.supportsOp(n.domain, n.opType));
  }

  async compile(ctx: BuildContext): Promise<CompiledSection> {
    return {
      target: { ...CPU_TARGET, deviceName: cpus()[0]?.model?.trim() || 'cpu' },
      kernels: new Uint8Array(0),
      model: ctx.model,
    };
  }

  async load(plan: Plan, _device: number): Promise<BackendEngine> {
    checkPlanTarget(plan.header.target, CPU_TARGET, 'cpu');
    return new CpuEngine(plan, this.registry);
  }
}

let defaultBackend: CpuBackend | undefined;

/** The shared CPU backend with the built-in reference kernels. */
export function cpuBackend(): CpuBackend {
  return (defaultBackend ??= new CpuBackend());
}
