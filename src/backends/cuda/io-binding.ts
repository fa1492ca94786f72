/**
 * Device-resident inputs and outputs bound in place (TensorRT's setTensorAddress): the plan reads a caller's
 * DeviceTensor input where it lies and writes an output straight into the caller's DeviceTensor, instead of
 * copying them into and out of the arena. A binding is the plan with those arena slots moved to the caller's
 * pointers; CUDA graphs capture pointers, so each binding gets its own graph (engine.ts keeps a few).
 */
import type { Tensor } from '../../tensor/tensor.js';
import { DeviceTensor } from './io-tensors.js';
import type { ShapePlan } from './planner.js';

/** cuDNN tensors and the wide copy kernels assume arena alignment */
const BIND_ALIGN = 256;

export interface Binding {
  /** slot:pointer list, the graph cache key */
  key: string;
  /** the plan with bound slots pointing at the caller's memory */
  plan: ShapePlan;
  /** staged inputs (by index) and outputs (by index) that need no copy */
  inputs: Set<number>;
  outputs: Set<number>;
  /** what it was made from: the arena base, then each staged input's and output's device pointer (0: none) */
  ptrs: number[];
}

/**
 * The slots of `plan` that can live in the caller's memory for this call: graph inputs fed as device
 * tensors, and outputs written into caller-given device tensors when their slot holds nothing else (not an
 * input, not another output) and does not overlap a bound input. Undefined when nothing binds; `last` when
 * it binds the same pointers (a repeated binding costs no plan copy).
 */
export function bindDeviceIO(plan: ShapePlan, arenaBase: number, feeds: Map<string, Tensor>, outputs: (DeviceTensor | undefined)[], last?: Binding): Binding | undefined {
  // the same pointers as last time (the usual loop over preallocated tensors): the same binding, found cheaply
  const ptrs = [arenaBase];
  for (const s of plan.stagedInputs) {
    const feed = feeds.get(s.value.name);
    ptrs.push(feed instanceof DeviceTensor ? feed.ptr : 0);
  }
  for (const t of outputs) ptrs.push(t?.ptr ?? 0);
  if (last && last.plan.steps === plan.steps && last.ptrs.length === ptrs.length && last.ptrs.every((p, i) => p === ptrs[i])) return last;
  const slots = new Map<number, number>();
  const inputs = new Set<number>();
  const inputRanges: [number, number][] = [];
  const slotOf = (storage: ShapePlan['outputs'][number]['storage']) => (storage.kind === 'arena' ? storage.slot : -1);
  plan.stagedInputs.forEach((s, i) => {
    const feed = feeds.get(s.value.name);
    const slot = slotOf(s.value.storage);
    if (s.host || slot < 0 || !(feed instanceof DeviceTensor) || feed.ptr % BIND_ALIGN || slots.has(slot)) return;
    slots.set(slot, feed.ptr);
    inputs.add(i);
    inputRanges.push([feed.ptr, feed.ptr + s.value.bytes]);
  });
  const inputSlots = new Set(plan.stagedInputs.map((s) => slotOf(s.value.storage)));
  const outputSlotUses = new Map<number, number>();
  for (const v of plan.outputs) outputSlotUses.set(slotOf(v.storage), (outputSlotUses.get(slotOf(v.storage)) ?? 0) + 1);
  const bound = new Set<number>();
  plan.outputs.forEach((v, i) => {
    const t = outputs[i];
    const slot = slotOf(v.storage);
    if (!t || slot < 0 || t.ptr % BIND_ALIGN || inputSlots.has(slot) || outputSlotUses.get(slot) !== 1) return;
    if (inputRanges.some(([a, b]) => t.ptr < b && a < t.ptr + v.bytes)) return;
    slots.set(slot, t.ptr);
    bound.add(i);
  });
  if (!slots.size) return undefined;
  const key = `${arenaBase}|${[...slots].map(([s, p]) => `${s}:${p}`).join(',')}`;
  if (last?.key === key && last.plan.steps === plan.steps) return { ...last, ptrs };
  const offsets = new Map(plan.offsets);
  for (const [slot, ptr] of slots) offsets.set(slot, ptr - arenaBase);
  return { key, plan: { ...plan, offsets }, inputs, outputs: bound, ptrs };
}

/**
 * One plan shape's bound CUDA graphs, by binding key, oldest dropped past `keep`. A binding gets its graph once
 * the same pointers come twice in a row: callers that pass new tensors every time pay no capture.
 */
export class BoundGraphs {
  private readonly execs = new Map<string, number>();
  private last?: string;
  constructor(private readonly destroy: (exec: number) => void, private readonly keep = 4) {}

  /** The graph for `binding` (captured now when it repeats), or undefined: run the plain graph with copies. */
  take(binding: Binding | undefined, capture: () => number): number | undefined {
    const repeated = binding && (this.execs.has(binding.key) || this.last === binding.key);
    this.last = binding?.key;
    if (!binding || !repeated) return undefined;
    let exec = this.execs.get(binding.key);
    if (exec === undefined) {
      exec = capture();
      this.execs.set(binding.key, exec);
      const [oldest] = this.execs;
      if (this.execs.size > this.keep) {
        this.destroy(oldest[1]);
        this.execs.delete(oldest[0]);
      }
    }
    return exec;
  }

  /** Destroys every graph (their pointers are stale once the arena moves). */
  clear(): void {
    for (const exec of this.execs.values()) this.destroy(exec);
    this.execs.clear();
  }
}
