/**
 * Per-input-shape execution plan: shapes through the lowerings, host-side shape arithmetic, value storage
 * (weights, arena slots from lifetimes, aliases, plan-time uploads), and the ordered enqueue steps.
 */
import { TensorJetError } from '../../errors.js';
import type { Graph } from '../../ir/graph.js';
import { normalizeDomain } from '../../ir/graph.js';
import { isTensor } from '../../ir/value.js';
import type { DType } from '../../tensor/dtype.js';
import type { Tensor } from '../../tensor/tensor.js';
import { checkAllocation } from '../../tensor/tensor.js';
import { KernelContext } from '../cpu/kernel.js';
import type { KernelRegistry } from '../cpu/registry.js';
import { HOST_FOLDABLE, LOWERINGS } from './lowering/index.js';
import { byteSize, LowerCtx, numelOf, type Launcher, type Lowered, type ValMeta } from './lowering/types.js';
import { planArena, type Interval } from './memory.js';
import { channelViewsEnabled, planChannelViews, type PlanFacts, type ViewPlan } from './channel-views.js';

/** Where a value lives: a weight, an arena slot (at a byte offset: a channel view), or only on the host. */
export type Storage = { kind: 'weight'; ptr: number } | { kind: 'arena'; slot: number; offset?: number } | { kind: 'host' };

export interface PlanValue extends ValMeta {
  name: string;
  bytes: number;
  storage: Storage;
}

export interface PlanStep {
  lowered: Lowered;
  inputs: (PlanValue | undefined)[];
  outputs: PlanValue[];
  /** the graph node this step runs (profiling) */
  node?: { name: string; opType: string };
}

export interface ShapePlan {
  key: string;
  steps: PlanStep[];
  /** graph inputs (copied into their arena slot at each infer) and host values the device reads (`host`: slots of
   * their own, uploaded when the arena last ran another plan) */
  stagedInputs: { value: PlanValue; host?: Tensor }[];
  outputs: PlanValue[];
  offsets: Map<number, number>;
  arenaBytes: number;
}

export interface PlanInput {
  graph: Graph;
  opsets: Map<string, number>;
  weights: Map<string, number>;
  inputs: Map<string, { dtype: DType; dims: number[] }>;
  cpuRegistry: () => KernelRegistry;
}

export const shapeKey = (inputs: Map<string, { dims: readonly number[] }>): string =>
  [...inputs].map(([n, v]) => `${n}:${v.dims.join('x')}`).join('|');

/**
 * The plan for one set of input shapes. With channel views on (channel-views.ts), a first pass gives every
 * value's shape and conv spec, and the plan is built again with the Concats it elides.
 */
export function buildShapePlan(p: PlanInput): ShapePlan {
  return planWithViews(p).plan;
}

/** The plan, and the channel-view analysis when it ran (tests read which Concats it kept and why). */
export function planWithViews(p: PlanInput): { plan: ShapePlan; views?: ViewPlan } {
  if (!channelViewsEnabled() || !p.graph.nodes.some((n) => n.opType === 'Concat')) return { plan: planPass(p).plan };
  const first = planPass(p);
  const views = planChannelViews(p.graph, first.facts);
  return { plan: views.elided.size ? planPass(p, views).plan : first.plan, views };
}

