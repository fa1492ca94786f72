/** ExecutionContext: runs inferences of one engine, one at a time (calls queue), with its own scratch state. */
import { TensorJetError } from '../errors.js';
import type { BackendContext, InferOptions } from '../backends/backend.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Engine } from './engine.js';
import { validateFeeds } from './validate.js';

/**
 * InferOptions.outputs on backends that return fresh tensors: copies each result into the caller's tensor
 * (GPU backends write into it directly and return it, so nothing is copied twice).
 */
function fillOutputs(out: Map<string, Tensor>, into: Record<string, Tensor>): void {
  for (const [name, t] of Object.entries(into)) {
    const r = out.get(name);
    if (!r || r === t) continue; // names were checked before the run
    if (r.dtype !== t.dtype || r.dims.length !== t.dims.length || r.dims.some((d, i) => d !== t.dims[i])) {
      throw new TensorJetError('E_USAGE', `outputs['${name}'] is ${t.dtype} [${t.dims}], but this inference produces ${r.dtype} [${r.dims}]`);
    }
    if (Array.isArray(t.data)) (t.data as string[]).splice(0, t.data.length, ...(r.data as string[]));
    else (t.data as unknown as { set(a: ArrayLike<unknown>): void }).set(r.data as ArrayLike<unknown>);
    out.set(name, t);
  }
}

export class ExecutionContext {
  private inner: BackendContext | undefined;
  private tail: Promise<unknown> = Promise.resolve();
  private pending = 0;

  /** @internal created by Engine.createContext() */
  constructor(readonly engine: Engine, inner: BackendContext, private readonly onDispose: () => void) {
    this.inner = inner;
  }

  /** Inferences queued or running on this context. */
  get busy(): number {
    return this.pending;
  }

  /**
   * Runs one inference. Feeds are checked first (E_INPUT names the input, what was given and what is
   * allowed); calls on one context run in order, one at a time.
   */
  infer(feeds: Record<string, Tensor>, options?: InferOptions): Promise<Record<string, Tensor>> {
    let checked: Map<string, Tensor>;
    try {
      this.live();
      checked = validateFeeds(feeds, this.engine.inputs, this.engine.profiles);
      for (const name of Object.keys(options?.outputs ?? {})) {
        if (!this.engine.outputs.some((o) => o.name === name)) {
          throw new TensorJetError('E_USAGE', `outputs['${name}']: the model has no output '${name}' (outputs: ${this.engine.outputs.map((o) => o.name).join(', ')})`);
        }
      }
    } catch (e) {
      return Promise.reject(e);
    }
    this.pending++;
    const run = this.tail.then(async () => {
      const out = await this.live().infer(checked, options);
      if (options?.outputs) fillOutputs(out, options.outputs);
      return Object.fromEntries(out) as Record<string, Tensor>;
    });
    const settle = () => { this.pending--; };
    this.tail = run.then(settle, settle);
    return run;
  }

  /**
   * GPU contexts: runs one inference timed per phase (host-to-device, compute, device-to-host) with
   * device events; undefined on backends without device timing (cpu).
   */
  async phaseTimes(feeds: Record<string, Tensor>): Promise<{ h2dMs: number; computeMs: number; d2hMs: number } | undefined> {
    const inner = this.live();
    if (!inner.phaseTimes) return undefined;
    const checked = validateFeeds(feeds, this.engine.inputs, this.engine.profiles);
    const run = this.tail.then(() => inner.phaseTimes!(checked));
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** GPU contexts: per-layer device times (eager enqueue, events around each node); undefined on cpu. */
  async profile(feeds: Record<string, Tensor>, runs?: number): Promise<Awaited<ReturnType<NonNullable<BackendContext['profile']>>> | undefined> {
    const inner = this.live();
    if (!inner.profile) return undefined;
    const checked = validateFeeds(feeds, this.engine.inputs, this.engine.profiles);
    const run = this.tail.then(() => inner.profile!(checked, runs));
    this.tail = run.catch(() => undefined);
    return run;
  }

  memoryBytes(): number {
    return this.inner?.memoryBytes() ?? 0;
  }

  private live(): BackendContext {
    if (!this.inner) throw new TensorJetError('E_DISPOSED', 'execution context was disposed');
    if (this.engine.disposed) throw new TensorJetError('E_DISPOSED', 'engine was disposed');
    return this.inner;
  }

  get disposed(): boolean {
    return !this.inner;
  }

  /** Frees the context's scratch memory. Idempotent. */
  dispose(): void {
    if (!this.inner) return;
    this.inner.dispose();
    this.inner = undefined;
    this.onDispose();
  }
}
