/**
 * cuDNN 9 graph (backend) API plumbing shared by the operation graphs TensorJet builds (conv + epilogue in
 * cudnn-graph.ts, attention in cudnn-sdpa.ts): the entry points, the enum values we use (cuDNN 9's
 * cudnn_graph.h), a descriptor owner, and `BackendGraph`: one finalized operation graph with its heuristic
 * engine configs, an execution plan for one of them and a variant pack cached per pointer set.
 */
import { TensorJetError } from '../../../errors.js';
import { cudnnAvailable, cudnnCheck } from './cudnn.js';
import { tryOpen, type KoffiLib } from './koffi.js';

type Fn = (...args: unknown[]) => number;
const D = 'uint64_t';
const NAMES = {
  create: `int cudnnBackendCreateDescriptor(int type, _Out_ ${D} *d)`,
  destroy: `int cudnnBackendDestroyDescriptor(${D} d)`,
  finalize: `int cudnnBackendFinalize(${D} d)`,
  set: `int cudnnBackendSetAttribute(${D} d, int name, int type, int64_t count, const void *elements)`,
  get: `int cudnnBackendGetAttribute(${D} d, int name, int type, int64_t requested, _Out_ int64_t *count, void *elements)`,
  execute: `int cudnnBackendExecute(${D} handle, ${D} plan, ${D} variantPack)`,
} as const;
export type BackendFns = { [K in keyof typeof NAMES]: Fn };

// cudnnBackendDescriptorType_t
export const DESC = {
  pointwise: 0, convolution: 1, engineCfg: 3, engineHeur: 4, executionPlan: 5, opConvFwd: 10, opPointwise: 13, opGraph: 15, variantPack: 16,
  tensor: 17, matmul: 18, opMatmul: 19, reduction: 21, opReduction: 22, opSdpaFwd: 41,
} as const;
// cudnnBackendAttributeType_t
export const T = { handle: 0, dataType: 1, boolean: 2, int64: 3, float: 4, voidPtr: 6, convMode: 7, heurMode: 8, pointwiseMode: 14, descriptor: 15, reduceOp: 18 } as const;
// cudnnBackendAttributeName_t
export const A = {
  pwMode: 0, pwMathPrec: 1, pwReluLowerClip: 3, pwReluUpperClip: 4, pwReluLowerClipSlope: 5, pwSwishBeta: 8,
  convCompType: 100, convMode: 101, convDilations: 102, convStrides: 103, convPostPad: 104, convPrePad: 105, convSpatialDims: 106,
  heurMode: 200, heurOpGraph: 201, heurResults: 202,
  planHandle: 400, planEngineCfg: 401, planWorkspace: 402,
  convFwdAlpha: 700, convFwdBeta: 701, convFwdDesc: 702, convFwdW: 703, convFwdX: 704, convFwdY: 705,
  opPwDesc: 750, opPwX: 751, opPwB: 752, opPwY: 753,
  graphHandle: 800, graphOps: 801,
  tensorAlign: 900, tensorDataType: 901, tensorDims: 902, tensorStrides: 903, tensorUid: 906, tensorVirtual: 907, tensorByValue: 908,
  vpUids: 1000, vpPointers: 1001, vpWorkspace: 1003,
  matmulCompType: 1500, opMatmulA: 1520, opMatmulB: 1521, opMatmulC: 1522, opMatmulDesc: 1523,
  reduceOp: 1600, reduceCompType: 1601, opReduceX: 1610, opReduceY: 1611, opReduceDesc: 1612,
  sdpaQ: 2800, sdpaK: 2801, sdpaV: 2802, sdpaO: 2803, sdpaScale: 2805,
} as const;
// cudnnDataType_t, cudnnPointwiseMode_t, cudnnReduceTensorOp_t, cudnnBackendHeurMode_t
export const DATA = { float32: 0, float16: 2 } as const;
export const PW = { add: 0, mul: 1, min: 2, max: 3, div: 6, sub: 9, exp: 13, log: 15, relu: 100, sigmoid: 102, swish: 106 } as const;
export const REDUCE = { add: 0, max: 3 } as const;
export const HEUR = { instant: 0, b: 1, fallback: 2, a: 3 } as const;
/** engine configs looked at per graph */
const MAX_CONFIGS = 32;

