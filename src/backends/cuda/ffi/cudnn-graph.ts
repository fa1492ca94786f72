/**
 * cuDNN 9 graph (backend) API for fp16 NHWC forward convolutions with their epilogue in one operation graph:
 * y = act(conv(x, w) + bias [+ z]) [+ z]. cuDNN's heuristics list engine configurations (including
 * runtime-fused and sm90 kernels the legacy API does not reach); build-time tuning times them and keeps the
 * fastest (its rank in the heuristic list is the tactic). Enum values are cuDNN 9's cudnn_graph.h.
 */
import { TensorJetError } from '../../../errors.js';
import { cudnnAvailable, cudnnCheck, type ConvSpec } from './cudnn.js';
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
type Fns = { [K in keyof typeof NAMES]: Fn };

// cudnnBackendDescriptorType_t
const DESC = { pointwise: 0, convolution: 1, engineCfg: 3, engineHeur: 4, executionPlan: 5, opConvFwd: 10, opPointwise: 13, opGraph: 15, variantPack: 16, tensor: 17 } as const;
// cudnnBackendAttributeType_t
const T = { handle: 0, dataType: 1, boolean: 2, int64: 3, float: 4, voidPtr: 6, convMode: 7, heurMode: 8, pointwiseMode: 14, descriptor: 15 } as const;
// cudnnBackendAttributeName_t
const A = {
  pwMode: 0, pwMathPrec: 1, pwReluLowerClip: 3, pwReluUpperClip: 4, pwReluLowerClipSlope: 5, pwSwishBeta: 8,
  convCompType: 100, convMode: 101, convDilations: 102, convStrides: 103, convPostPad: 104, convPrePad: 105, convSpatialDims: 106,
  heurMode: 200, heurOpGraph: 201, heurResults: 202,
  planHandle: 400, planEngineCfg: 401, planWorkspace: 402,
  convFwdAlpha: 700, convFwdBeta: 701, convFwdDesc: 702, convFwdW: 703, convFwdX: 704, convFwdY: 705,
  opPwDesc: 750, opPwX: 751, opPwB: 752, opPwY: 753,
  graphHandle: 800, graphOps: 801,
  tensorAlign: 900, tensorDataType: 901, tensorDims: 902, tensorStrides: 903, tensorUid: 906, tensorVirtual: 907,
  vpUids: 1000, vpPointers: 1001, vpWorkspace: 1003,
} as const;
// cudnnDataType_t, cudnnPointwiseMode_t, cudnnBackendHeurMode_t
const DATA = { float32: 0, float16: 2 } as const;
const PW = { add: 0, mul: 1, max: 3, min: 2, relu: 100, sigmoid: 102, swish: 106 } as const;
const HEUR = { instant: 0, b: 1, fallback: 2, a: 3 } as const;
const CROSS_CORRELATION = 1;
/** activation codes (kernels/conv.cu ACT_*) the graph expresses: none, relu, leaky relu, sigmoid, SiLU, clip */
const GRAPH_ACTS = new Set([0, 1, 2, 3, 4, 6]);
const UID = { x: 1, w: 2, b: 3, z: 4, y: 5 } as const;

let fns: Fns | undefined;
let lib: KoffiLib | undefined;

function load(): Fns {
  if (fns) return fns;
  if (!cudnnAvailable()) throw new TensorJetError('E_LIBRARY_NOT_FOUND', 'cuDNN is not available');
  lib = tryOpen('libcudnn.so.9'); // already loaded by cudnn.ts: found by soname
  if (!lib) throw new TensorJetError('E_LIBRARY_NOT_FOUND', 'cuDNN graph API: libcudnn.so.9 did not open by soname');
  const f = {} as Fns;
  for (const [k, sig] of Object.entries(NAMES)) (f as Record<string, Fn>)[k] = lib.func(sig) as Fn;
  fns = f;
  return f;
}

/** Whether the graph path is on (TENSORJET_CUDNN_GRAPH=0 turns it off) and expresses `s`. */
export function cudnnGraphSupports(s: ConvSpec): boolean {
  if (process.env.TENSORJET_CUDNN_GRAPH === '0') return false;
  return !s.transpose && !!s.nhwc && s.dtype === 'float16' && GRAPH_ACTS.has(s.act) && s.pads[0] === s.pads[2] && s.pads[1] === s.pads[3];
}

