/**
 * Per-layer profile (TensorRT's --dumpProfile): the plan with a timing event before each step and after the
 * last, captured into a CUDA graph (event-record nodes) so host launch gaps do not count; eager enqueue where
 * capture is off or fails. Per-node device times are the medians over several runs.
 */
import type { Driver as CudaDriver } from './ffi/driver.js';
import type { Launcher } from './lowering/types.js';
import { valuePtr, type ShapePlan } from './planner.js';

export interface NodeTime {
  name: string;
  opType: string;
  ms: number;
}

export interface LayerProfile {
  /** per plan step in execution order (median over runs) */
  nodes: NodeTime[];
  h2dMs: number;
  computeMs: number;
  d2hMs: number;
  runs: number;
  /** 'graph': events recorded inside one CUDA graph (device time); 'eager': plain enqueue (host gaps count) */
  mode: 'graph' | 'eager';
}

/** cuEventRecordWithFlags flag making a record inside stream capture an event-record node of the graph. */
export const CU_EVENT_RECORD_EXTERNAL = 1;

/**
 * Enqueues every step of `plan`, recording events[i] before step i and events[steps] after the last
 * (`capturing`: as graph nodes, see CU_EVENT_RECORD_EXTERNAL).
 */
export function enqueueProfiled(plan: ShapePlan, base: number, l: Launcher, d: CudaDriver, events: number[], stream: number, capturing = false): void {
  const record = (e: number) =>
    d.check(capturing ? d.fn.cuEventRecordWithFlags(e, stream, CU_EVENT_RECORD_EXTERNAL) : d.fn.cuEventRecord(e, stream), 'cuEventRecord');
  plan.steps.forEach((s, i) => {
    record(events[i]);
    const ip = s.inputs.map((v) => (v ? valuePtr(plan, v, base) : 0));
    const op = s.outputs.map((v) => valuePtr(plan, v, base));
    s.lowered.emit!(ip, op, l);
  });
  record(events[plan.steps.length]);
}

export function elapsedMs(d: CudaDriver, a: number, b: number): number {
  const out: [number] = [0];
  d.check(d.fn.cuEventElapsedTime(out, a, b), 'cuEventElapsedTime');
  return out[0];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** Combines runs (per-step times in order) into one profile. */
export function summarize(plan: ShapePlan, runs: { steps: number[]; h2d: number; compute: number; d2h: number }[], mode: LayerProfile['mode']): LayerProfile {
  return {
    mode,
    nodes: plan.steps.map((s, i) => ({ name: s.node?.name ?? `step ${i}`, opType: s.node?.opType ?? '?', ms: median(runs.map((r) => r.steps[i])) })),
    h2dMs: median(runs.map((r) => r.h2d)),
    computeMs: median(runs.map((r) => r.compute)),
    d2hMs: median(runs.map((r) => r.d2h)),
    runs: runs.length,
  };
}
