/**
 * CUDA engine (weights + kernels on one GPU, shared) and execution contexts (own stream, scratch arena,
 * pinned staging, per-shape plans replayed as CUDA graphs). Inference never blocks the event loop.
 */
import { TensorJetError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { allocTensor, formatBytes, sameDims } from '../../tensor/tensor.js';
import type { DType } from '../../tensor/dtype.js';
import type { Plan } from '../../plan/types.js';
import type { BackendContext, BackendEngine, HostTensor, InferOptions } from '../backend.js';
import type { KernelRegistry } from '../cpu/registry.js';
import { unpackKernels, type KernelFamily } from './compile.js';
import { CudaDevice, type WaitHint } from './device.js';
import { callerDeviceOutput, callerOutput, DeviceTensor, hostBytes } from './io-tensors.js';
import { allocPinned, CU_EVENT_DISABLE_TIMING, CU_STREAM_NON_BLOCKING, freePinned, type PinnedBuffer } from './ffi/driver.js';
import { cublasLtCreate, cublasLtDestroy, LtMatmul, type MatmulSpec } from './ffi/cublaslt.js';
import type { KArg, Launcher } from './lowering/types.js';
import { byteSize, numelOf } from './lowering/types.js';
import { ALIGN } from './memory.js';
import { buildShapePlan, enqueuePlan, shapeKey, valuePtr, type ShapePlan } from './planner.js';
import { ConvRunner } from './conv-runner.js';
import { AttentionRunner, attentionRunnerNeeded } from './attention-runner.js';
import type { SdpaSpec, SdpaTactic } from './ffi/cudnn-sdpa.js';
import type { ConvAlgo, ConvSpec } from './ffi/cudnn.js';
import { CONV_OPS, tacticMap } from './tactics.js';
import { gemmPick, type GemmTactic } from './gemm-tactics.js';
import { captureGraph } from './graph-capture.js';
import { KernelLauncher, pdlUsable } from './kernel-launch.js';
import { memsetEdit } from './graph-memsets.js';
import { allocPinnedTensor, pinnedAddress } from './pinned.js';
import { bindDeviceIO, BoundGraphs, type Binding } from './io-binding.js';
import { elapsedMs, enqueueProfiled, summarize, type LayerProfile } from './profile.js';

const alignUp = (n: number) => Math.ceil(n / ALIGN) * ALIGN;
/** Whether two calls' input shapes are the same (the same input names, as checkFeeds guarantees). */
function sameShapes(a: Map<string, { dims: number[] }>, b: Map<string, { dims: number[] }>): boolean {
  for (const [name, v] of b) {
    const w = a.get(name);
    if (!w || !sameDims(w.dims, v.dims)) return false;
  }
  return true;
}
/** Host inputs are staged and uploaded in pieces of this size (copy and DMA overlap). */
const STAGING_CHUNK = 4 << 20;
/** cuBLASLt workspace; it lives at the start of each context's scratch arena (none when no matmul). */
const LT_WORKSPACE = 32 << 20;
// FusedGemm too: a plan whose GEMMs are all fused needs the workspace as much (cuBLASLt split-K algorithms write there)
const MATMUL_OPS = new Set(['MatMul', 'Gemm', 'FusedGemm', ...CONV_OPS]);
const PAGE = 2 << 20;

/** Per-phase GPU times of one inference (CUDA events on the context's stream), in milliseconds. */
export interface PhaseTimes {
  h2dMs: number;
  computeMs: number;
  d2hMs: number;
}

export interface EngineOptions {
  /** capture per-shape CUDA graphs (default true) */
  graphs?: boolean;
  tf32?: boolean;
  /** fill the scratch arena with 0xFF bytes (NaN for floats) before each run, so unwritten outputs show */
  poison?: boolean;
}

export class CudaEngine implements BackendEngine {
  readonly backend = 'cuda' as const;
  readonly device: string;
  readonly dev: CudaDevice;
  readonly lt: number;
  private readonly modules = new Map<string, number>();
  private readonly functions = new Map<string, number>();
  readonly weights = new Map<string, number>();
  private weightBuf = 0;
  private weightBytes = 0;
  private kernelBytes = 0;
  private readonly contexts = new Set<CudaContext>();
  private disposed = false;
  private cpu?: KernelRegistry;
  /** bytes of cuBLASLt workspace each context reserves in its arena */
  readonly ltWorkspaceBytes: number;
  /** conv key -> algorithm tuned at build (tactics.ts) */
  readonly convTactics: Map<string, ConvAlgo>;
  /** GEMM key -> cuBLASLt heuristic rank tuned at build (gemm-tactics.ts) */
  readonly gemmTactics: Map<string, GemmTactic>;
  /** attention key -> cuDNN engine config that beat TensorJet's kernel at build (attention-tactics.ts) */
  readonly attentionTactics: Map<string, SdpaTactic>;
  readonly hasConv: boolean;
  /** kernels launch as programmatic dependents (kernel-launch.ts) */
  readonly pdl: boolean;

  constructor(
    readonly plan: Plan,
    deviceIndex: number,
    readonly options: EngineOptions,
    cpuRegistry: KernelRegistry | undefined,
  ) {
    this.cpu = cpuRegistry;
    this.ltWorkspaceBytes = plan.model.graph.nodes.some((n) => MATMUL_OPS.has(n.opType)) ? LT_WORKSPACE : 0;
    this.dev = new CudaDevice(deviceIndex);
    this.device = `cuda:${deviceIndex}`;
    const target = plan.header.target;
    if (target.backend !== 'cuda' || target.arch !== this.dev.arch) {
      const built = target.backend === 'cuda' ? target.arch : `backend '${target.backend}'`;
      throw new TensorJetError('E_PLAN_TARGET', `plan built for ${built} cannot run on GPU ${deviceIndex} (${this.dev.name}, ${this.dev.arch})`, { device: deviceIndex, planArch: target.arch, deviceArch: this.dev.arch });
    }
    const { d } = this.dev;
    const { modules, tactics, gemms, attention, pdl } = unpackKernels(plan.kernels);
    this.pdl = pdlUsable(d, this.dev.arch, pdl);
    this.convTactics = tacticMap(tactics);
    this.gemmTactics = new Map(Object.entries(gemms ?? {}));
    this.attentionTactics = new Map(Object.entries(attention ?? {}));
    this.hasConv = plan.model.graph.nodes.some((n) => CONV_OPS.has(n.opType));
    for (const m of modules) {
      const image = Buffer.from(m.cubin);
      this.modules.set(m.family, d.out('cuModuleLoadData', image));
      this.kernelBytes += m.cubin.length;
    }
    this.uploadWeights();
    this.lt = cublasLtCreate();
  }

  /** All constants in one device buffer, uploaded once and shared by every context. */
  private uploadWeights(): void {
    const consts = [...this.plan.model.graph.constants].filter(([, t]) => t.dtype !== 'string' && numelOf(t.dims) > 0);
    let total = 0;
    const offs = consts.map(([, t]) => {
      const o = total;
      total += alignUp(numelOf(t.dims) * byteSize(t.dtype));
      return o;
    });
    this.weightBytes = total;
    if (!total) return;
    this.weightBuf = this.dev.alloc(total, 'weights');
    consts.forEach(([name, t], i) => {
      const bytes = hostBytes(t, name);
      this.dev.d.check(this.dev.d.fn.cuMemcpyHtoD(this.weightBuf + offs[i], bytes, bytes.length), 'cuMemcpyHtoD(weights)');
      this.weights.set(name, this.weightBuf + offs[i]);
    });
  }

  fn(family: KernelFamily, name: string): number {
    let f = this.functions.get(name);
    if (f !== undefined) return f;
    const mod = this.modules.get(family);
    if (mod === undefined) throw new TensorJetError('E_PLAN_CORRUPT', `CUDA kernel module '${family}' is missing from the plan`);
    f = this.dev.d.out('cuModuleGetFunction', mod, name);
    this.functions.set(name, f);
    return f;
  }

  cpuRegistry(): KernelRegistry {
    if (!this.cpu) throw new TensorJetError('E_UNSUPPORTED_OP', 'plan-time shape arithmetic needs the CPU reference kernels, which were not provided');
    return this.cpu;
  }

  /** A page-locked host tensor (any GPU can DMA it): infer() reads inputs from / writes outputs into it directly. */
  allocHostTensor(dtype: DType, dims: readonly number[]): HostTensor {
    if (this.disposed) throw new TensorJetError('E_DISPOSED', `engine on ${this.device} was disposed`);
    this.dev.makeCurrent();
    return allocPinnedTensor(this.dev.d, dtype, dims);
  }

  createContext(): CudaContext {
    if (this.disposed) throw new TensorJetError('E_DISPOSED', `engine on ${this.device} was disposed`);
    const c = new CudaContext(this);
    this.contexts.add(c);
    return c;
  }

  forget(c: CudaContext): void {
    this.contexts.delete(c);
  }

  memoryBytes(): number {
    return this.weightBytes + this.kernelBytes;
  }

  dispose(): void {
    if (this.disposed) return;
    for (const c of [...this.contexts]) c.dispose();
    this.disposed = true;
    this.dev.makeCurrent();
    cublasLtDestroy(this.lt);
    for (const m of this.modules.values()) this.dev.d.fn.cuModuleUnload(m);
    this.dev.free(this.weightBuf);
    this.dev.release();
  }
}

interface PlanState {
  plan: ShapePlan;
  staging: { offset: number; bytes: number }[];
  outStaging: { offset: number; bytes: number }[];
  stagingBytes: number;
  exec?: number;
  noGraph?: boolean;
  /** ran once eagerly (libraries such as cuDNN load kernels lazily on first use, never inside a capture) */
  warmed?: boolean;
  /** how long this shape's inferences take to complete once enqueued (device.ts waitEvent) */
  wait: WaitHint;
  /** graphs of device I/O bindings (io-binding.ts), and the last binding */
  bound: BoundGraphs;
  binding?: Binding;
}

export class CudaContext implements BackendContext, Launcher {
  private readonly stream: number;
  private readonly done: number;
  private arena = 0;
  private arenaBytes = 0;
  /** arena = [cuBLASLt workspace | activations]; base = first activation byte */
  private readonly ws: number;
  private readonly launcher: KernelLauncher;
  private staging?: PinnedBuffer;
  private stagingBytes = 0;
  private readonly plans = new Map<string, PlanState>();
  /** the input shapes of the last call and their plan (repeated shapes skip the key) */
  private lastPlan?: { inputs: Map<string, { dims: number[] }>; st: PlanState };
  /** the plan whose host values (ShapePlan.stagedInputs[].host) the arena holds */
  private resident?: PlanState;
  private readonly matmuls = new Map<string, LtMatmul>();
  private readonly convs?: ConvRunner;
  private readonly attn?: AttentionRunner;
  private chain: Promise<unknown> = Promise.resolve();
  private disposed = false;

  constructor(private readonly engine: CudaEngine) {
    const dev = engine.dev;
    dev.makeCurrent();
    this.stream = dev.d.out('cuStreamCreate', CU_STREAM_NON_BLOCKING);
    this.done = dev.d.out('cuEventCreate', CU_EVENT_DISABLE_TIMING);
    this.ws = engine.ltWorkspaceBytes;
    this.launcher = new KernelLauncher(dev.d, this.stream, engine.pdl);
    if (engine.hasConv) this.convs = new ConvRunner(this.stream, engine.convTactics, this.ws);
    if (attentionRunnerNeeded(engine.attentionTactics)) this.attn = new AttentionRunner(dev, this.stream, engine.attentionTactics);
    // size the arena for each profile's max shapes up front
    for (const profile of engine.plan.header.profiles) {
      const inputs = new Map(engine.plan.header.inputs.map((io) => [io.name, { dtype: io.dtype, dims: profile[io.name]?.max ?? io.shape.map((d) => (typeof d === 'number' ? d : 1)) }]));
      try {
        this.ensureArena(this.planFor(inputs).plan.arenaBytes);
      } catch (e) {
        if (!(e instanceof TensorJetError) || e.code === 'E_CUDA') throw e;
      }
    }
  }

  get streamHandle(): number {
    return this.stream;
  }

  /** Device bytes: the scratch arena (activations + cuBLASLt workspace). Staging and params are pinned host memory. */
  memoryBytes(): number {
    return this.arenaBytes;
  }

  private get base(): number {
    return this.arena + this.ws;
  }

  private planFor(inputs: Map<string, { dtype: DType; dims: number[] }>): PlanState {
    const last = this.lastPlan;
    if (last && sameShapes(last.inputs, inputs)) return last.st;
    const key = shapeKey(inputs);
    let st = this.plans.get(key);
    if (st) {
      this.lastPlan = { inputs, st };
      return st;
    }
    const plan = buildShapePlan({ graph: this.engine.plan.model.graph, opsets: this.engine.plan.model.opsets, weights: this.engine.weights, inputs, cpuRegistry: () => this.engine.cpuRegistry() });
    let off = 0;
    const staging = plan.stagedInputs.map((s) => ({ offset: (off = alignUp(off)), bytes: (off += s.value.bytes, s.value.bytes) }));
    const outStaging = plan.outputs.map((v) => ({ offset: (off = alignUp(off)), bytes: (off += v.bytes, v.bytes) }));
    st = { plan, staging, outStaging, stagingBytes: off, wait: { ms: 0 }, bound: new BoundGraphs((exec) => this.engine.dev.d.fn.cuGraphExecDestroy(exec)) };
    this.plans.set(key, st);
    this.lastPlan = { inputs, st };
    return st;
  }

  private ensureArena(activationBytes: number): void {
    // cuMemAlloc hands out 2 MiB pages for large buffers: reserve (and report) what the allocation really costs
    const raw = this.ws + activationBytes;
    const bytes = raw >= PAGE ? Math.ceil(raw / PAGE) * PAGE : raw;
    if (bytes <= this.arenaBytes) return;
    const dev = this.engine.dev;
    dev.d.check(dev.d.fn.cuStreamSynchronize(this.stream), 'cuStreamSynchronize');
    dev.free(this.arena);
    this.arena = 0;
    this.arena = dev.alloc(bytes, `scratch arena (${formatBytes(bytes)})`);
    this.arenaBytes = bytes;
    this.resident = undefined;
    for (const st of this.plans.values()) this.dropGraph(st); // captured pointers are stale
  }

  private ensureStaging(bytes: number): void {
    if (this.staging && bytes <= this.stagingBytes) return;
    const d = this.engine.dev.d;
    if (this.staging) freePinned(d, this.staging);
    this.staging = allocPinned(d, bytes);
    this.stagingBytes = Math.max(bytes, 256);
  }

  private dropGraph(st: PlanState): void {
    const { d } = this.engine.dev;
    if (st.exec) d.fn.cuGraphExecDestroy(st.exec);
    st.exec = undefined;
    st.bound.clear();
  }

  infer(feeds: Map<string, Tensor>, options: InferOptions = {}): Promise<Map<string, Tensor>> {
    const run = this.chain.then(() => this.inferNow(feeds, options));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private timing?: number[];

  /**
   * One inference with CUDA timing events around H2D, compute and D2H on this context's stream (a separate
   * measurement pass: plain infer() records no timing events, so graph replays stay as fast as they are).
   */
  phaseTimes(feeds: Map<string, Tensor>): Promise<PhaseTimes> {
    const run = this.chain.then(async () => {
      const { d } = this.engine.dev;
      this.engine.dev.makeCurrent();
      this.timing ??= [0, 1, 2, 3].map(() => d.out('cuEventCreate', 0));
      await this.inferNow(feeds, {}, this.timing);
      const ms = (a: number, b: number) => {
        const out: [number] = [0];
        d.check(d.fn.cuEventElapsedTime(out, this.timing![a], this.timing![b]), 'cuEventElapsedTime');
        return out[0];
      };
      return { h2dMs: ms(0, 1), computeMs: ms(1, 2), d2hMs: ms(2, 3) };
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * Per-layer profile: after one warm-up inference, `runs` inferences whose steps are bracketed by timing
   * events, captured into one CUDA graph (eager enqueue when graphs are off or capture fails); per-node
   * medians plus H2D / compute / D2H (profile.ts).
   */
  profile(feeds: Map<string, Tensor>, runs = 20): Promise<LayerProfile> {
    const run = this.chain.then(async () => {
      const { dev } = this.engine;
      const { d } = dev;
      dev.makeCurrent();
      this.timing ??= [0, 1, 2, 3].map(() => d.out('cuEventCreate', 0));
      const st = this.planFor(this.checkFeeds(feeds));
      const steps = st.plan.steps.length;
      const events = Array.from({ length: steps + 1 }, () => d.out('cuEventCreate', 0));
      let exec = 0;
      try {
        await this.inferNow(feeds, {});
        if (this.engine.options.graphs !== false && !st.noGraph) {
          try {
            exec = this.capture(() => enqueueProfiled(st.plan, this.base, this, d, events, this.stream, true));
          } catch {
            exec = 0; // e.g. a driver without event-record nodes: eager timing below
          }
        }
        const samples: { steps: number[]; h2d: number; compute: number; d2h: number }[] = [];
        for (let r = 0; r < runs; r++) {
          await this.inferNow(feeds, {}, this.timing, events, exec);
          const t = this.timing;
          samples.push({
            steps: Array.from({ length: steps }, (_, i) => elapsedMs(d, events[i], events[i + 1])),
            h2d: elapsedMs(d, t[0], t[1]), compute: elapsedMs(d, t[1], t[2]), d2h: elapsedMs(d, t[2], t[3]),
          });
        }
        return summarize(st.plan, samples, exec ? 'graph' : 'eager');
      } finally {
        if (exec) d.fn.cuGraphExecDestroy(exec);
        for (const e of events) d.fn.cuEventDestroy(e);
      }
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async inferNow(feeds: Map<string, Tensor>, options: InferOptions, timing?: number[], stepEvents?: number[], profileExec = 0): Promise<Map<string, Tensor>> {
    if (this.disposed) throw new TensorJetError('E_DISPOSED', 'execution context was disposed');
    const { dev } = this.engine;
    const { d } = dev;
    dev.makeCurrent();
    const inputs = this.checkFeeds(feeds);
    const st = this.planFor(inputs);
    const { plan } = st;
    this.ensureArena(plan.arenaBytes);
    this.ensureStaging(st.stagingBytes);
    const staging = this.staging!;
    const poison = this.engine.options.poison && this.arenaBytes;
    if (poison) d.check(d.fn.cuMemsetD32Async(this.arena, 0xffffffff, this.arenaBytes / 4, this.stream), 'cuMemsetD32Async');
    // plan-time host values keep their own slots: still in place when the arena last ran this plan
    const hostValuesResident = this.resident === st && !poison;
    const mark = (i: number) => timing && d.check(d.fn.cuEventRecord(timing[i], this.stream), 'cuEventRecord');
    const device = options.outputLocation === 'device';
    // the caller's device tensors for the outputs (no allocation per call); device inputs and these outputs
    // are bound in place on plain inferences
    const given = plan.outputs.map((v) => (device ? callerDeviceOutput(options, v.name, v.dtype, v.dims, dev.index) : undefined));
    const binding = timing || stepEvents ? undefined : (st.binding = bindDeviceIO(plan, this.base, feeds, given, st.binding));
    mark(0);
    // inputs: host tensors through pinned staging, device tensors device-to-device
    plan.stagedInputs.forEach((s, i) => {
      if (binding?.inputs.has(i) || (s.host && hostValuesResident)) return;
      const dst = valuePtr(plan, s.value, this.base);
      const feed = s.host ?? feeds.get(s.value.name)!;
      if (feed instanceof DeviceTensor) {
        d.check(d.fn.cuMemcpyDtoDAsync(dst, feed.ptr, s.value.bytes, this.stream), 'cuMemcpyDtoDAsync');
        return;
      }
      // chunked, so the DMA of one chunk overlaps the host copy of the next into pinned memory
      const { offset, bytes } = st.staging[i];
      const src = hostBytes(feed, s.value.name);
      const pinned = pinnedAddress(src, `input '${s.value.name}'`);
      if (pinned !== undefined) {
        if (bytes) d.check(d.fn.cuMemcpyHtoDAsync(dst, pinned, bytes, this.stream), 'cuMemcpyHtoDAsync');
        return;
      }
      for (let o = 0; o < bytes; o += STAGING_CHUNK) {
        const n = Math.min(STAGING_CHUNK, bytes - o);
        staging.bytes.set(n === bytes ? src : src.subarray(o, o + n), offset + o);
        d.check(d.fn.cuMemcpyHtoDAsync(dst + o, staging.address + offset + o, n, this.stream), 'cuMemcpyHtoDAsync');
      }
    });
    this.resident = st;
    mark(1);
    if (profileExec) d.check(d.fn.cuGraphLaunch(profileExec, this.stream), 'cuGraphLaunch(profile)');
    else if (stepEvents) enqueueProfiled(plan, this.base, this, d, stepEvents, this.stream);
    else this.execute(st, binding);
    mark(2);
    const results = new Map<string, Tensor>();
    // host outputs land in the caller's tensors (options.outputs: pinned ones by direct DMA) or new ones
    const into = plan.outputs.map((v) => (device ? undefined : callerOutput(options, v.name, v.dtype, v.dims)));
    plan.outputs.forEach((v, i) => {
      const src = valuePtr(binding?.plan ?? plan, v, this.base); // an output sharing a bound input's slot reads it there
      if (device) {
        const ptr = given[i]?.ptr ?? dev.alloc(v.bytes, `output '${v.name}'`);
        if (v.storage.kind === 'host') d.check(d.fn.cuMemcpyHtoD(ptr, hostBytes(v.host!, v.name), v.bytes), 'cuMemcpyHtoD');
        else if (v.bytes && !binding?.outputs.has(i)) d.check(d.fn.cuMemcpyDtoDAsync(ptr, src, v.bytes, this.stream), 'cuMemcpyDtoDAsync');
        results.set(v.name, given[i] ?? new DeviceTensor(v.dtype, v.dims, ptr, v.bytes, dev));
      } else if (v.storage.kind !== 'host' && v.bytes) {
        const pinned = into[i] && pinnedAddress(hostBytes(into[i]!, v.name), `output '${v.name}'`);
        const dst = pinned ?? staging.address + st.outStaging[i].offset;
        d.check(d.fn.cuMemcpyDtoHAsync(dst, src, v.bytes, this.stream), 'cuMemcpyDtoHAsync');
      }
    });
    mark(3);
    d.check(d.fn.cuEventRecord(this.done, this.stream), 'cuEventRecord');
    await dev.waitEvent(this.done, st.wait);
    if (!device) {
      plan.outputs.forEach((v, i) => {
        const t = into[i] ?? allocTensor(v.dtype, v.dims);
        const dst = hostBytes(t, v.name);
        if (v.storage.kind === 'host') dst.set(hostBytes(v.host!, v.name));
        else if (pinnedAddress(dst, `output '${v.name}'`) === undefined) dst.set(staging.bytes.subarray(st.outStaging[i].offset, st.outStaging[i].offset + v.bytes));
        results.set(v.name, t);
      });
    }
    return results;
  }

  /**
   * Replays the plan's CUDA graph (capturing it the first time), or enqueues eagerly. A device I/O binding
   * runs bound when enqueued eagerly or when it has a bound graph (BoundGraphs); otherwise through the plain
   * graph, with the copies it skips made up here.
   */
  private execute(st: PlanState, binding?: Binding): void {
    const useGraphs = this.engine.options.graphs !== false && !st.noGraph;
    // cuDNN loads kernels lazily on first use, never inside a capture: each shape runs eagerly once first
    const eager = !useGraphs || ((this.convs || this.attn) && !st.warmed);
    if (eager) {
      st.warmed = true;
      return enqueuePlan(binding?.plan ?? st.plan, this.base, this);
    }
    const bound = st.bound.take(binding, () => this.capture(() => enqueuePlan(binding!.plan, this.base, this)));
    if (bound !== undefined) return this.launch(bound);
    if (binding) this.unbind(st.plan, binding, 'in');
    this.launch((st.exec ??= this.capture(() => enqueuePlan(st.plan, this.base, this))));
    if (binding) this.unbind(st.plan, binding, 'out');
  }

  private launch(exec: number): void {
    const { d } = this.engine.dev;
    d.check(d.fn.cuGraphLaunch(exec, this.stream), 'cuGraphLaunch');
  }

  /** Copies for a binding run through the unbound graph: bound inputs into the arena, or bound outputs out of it. */
  private unbind(plan: ShapePlan, binding: Binding, side: 'in' | 'out'): void {
    const ptr = (v: ShapePlan['outputs'][number]) => valuePtr(plan, v, this.base);
    const bound = (v: ShapePlan['outputs'][number]) => valuePtr(binding.plan, v, this.base);
    if (side === 'in') for (const i of binding.inputs) this.copy(ptr(plan.stagedInputs[i].value), bound(plan.stagedInputs[i].value), plan.stagedInputs[i].value.bytes);
    else for (const i of binding.outputs) this.copy(bound(plan.outputs[i]), ptr(plan.outputs[i]), plan.outputs[i].bytes);
  }

  /** Captures what `enqueue` puts on the stream into an instantiated CUDA graph (capture mode is always left). */
  private capture(enqueue: () => void): number {
    const { d } = this.engine.dev;
    return captureGraph(d, this.stream, enqueue, memsetEdit(d, () => this.engine.fn('misc', 'memset_fill_bytes')));
  }

  private checkFeeds(feeds: Map<string, Tensor>): Map<string, { dtype: DType; dims: number[] }> {
    const h = this.engine.plan.header;
    const out = new Map<string, { dtype: DType; dims: number[] }>();
    for (const io of h.inputs) {
      const t = feeds.get(io.name);
      if (!t) throw new TensorJetError('E_INPUT', `input '${io.name}' is missing`, { input: io.name });
      if (t.dtype !== io.dtype) throw new TensorJetError('E_INPUT', `input '${io.name}' must be ${io.dtype}, got ${t.dtype}`, { input: io.name });
      if (t.dims.length !== io.shape.length || io.shape.some((d, i) => typeof d === 'number' && d !== t.dims[i])) {
        throw new TensorJetError('E_INPUT', `input '${io.name}' has shape [${t.dims}], the model expects [${io.shape}]`, { input: io.name });
      }
      if (t instanceof DeviceTensor && t.device.index !== this.engine.dev.index) {
        throw new TensorJetError('E_INPUT', `input '${io.name}' lives on ${t.location}, this context runs on ${this.engine.device}`, { input: io.name });
      }
      const ranges = h.profiles.map((p) => p[io.name]).filter(Boolean);
      if (ranges.length && !ranges.some((r) => t.dims.every((d, i) => d >= r.min[i] && d <= r.max[i]))) {
        throw new TensorJetError('E_INPUT', `input '${io.name}' shape [${t.dims}] is outside every profile (${ranges.map((r) => `[${r.min}]..[${r.max}]`).join(', ')})`, { input: io.name });
      }
      out.set(io.name, { dtype: t.dtype, dims: [...t.dims] });
    }
    for (const name of feeds.keys()) {
      if (!out.has(name)) throw new TensorJetError('E_INPUT', `unknown input '${name}' (model inputs: ${h.inputs.map((i) => i.name).join(', ')})`, { input: name });
    }
    return out;
  }

  // ---- Launcher: kernel argument packing and launches on this context's stream ----

  elementwise(family: KernelFamily, kernel: string, n: number, args: KArg[]): void {
    this.blocks(family, kernel, Math.max(1, Math.min(Math.ceil(n / 256), 8192)), 256, args);
  }

  blocks(family: KernelFamily, kernel: string, grid: number, block: number, args: KArg[]): void {
    this.launcher.launch(this.engine.fn(family, kernel), grid, block, args, kernel);
  }

  matmul(spec: MatmulSpec, a: number, b: number, dPtr: number, bias: number, c = dPtr): void {
    const s = { ...spec, tf32: this.engine.options.tf32 };
    const key = JSON.stringify(s);
    let mm = this.matmuls.get(key);
    if (!mm) this.matmuls.set(key, (mm = new LtMatmul(this.engine.lt, s, LT_WORKSPACE, gemmPick(this.engine.gemmTactics, s))));
    mm.run(a, b, dPtr, bias, this.arena, this.stream, c);
  }

  conv(spec: ConvSpec, x: number, w: number, b: number, z: number, y: number): void {
    if (!this.convs) throw new TensorJetError('E_PLAN_CORRUPT', 'conv step in a plan whose graph has no conv node');
    this.convs.run({ ...spec, tf32: this.engine.options.tf32 }, x, w, b, z, y, this.arena, this);
  }

  attention(spec: SdpaSpec, q: number, k: number, v: number, bias: number, o: number, ours: () => void): void {
    if (this.attn) this.attn.run(spec, q, k, v, bias, o, ours);
    else ours();
  }

  copy(dst: number, src: number, bytes: number): void {
    const { d } = this.engine.dev;
    if (bytes) d.check(d.fn.cuMemcpyDtoDAsync(dst, src, bytes, this.stream), 'cuMemcpyDtoDAsync');
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    const { dev } = this.engine;
    const { d } = dev;
    dev.makeCurrent();
    d.fn.cuStreamSynchronize(this.stream);
    for (const st of this.plans.values()) this.dropGraph(st);
    for (const m of this.matmuls.values()) m.dispose();
    this.convs?.dispose();
    this.attn?.dispose();
    dev.free(this.arena);
    for (const e of this.timing ?? []) d.fn.cuEventDestroy(e);
    if (this.staging) freePinned(d, this.staging);
    this.launcher.dispose();
    d.fn.cuEventDestroy(this.done);
    d.fn.cuStreamDestroy(this.stream);
    this.engine.forget(this);
  }
}