export type Attr = [name: number, type: number, count: number, value: Buffer];
export const i64s = (xs: readonly number[]): Buffer => Buffer.from(BigInt64Array.from(xs.map(BigInt)).buffer);
export const ptrs = (xs: readonly number[]): Buffer => Buffer.from(BigUint64Array.from(xs.map(BigInt)).buffer);
export const i32 = (v: number): Buffer => Buffer.from(Int32Array.of(v).buffer);
export const f32 = (v: number): Buffer => Buffer.from(Float32Array.of(v).buffer);
export const bool = (v: boolean): Buffer => Buffer.from([v ? 1 : 0]);

let fns: BackendFns | undefined;
let lib: KoffiLib | undefined;

export function backendFns(): BackendFns {
  if (fns) return fns;
  if (!cudnnAvailable()) throw new TensorJetError('E_LIBRARY_NOT_FOUND', 'cuDNN is not available');
  lib = tryOpen('libcudnn.so.9'); // already loaded by cudnn.ts: found by soname
  if (!lib) throw new TensorJetError('E_LIBRARY_NOT_FOUND', 'cuDNN graph API: libcudnn.so.9 did not open by soname');
  const f = {} as BackendFns;
  for (const [k, sig] of Object.entries(NAMES)) (f as Record<string, Fn>)[k] = lib.func(sig) as Fn;
  fns = f;
  return f;
}

/** Owns the descriptors it makes; destroys them in reverse order. */
export class Descriptors {
  private readonly made: number[] = [];
  constructor(private readonly f: BackendFns) {}
  make(type: number, attrs: Attr[], finalize = true): number {
    const o: [number] = [0];
    cudnnCheck(this.f.create(type, o), 'cudnnBackendCreateDescriptor');
    const d = Number(o[0]);
    this.made.push(d);
    for (const [name, t, n, buf] of attrs) cudnnCheck(this.f.set(d, name, t, n, buf), `cudnnBackendSetAttribute(${name})`);
    if (finalize) cudnnCheck(this.f.finalize(d), `cudnnBackendFinalize(descriptor type ${type})`);
    return d;
  }
  /** A tensor descriptor (16-byte aligned). */
  tensor(t: { dims: readonly number[]; strides: readonly number[]; uid: number; dtype: number; virtual?: boolean; byValue?: boolean }): number {
    const attrs: Attr[] = [
      [A.tensorDataType, T.dataType, 1, i32(t.dtype)],
      [A.tensorDims, T.int64, t.dims.length, i64s(t.dims)],
      [A.tensorStrides, T.int64, t.strides.length, i64s(t.strides)],
      [A.tensorUid, T.int64, 1, i64s([t.uid])],
      [A.tensorAlign, T.int64, 1, i64s([16])],
      [A.tensorVirtual, T.boolean, 1, bool(!!t.virtual)],
    ];
    if (t.byValue) attrs.push([A.tensorByValue, T.boolean, 1, bool(true)]);
    return this.make(DESC.tensor, attrs);
  }
  destroy(): void {
    for (const d of this.made.reverse()) this.f.destroy(d);
    this.made.length = 0;
  }
}

export interface TimedConfig {
  /** rank in cuDNN's heuristic list (mode A) */
  rank: number;
  workspace: number;
  ms: number;
}

/**
 * One operation graph on one handle: subclasses build it in their constructor (`init`); `use(rank)` picks an
 * engine config of cuDNN's heuristic list, `execute` enqueues the plan on the handle's stream.
 */
