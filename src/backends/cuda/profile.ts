/**
 * Per-layer profile (TensorRT's --dumpProfile): the plan enqueued eagerly (no CUDA graph) with a timing event
 * before each step and after the last; per-node device times are the medians over several runs.
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
}

/** Enqueues every step of `plan`, recording events[i] before step i and events[steps] after the last. */
export function enqueueProfiled(plan: ShapePlan, base: number, l: Launcher, d: CudaDriver, events: number[], stream: number): void {
  plan.steps.forEach((s, i) => {
    d.check(d.fn.cuEventRecord(events[i], stream), 'cuEventRecord');
    const ip = s.inputs.map((v) => (v ? valuePtr(plan, v, base) : 0));
    const op = s.outputs.map((v) => valuePtr(plan, v, base));
    s.lowered.emit!(ip, op, l);
  });
  d.check(d.fn.cuEventRecord(events[plan.steps.length], stream), 'cuEventRecord');
}

export function elapsedMs(d: CudaDriver, a: number, b: number): number {
  const out: [number] = [0];
  d.check(d.fn.cuEventElapsedTime(out, a, b), 'cuEventElapsedTime');
  return out[0];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** Combines runs (per-step times in order) into one profile. */
export function summarize(plan: ShapePlan, runs: { steps: number[]; h2d: number; compute: number; d2h: number }[]): LayerProfile {
  return {
    nodes: plan.steps.map((s, i) => ({ name: s.node?.name ?? `step ${i}`, opType: s.node?.opType ?? '?', ms: median(runs.map((r) => r.steps[i])) })),
    h2dMs: median(runs.map((r) => r.h2d)),
    computeMs: median(runs.map((r) => r.compute)),
    d2hMs: median(runs.map((r) => r.d2h)),
    runs: runs.length,
  };
}

/** The top `n` nodes by time as table rows: op type, name, ms, % of the summed node time. */
export function topNodes(p: LayerProfile, n = 15): { opType: string; name: string; ms: number; pct: number }[] {
  const total = p.nodes.reduce((a, b) => a + b.ms, 0) || 1;
  return [...p.nodes].sort((a, b) => b.ms - a.ms).slice(0, n).map((x) => ({ ...x, pct: (100 * x.ms) / total }));
}