const i64s = (xs: number[]) => Buffer.from(BigInt64Array.from(xs.map(BigInt)).buffer);
const ptrs = (xs: number[]) => Buffer.from(BigUint64Array.from(xs.map(BigInt)).buffer);
const i32 = (v: number) => Buffer.from(Int32Array.of(v).buffer);
const f32 = (v: number) => Buffer.from(Float32Array.of(v).buffer);

/** Owns the descriptors it makes; destroys them in reverse order. */
class Descriptors {
  private readonly made: number[] = [];
  constructor(private readonly f: Fns) {}
  make(type: number, attrs: [number, number, number, Buffer][], finalize = true): number {
    const o: [number] = [0];
    cudnnCheck(this.f.create(type, o), 'cudnnBackendCreateDescriptor');
    const d = Number(o[0]);
    this.made.push(d);
    for (const [name, t, n, buf] of attrs) cudnnCheck(this.f.set(d, name, t, n, buf), `cudnnBackendSetAttribute(${name})`);
    if (finalize) cudnnCheck(this.f.finalize(d), `cudnnBackendFinalize(descriptor type ${type})`);
    return d;
  }
  destroy(): void {
    for (const d of this.made.reverse()) this.f.destroy(d);
    this.made.length = 0;
  }
}

export interface GraphCandidate {
  /** rank in cuDNN's heuristic list (mode A) */
  rank: number;
  workspace: number;
}

/** One conv + epilogue operation graph on one handle; `use(rank)` picks an engine config, `run` enqueues it. */
export class CudnnConvGraph {
  private readonly f: Fns;
  private readonly descs: Descriptors;
  private readonly graph: number;
  private plan = 0;
  /** owns the heuristic's engine configs, queried once (each query costs about as much as a small conv) */
  private readonly heurDescs: Descriptors;
  private cfgs?: number[];
  private workspace = 0;
  private pack = 0;
  private packKey = '';
  private readonly uids: number[];

  constructor(
    private readonly handle: number,
    readonly spec: ConvSpec,
  ) {
    this.f = load();
    this.descs = new Descriptors(this.f);
    this.heurDescs = new Descriptors(this.f);
    try {
      const built = this.buildGraph();
      this.graph = built.graph;
      this.uids = built.uids;
    } catch (e) {
      this.descs.destroy();
      throw e;
    }
  }