export abstract class BackendGraph {
  protected readonly f: BackendFns;
  protected readonly descs: Descriptors;
  private graph = 0;
  private plan = 0;
  /** owns the heuristic's engine configs, queried once (each query costs about as much as a small conv) */
  private readonly heurDescs: Descriptors;
  private cfgs?: number[];
  private workspace = 0;
  private pack = 0;
  private packKey = '';
  /** the graph's non-virtual tensors, in the order `execute` takes their pointers */
  protected uids: number[] = [];

  constructor(protected readonly handle: number) {
    this.f = backendFns();
    this.descs = new Descriptors(this.f);
    this.heurDescs = new Descriptors(this.f);
  }

  /** Makes the operation graph of `ops` (built by the subclass, whose tensors `uids` lists). */
  protected init(build: () => { ops: number[]; uids: number[] }): void {
    try {
      const { ops, uids } = build();
      this.uids = uids;
      this.graph = this.descs.make(DESC.opGraph, [
        [A.graphHandle, T.handle, 1, ptrs([this.handle])],
        [A.graphOps, T.descriptor, ops.length, ptrs(ops)],
      ]);
    } catch (e) {
      this.descs.destroy();
      throw e;
    }
  }

  /** Engine configs from cuDNN's heuristics (mode A), as descriptors owned by `into`. */
  private configs(into: Descriptors, mode: number): number[] {
    const heur = into.make(DESC.engineHeur, [
      [A.heurOpGraph, T.descriptor, 1, ptrs([this.graph])],
      [A.heurMode, T.heurMode, 1, i32(mode)],
    ]);
    const count: [number] = [0];
    cudnnCheck(this.f.get(heur, A.heurResults, T.descriptor, 0, count, null), 'cudnnBackendGetAttribute(heuristic count)');
    const n = Math.min(Number(count[0]), MAX_CONFIGS);
    if (!n) return [];
    const cfgs = Array.from({ length: n }, () => into.make(DESC.engineCfg, [], false));
    const buf = ptrs(cfgs);
    cudnnCheck(this.f.get(heur, A.heurResults, T.descriptor, n, count, buf), 'cudnnBackendGetAttribute(heuristic results)');
    return cfgs.slice(0, Number(count[0]));
  }

  /**
   * A new execution plan for config `rank`, not yet finalized (the graph's current plan is dropped first), or
   * undefined when the heuristic listed no config at that rank.
   */
  private planFor(rank: number): number | undefined {
    if (this.pack) this.f.destroy(this.pack);
    if (this.plan) this.f.destroy(this.plan);
    this.plan = 0;
    this.pack = 0;
    this.packKey = '';
    this.cfgs ??= this.configs(this.heurDescs, HEUR.a);
    const cfg = this.cfgs[rank];
    if (cfg === undefined) return undefined;
    const o: [number] = [0];
    cudnnCheck(this.f.create(DESC.executionPlan, o), 'cudnnBackendCreateDescriptor(plan)');
    const plan = Number(o[0]);
    try {
      cudnnCheck(this.f.set(plan, A.planHandle, T.handle, 1, ptrs([this.handle])), 'cudnnBackendSetAttribute(plan handle)');
      cudnnCheck(this.f.set(plan, A.planEngineCfg, T.descriptor, 1, ptrs([cfg])), 'cudnnBackendSetAttribute(plan config)');
      return plan;
    } catch (e) {
      this.f.destroy(plan);
      throw e;
    }
  }

  /** Makes a plan `finalize` returned `status` for the one in use; false (plan destroyed) if the engine refused or needs too much workspace. */
  private adopt(plan: number, status: number, maxWorkspace: number): boolean {
    const n: [number] = [0];
    const ws = Buffer.alloc(8);
    if (status !== 0 || this.f.get(plan, A.planWorkspace, T.int64, 1, n, ws) !== 0 || Number(ws.readBigInt64LE(0)) > maxWorkspace) {
      this.f.destroy(plan);
      return false;
    }
    this.plan = plan;
    this.workspace = Number(ws.readBigInt64LE(0));
    return true;
  }