function planPass(p: PlanInput, vp?: ViewPlan): { plan: ShapePlan; facts: PlanFacts } {
  const { graph } = p;
  const facts: PlanFacts = { metas: new Map(), convs: new Map(), opsets: p.opsets };
  const values = new Map<string, PlanValue>();
  const intervals: Interval[] = [];
  const slotOf = (v: PlanValue) => (v.storage.kind === 'arena' ? v.storage.slot : -1);
  const newSlot = (bytes: number, start: number): Storage => {
    intervals.push({ id: intervals.length, bytes, start, end: start });
    return { kind: 'arena', slot: intervals.length - 1 };
  };
  const touch = (v: PlanValue, step: number) => {
    const s = slotOf(v);
    if (s >= 0) intervals[s].end = Math.max(intervals[s].end, step);
  };
  for (const [name, t] of graph.constants) {
    const ptr = p.weights.get(name);
    values.set(name, { name, dtype: t.dtype, dims: [...t.dims], host: t, bytes: numelOf(t.dims) * byteSize(t.dtype), storage: ptr !== undefined ? { kind: 'weight', ptr } : { kind: 'host' } });
  }
  const stagedInputs: ShapePlan['stagedInputs'] = [];
  for (const gi of graph.inputs) {
    if (graph.constants.has(gi.name)) continue;
    const f = p.inputs.get(gi.name);
    if (!f) throw new TensorJetError('E_INPUT', `input '${gi.name}' is missing`, { input: gi.name });
    const bytes = checkAllocation(f.dtype, f.dims, `input '${gi.name}'`) * byteSize(f.dtype);
    const v: PlanValue = { name: gi.name, dtype: f.dtype, dims: [...f.dims], bytes, storage: newSlot(bytes, -1) };
    values.set(gi.name, v);
    stagedInputs.push({ value: v });
  }
  const steps: PlanStep[] = [];
  // channel views: each concat buffer's arena slot is opened by the first conv that writes into it
  const bufferSlots = new Map<string, number>();
  const placed = (name: string, index: number): { storage: Storage; rowStride: number } | undefined => {
    const cv = vp?.views.get(name);
    if (!cv) return undefined;
    const buf = vp!.buffers.get(cv.buffer)!;
    let slot = bufferSlots.get(cv.buffer);
    if (slot === undefined) {
      slot = intervals.length;
      newSlot(numelOf(buf.dims) * byteSize(buf.dtype), index);
      bufferSlots.set(cv.buffer, slot);
    }
    return { storage: { kind: 'arena', slot, offset: cv.offset * byteSize(buf.dtype) }, rowStride: cv.stride };
  };
  graph.nodes.forEach((node, index) => {
    const ins = node.inputs.map((n) => {
      if (!n) return undefined;
      const v = values.get(n);
      if (!v) throw new TensorJetError('E_MODEL_INVALID', `node '${node.name}' (${node.opType}) reads '${n}', which no earlier node produces`, { node: node.name });
      return v;
    });
    if (vp?.elided.has(index) || vp?.viewNodes.has(index)) {
      // an elided Concat is its buffer; a Split / Slice of a placed value gives views into it
      node.outputs.forEach((name) => {
        if (!name) return;
        const buf = vp.buffers.get(name);
        const v: PlanValue = buf
          ? { name, ...buf, bytes: numelOf(buf.dims) * byteSize(buf.dtype), storage: { kind: 'arena', slot: bufferSlots.get(name)! } }
          : { name, ...viewMeta(vp, name), ...placed(name, index)! };
        touch(v, index);
        values.set(name, v);
      });
      for (const v of ins) if (v) touch(v, index);
      return;
    }
    const opset = p.opsets.get(normalizeDomain(node.domain)) ?? 1;
    const allHost = ins.every((v) => !v || v.host);
    let lowered: Lowered | undefined;
    const small = ins.every((v) => !v || numelOf(v.dims) <= 1 << 16);
    if (allHost && small && ins.length > 0 && node.opType !== 'Shape' && node.opType !== 'Size') lowered = hostFold(p, node, ins, opset);
    const outPlaces = node.outputs.map((o) => (o ? placed(o, index) : undefined));
    if (!lowered) {
      const dom = normalizeDomain(node.domain);
      const key = dom === '' ? node.opType : `${dom}::${node.opType}`;
      const lower = LOWERINGS[key];
      if (!lower) {
        throw new TensorJetError('E_UNSUPPORTED_OP', `node '${node.name}' (${node.opType}) has no CUDA kernel${HOST_FOLDABLE.has(node.opType) ? ' (it runs only on plan-time shape values)' : ''}`, { node: node.name, opType: node.opType });
      }
      if (!VIEW_READERS.has(key) && (ins.some((v) => v?.rowStride !== undefined) || outPlaces.some(Boolean))) {
        throw new TensorJetError('E_KERNEL', `node '${node.name}' (${node.opType}) got an NHWC channel view it cannot take (channel-views.ts; TENSORJET_CONCAT_VIEWS=0 avoids it)`, { node: node.name });
      }
      lowered = lower(new LowerCtx(node, opset, ins, outPlaces.map((o) => o?.rowStride)));
      if (lowered.conv) facts.convs.set(index, lowered.conv);
    }
    const outs = lowered.outputs.map((o, i): PlanValue => {
      const name = node.outputs[i] ?? `${node.name}:${i}`;
      const bytes = checkAllocation(o.dtype, o.dims, `output '${name}' of node '${node.name}'`) * byteSize(o.dtype);
      if (o.host) return { name, dtype: o.dtype, dims: o.dims, host: o.host, bytes, storage: { kind: 'host' } };
      if (o.alias !== undefined) {
        const src = ins[o.alias]!;
        return { name, dtype: o.dtype, dims: o.dims, host: src.host, bytes, storage: src.storage };
      }
      const at = outPlaces[i];
      if (at) return { name, dtype: o.dtype, dims: o.dims, bytes, ...at };
      return { name, dtype: o.dtype, dims: o.dims, bytes, storage: newSlot(bytes, index) };
    });
    for (const v of outs) touch(v, index);
    // host-only values a kernel reads go to the device through the staging copy
    for (const i of lowered.deviceInputs ?? []) {
      const v = ins[i];
      if (v && v.storage.kind === 'host') {
        // a slot of its own for the whole inference: the context uploads it once, not at every infer
        v.storage = newSlot(v.bytes, -1);
        intervals[slotOf(v)].end = Infinity;
        stagedInputs.push({ value: v, host: v.host });
      }
    }
    for (const v of ins) if (v) touch(v, index);
    outs.forEach((v, i) => {
      if (!node.outputs[i]) return;
      values.set(node.outputs[i], v);
      facts.metas.set(node.outputs[i], { dtype: v.dtype, dims: v.dims, host: v.host });
    });
    if (lowered.emit) steps.push({ lowered, inputs: ins, outputs: outs, node: { name: node.name, opType: node.opType } });
  });
  const outputs = graph.outputs.map((o) => {
    const v = values.get(o.name);
    if (!v) throw new TensorJetError('E_MODEL_INVALID', `graph output '${o.name}' was never produced`, { output: o.name });
    touch(v, Infinity);
    return v;
  });
  const { offsets, size } = planArena(intervals);
  for (const [name, v] of values) if (!facts.metas.has(name)) facts.metas.set(name, { dtype: v.dtype, dims: v.dims, host: v.host });
  return { plan: { key: shapeKey(p.inputs), steps, stagedInputs, outputs, offsets, arenaBytes: size }, facts };
}