  private buildGraph(): { graph: number; uids: number[] } {
    const s = this.spec;
    const dt = DATA[s.dtype];
    let virtualUid = 100;
    // NHWC strides for logical [n, c, h, w] dims; `px` elements from one pixel to the next (a channel view's row)
    const tensor = (dims: [number, number, number, number], uid: number, dtype: number, virtual = false, px = dims[1]) =>
      this.descs.make(DESC.tensor, [
        [A.tensorDataType, T.dataType, 1, i32(dtype)],
        [A.tensorDims, T.int64, 4, i64s(dims)],
        [A.tensorStrides, T.int64, 4, i64s([px * dims[2] * dims[3], 1, dims[3] * px, px])],
        [A.tensorUid, T.int64, 1, i64s([uid])],
        [A.tensorAlign, T.int64, 1, i64s([16])],
        [A.tensorVirtual, T.boolean, 1, Buffer.from([virtual ? 1 : 0])],
      ]);
    const yDims: [number, number, number, number] = [s.n, s.k, s.oh, s.ow];
    const x = tensor([s.n, s.c, s.h, s.w], UID.x, dt, false, s.xStride ?? s.c);
    const w = tensor([s.k, s.c / s.groups, s.kh, s.kw], UID.w, dt);
    const uids: number[] = [UID.x, UID.w];
    const conv = this.descs.make(DESC.convolution, [
      [A.convCompType, T.dataType, 1, i32(DATA.float32)],
      [A.convMode, T.convMode, 1, i32(CROSS_CORRELATION)],
      [A.convSpatialDims, T.int64, 1, i64s([2])],
      [A.convDilations, T.int64, 2, i64s(s.dilations)],
      [A.convStrides, T.int64, 2, i64s(s.strides)],
      [A.convPrePad, T.int64, 2, i64s([s.pads[0], s.pads[1]])],
      [A.convPostPad, T.int64, 2, i64s([s.pads[2], s.pads[3]])],
    ]);
    const ops: number[] = [];
    const steps = this.epilogue();
    const yPx = s.yStride ?? s.k;
    let cur = steps.length ? tensor(yDims, virtualUid++, DATA.float32, true) : tensor(yDims, UID.y, dt, false, yPx);
    ops.push(this.descs.make(DESC.opConvFwd, [
      [A.convFwdDesc, T.descriptor, 1, ptrs([conv])],
      [A.convFwdX, T.descriptor, 1, ptrs([x])],
      [A.convFwdW, T.descriptor, 1, ptrs([w])],
      [A.convFwdY, T.descriptor, 1, ptrs([cur])],
      [A.convFwdAlpha, T.float, 1, f32(1)],
      [A.convFwdBeta, T.float, 1, f32(0)],
    ]));
    steps.forEach((st, i) => {
      const last = i === steps.length - 1;
      const out = last ? tensor(yDims, UID.y, dt, false, yPx) : tensor(yDims, virtualUid++, DATA.float32, true);
      const pwAttrs: [number, number, number, Buffer][] = [[A.pwMode, T.pointwiseMode, 1, i32(st.mode)], [A.pwMathPrec, T.dataType, 1, i32(DATA.float32)]];
      // float math precision: the clip / slope / beta parameters are CUDNN_TYPE_FLOAT
      if (st.lower !== undefined) pwAttrs.push([A.pwReluLowerClip, T.float, 1, f32(st.lower)]);
      if (st.upper !== undefined) pwAttrs.push([A.pwReluUpperClip, T.float, 1, f32(st.upper)]);
      if (st.slope !== undefined) pwAttrs.push([A.pwReluLowerClipSlope, T.float, 1, f32(st.slope)]);
      if (st.mode === PW.swish) pwAttrs.push([A.pwSwishBeta, T.float, 1, f32(1)]);
      const pw = this.descs.make(DESC.pointwise, pwAttrs);
      const opAttrs: [number, number, number, Buffer][] = [
        [A.opPwDesc, T.descriptor, 1, ptrs([pw])],
        [A.opPwX, T.descriptor, 1, ptrs([cur])],
        [A.opPwY, T.descriptor, 1, ptrs([out])],
      ];
      if (st.operand) {
        const dims: [number, number, number, number] = st.operand === 'b' ? [1, s.k, 1, 1] : yDims;
        const t = tensor(dims, UID[st.operand], dt, false, st.operand === 'z' ? (s.zStride ?? s.k) : s.k);
        uids.push(UID[st.operand]);
        opAttrs.push([A.opPwB, T.descriptor, 1, ptrs([t])]);
      }
      ops.push(this.descs.make(DESC.opPointwise, opAttrs));
      cur = out;
    });
    uids.push(UID.y);
    const graph = this.descs.make(DESC.opGraph, [
      [A.graphHandle, T.handle, 1, ptrs([this.handle])],
      [A.graphOps, T.descriptor, ops.length, ptrs(ops)],
    ]);
    return { graph, uids };
  }

  /** The pointwise steps after the conv: bias add, residual add (before or after), activation. */
  private epilogue(): { mode: number; operand?: 'b' | 'z'; lower?: number; upper?: number; slope?: number }[] {
    const s = this.spec;
    const steps: { mode: number; operand?: 'b' | 'z'; lower?: number; upper?: number; slope?: number }[] = [];
    if (s.bias) steps.push({ mode: PW.add, operand: 'b' });
    if (s.residual === 1) steps.push({ mode: PW.add, operand: 'z' });
    const [p0, p1] = s.actParams;
    if (s.act === 1) steps.push({ mode: PW.relu });
    else if (s.act === 2) steps.push({ mode: PW.relu, slope: p0 });
    else if (s.act === 3) steps.push({ mode: PW.sigmoid });
    else if (s.act === 4) steps.push({ mode: PW.swish });
    else if (s.act === 6) steps.push({ mode: PW.relu, lower: p0, upper: p1 });
    if (s.residual === 2) steps.push({ mode: PW.add, operand: 'z' });
    return steps;
  }

