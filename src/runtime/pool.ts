/**
 * DevicePool: engines on several devices x N contexts each. infer() goes to an idle context, preferring
 * the device with the fewest running jobs, then the context that has done the least; when every
 * context is busy, requests queue in arrival order.
 */
import { TensorJetError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Plan } from '../plan/types.js';
import type { ExecutionContext } from './context.js';
import type { DeviceSpec } from './devices.js';
import { Engine } from './engine.js';

export interface PoolOptions {
  /** devices to load the plan on (default ['auto']) */
  devices?: DeviceSpec[];
  /** contexts per engine (default 2) */
  contextsPerDevice?: number;
}

export interface PoolStats {
  device: string;
  context: number;
  completed: number;
  busy: boolean;
}

interface Slot {
  engine: Engine;
  engineIndex: number;
  index: number;
  ctx: ExecutionContext;
  busy: boolean;
  completed: number;
}

interface Job {
  feeds: Record<string, Tensor>;
  resolve: (out: Record<string, Tensor>) => void;
  reject: (e: unknown) => void;
}

export class DevicePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private disposed = false;

  constructor(readonly engines: Engine[], contextsPerEngine = 2) {
    if (!engines.length) throw new TensorJetError('E_USAGE', 'a DevicePool needs at least one engine');
    if (!Number.isInteger(contextsPerEngine) || contextsPerEngine < 1) {
      throw new TensorJetError('E_USAGE', `contextsPerDevice must be a positive integer, got ${contextsPerEngine}`);
    }
    engines.forEach((engine, engineIndex) => {
      for (let index = 0; index < contextsPerEngine; index++) {
        this.slots.push({ engine, engineIndex, index, ctx: engine.createContext(), busy: false, completed: 0 });
      }
    });
  }

  /** Loads `plan` on every device and creates the contexts. */
  static async create(plan: string | Uint8Array | Plan, options: PoolOptions = {}): Promise<DevicePool> {
    const engines: Engine[] = [];
    try {
      for (const device of options.devices ?? ['auto']) engines.push(await Engine.load(plan, { device }));
      return new DevicePool(engines, options.contextsPerDevice ?? 2);
    } catch (e) {
      engines.forEach((en) => en.dispose());
      throw e;
    }
  }

  get size(): number {
    return this.slots.length;
  }

  /** Requests waiting for a free context. */
  get queued(): number {
    return this.queue.length;
  }

  infer(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    if (this.disposed) return Promise.reject(new TensorJetError('E_DISPOSED', 'device pool was disposed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ feeds, resolve, reject });
      this.dispatch();
    });
  }

  /** Runs a batch of requests over all contexts; results in input order (rejects on the first failure). */
  run(inputs: Record<string, Tensor>[]): Promise<Record<string, Tensor>[]> {
    return Promise.all(inputs.map((f) => this.infer(f)));
  }

  stats(): PoolStats[] {
    return this.slots.map((s) => ({ device: s.engine.device, context: s.index, completed: s.completed, busy: s.busy }));
  }

  private pick(): Slot | undefined {
    const running = new Map<number, number>();
    for (const s of this.slots) if (s.busy) running.set(s.engineIndex, (running.get(s.engineIndex) ?? 0) + 1);
    let best: Slot | undefined;
    for (const s of this.slots) {
      if (s.busy) continue;
      if (!best) { best = s; continue; }
      const a = running.get(s.engineIndex) ?? 0;
      const b = running.get(best.engineIndex) ?? 0;
      if (a < b || (a === b && s.completed < best.completed)) best = s;
    }
    return best;
  }

  private dispatch(): void {
    while (this.queue.length) {
      const slot = this.pick();
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.busy = true;
      slot.ctx.infer(job.feeds).then(job.resolve, job.reject).finally(() => {
        slot.busy = false;
        slot.completed++;
        if (!this.disposed) this.dispatch();
      });
    }
  }

  /** Rejects queued requests, disposes every context and engine. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const job of this.queue.splice(0)) job.reject(new TensorJetError('E_DISPOSED', 'device pool was disposed'));
    for (const s of this.slots) s.ctx.dispose();
    for (const e of this.engines) e.dispose();
  }
}