/** Lowerings that take NHWC channel views (strided inputs; convs also strided outputs). */
const VIEW_READERS = new Set(['Conv', 'tensorjet::FusedConv', 'Concat']);

/** A Split / Slice view's shape (from the first pass: the buffer's view plan does not carry it). */
function viewMeta(vp: ViewPlan, name: string): { dtype: DType; dims: number[]; bytes: number } {
  const m = vp.metas.get(name)!;
  return { dtype: m.dtype, dims: [...m.dims], bytes: numelOf(m.dims) * byteSize(m.dtype) };
}

/** Shape arithmetic on plan-time values through the CPU reference kernels (no device work). */
function hostFold(p: PlanInput, node: Graph['nodes'][number], ins: (PlanValue | undefined)[], opset: number): Lowered | undefined {
  const kernel = p.cpuRegistry().get(node.domain, node.opType);
  if (!kernel) return undefined;
  const ctx = new KernelContext(node, ins.map((v) => v?.host), opset, () => {
    throw new TensorJetError('E_UNSUPPORTED_OP', `node '${node.name}' (${node.opType}): subgraphs are not supported on CUDA`);
  });
  const outs = kernel(ctx);
  if (!outs.every(isTensor)) return undefined;
  return { outputs: (outs as Tensor[]).map((t) => ({ dtype: t.dtype, dims: [...t.dims], host: t })) };
}

/** Device pointer of a value once the arena base is known. */
export function valuePtr(plan: ShapePlan, v: PlanValue, arenaBase: number): number {
  if (v.storage.kind === 'weight') return v.storage.ptr;
  if (v.storage.kind === 'arena') return arenaBase + plan.offsets.get(v.storage.slot)! + (v.storage.offset ?? 0);
  return 0;
}

/** Runs every step's enqueue with resolved pointers. */
export function enqueuePlan(plan: ShapePlan, arenaBase: number, l: Launcher): void {
  for (const s of plan.steps) {
    const ip = s.inputs.map((v) => (v ? valuePtr(plan, v, arenaBase) : 0));
    const op = s.outputs.map((v) => valuePtr(plan, v, arenaBase));
    s.lowered.emit!(ip, op, l);
  }
}