  /** Engine configs from cuDNN's heuristics (mode A, then the fallback list), as descriptors owned by `into`. */
  private configs(into: Descriptors, mode: number): number[] {
    const heur = into.make(DESC.engineHeur, [
      [A.heurOpGraph, T.descriptor, 1, ptrs([this.graph])],
      [A.heurMode, T.heurMode, 1, i32(mode)],
    ]);
    const count: [number] = [0];
    cudnnCheck(this.f.get(heur, A.heurResults, T.descriptor, 0, count, null), 'cudnnBackendGetAttribute(heuristic count)');
    const n = Math.min(Number(count[0]), 32);
    if (!n) return [];
    const cfgs = Array.from({ length: n }, () => into.make(DESC.engineCfg, [], false));
    const buf = ptrs(cfgs);
    cudnnCheck(this.f.get(heur, A.heurResults, T.descriptor, n, count, buf), 'cudnnBackendGetAttribute(heuristic results)');
    return cfgs.slice(0, Number(count[0]));
  }

  /** Finalizes the execution plan for config `rank`; false if that engine cannot run this graph. */
  private tryPlan(rank: number, maxWorkspace: number): boolean {
    if (this.pack) this.f.destroy(this.pack);
    if (this.plan) this.f.destroy(this.plan);
    this.plan = 0;
    this.pack = 0;
    this.packKey = '';
    this.cfgs ??= this.configs(this.heurDescs, HEUR.a);
    const cfg = this.cfgs[rank];
    if (cfg === undefined) return false;
    const o: [number] = [0];
    cudnnCheck(this.f.create(DESC.executionPlan, o), 'cudnnBackendCreateDescriptor(plan)');
    const plan = Number(o[0]);
    try {
      cudnnCheck(this.f.set(plan, A.planHandle, T.handle, 1, ptrs([this.handle])), 'cudnnBackendSetAttribute(plan handle)');
      cudnnCheck(this.f.set(plan, A.planEngineCfg, T.descriptor, 1, ptrs([cfg])), 'cudnnBackendSetAttribute(plan config)');
      if (this.f.finalize(plan) !== 0) throw new Error('engine refused');
      const n: [number] = [0];
      const ws = Buffer.alloc(8);
      cudnnCheck(this.f.get(plan, A.planWorkspace, T.int64, 1, n, ws), 'cudnnBackendGetAttribute(workspace)');
      const bytes = Number(ws.readBigInt64LE(0));
      if (bytes > maxWorkspace) throw new Error('workspace too large');
      this.plan = plan;
      this.workspace = bytes;
      return true;
    } catch {
      this.f.destroy(plan);
      return false;
    }
  }

  /** Uses heuristic config `rank` (or the first that finalizes after it); returns the rank in use, -1 if none. */
  use(rank: number, maxWorkspace: number): number {
    for (let r = rank; r < 32; r++) if (this.tryPlan(r, maxWorkspace)) return r;
    return -1;
  }

  /** Ranks that finalize within `maxWorkspace` (build-time tuning times each). */
  candidates(maxWorkspace: number, limit = 8): GraphCandidate[] {
    const out: GraphCandidate[] = [];
    for (let r = 0; r < 32 && out.length < limit; r++) if (this.tryPlan(r, maxWorkspace)) out.push({ rank: r, workspace: this.workspace });
    return out;
  }

  get workspaceBytes(): number {
    return this.workspace;
  }

  /** Enqueues the graph on the handle's stream (variant pack cached per pointer set). */
  run(x: number, w: number, b: number, z: number, y: number, ws: number): void {
    if (!this.plan) throw new TensorJetError('E_CUDNN', 'cuDNN graph conv has no execution plan');
    const byUid: Record<number, number> = { [UID.x]: x, [UID.w]: w, [UID.b]: b, [UID.z]: z, [UID.y]: y };
    const pointers = this.uids.map((u) => byUid[u]!);
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