  /** Uses heuristic config `rank` (or the first that finalizes after it); returns the rank in use, -1 if none. */
  use(rank: number, maxWorkspace: number): number {
    for (let r = rank, plan; (plan = this.planFor(r)) !== undefined; r++) if (this.adopt(plan, this.f.finalize(plan), maxWorkspace)) return r;
    return -1;
  }

  /** `use`, with each plan finalized by `finalize` (FinalizePool: on a worker thread, while this thread goes on). */
  async useAsync(rank: number, maxWorkspace: number, finalize = this.finalizeHere): Promise<number> {
    for (let r = rank, plan; (plan = this.planFor(r)) !== undefined; r++) if (this.adopt(plan, await finalize(plan), maxWorkspace)) return r;
    return -1;
  }

  private readonly finalizeHere = (plan: number): Promise<number> => Promise.resolve(this.f.finalize(plan));

  /**
   * Finalizes the heuristic's configs one by one (up to `limit` that fit `maxWorkspace`) and times each with
   * `time` while its plan is the one in use: a runtime-compiled config cannot be finalized again once its plan is
   * gone, so it is timed now or never. Leaves the last one in use.
   */
  timeConfigs(limit: number, maxWorkspace: number, time: () => number): TimedConfig[] {
    const out: TimedConfig[] = [];
    for (let rank = 0; out.length < limit && (rank = this.use(rank, maxWorkspace)) >= 0; rank++) out.push({ rank, workspace: this.workspace, ms: time() });
    return out;
  }

  /** `timeConfigs` with each plan finalized by `finalize` (FinalizePool: off this thread); `time` runs here, synchronously, so timings on one GPU never overlap. */
  async timeConfigsAsync(limit: number, maxWorkspace: number, time: () => number, finalize = this.finalizeHere): Promise<TimedConfig[]> {
    const out: TimedConfig[] = [];
    for (let rank = 0; out.length < limit && (rank = await this.useAsync(rank, maxWorkspace, finalize)) >= 0; rank++) out.push({ rank, workspace: this.workspace, ms: time() });
    return out;
  }

  get workspaceBytes(): number {
    return this.workspace;
  }

  /** Enqueues the plan on the handle's stream; `pointers` follow `uids` (the variant pack is cached per pointer set). */
  protected execute(pointers: number[], ws: number): void {
    if (!this.plan) throw new TensorJetError('E_CUDNN', 'cuDNN operation graph has no execution plan');
    const key = `${pointers.join(',')},${ws}`;
    if (key !== this.packKey) {
      if (this.pack) this.f.destroy(this.pack);
      const o: [number] = [0];
      cudnnCheck(this.f.create(DESC.variantPack, o), 'cudnnBackendCreateDescriptor(variant pack)');
      this.pack = Number(o[0]);
      cudnnCheck(this.f.set(this.pack, A.vpUids, T.int64, this.uids.length, i64s(this.uids)), 'cudnnBackendSetAttribute(uids)');
      cudnnCheck(this.f.set(this.pack, A.vpPointers, T.voidPtr, pointers.length, ptrs(pointers)), 'cudnnBackendSetAttribute(pointers)');
      cudnnCheck(this.f.set(this.pack, A.vpWorkspace, T.voidPtr, 1, ptrs([ws])), 'cudnnBackendSetAttribute(workspace)');
      cudnnCheck(this.f.finalize(this.pack), 'cudnnBackendFinalize(variant pack)');
      this.packKey = key;
    }
    cudnnCheck(this.f.execute(this.handle, this.plan, this.pack), 'cudnnBackendExecute');
  }

  dispose(): void {
    if (this.pack) this.f.destroy(this.pack);
    if (this.plan) this.f.destroy(this.plan);
    this.pack = this.plan = 0;
    this.heurDescs.destroy();
    this.descs.destroy();
  }
}
