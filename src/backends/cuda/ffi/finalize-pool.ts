/**
 * Worker threads that finalize cuDNN execution plans in parallel (finalize-worker.ts). Finalizing a
 * runtime-compiled engine config JIT-compiles its kernels: 0.3-0.9 s each on a machine whose driver JIT cache
 * is empty, ~40 ms once cached, and a conv tuning finalizes several per conv. Lane i's plans are finalized by
 * worker i; callers give each lane its own cuDNN handle (cuDNN is thread-safe across handles, not within one).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';

/** Lanes to use: TENSORJET_TUNING_THREADS, else the cores less one, at most 8 (1: no pool, finalize in place). */
export function tuningLanes(): number {
  const v = Number(process.env.TENSORJET_TUNING_THREADS);
  return Number.isInteger(v) && v >= 1 ? Math.min(v, 32) : Math.max(1, Math.min(8, availableParallelism() - 1));
}

export class FinalizePool {
  private readonly pending = new Map<number, { resolve: (status: number) => void; reject: (e: Error) => void }>();
  private nextId = 0;

  private constructor(private readonly workers: Worker[]) {
    for (const w of workers) {
      w.on('message', (m: { id: number; status: number }) => {
        this.pending.get(m.id)?.resolve(m.status);
        this.pending.delete(m.id);
      });
      w.on('error', (e) => this.failAll(e));
      w.on('exit', () => this.failAll(new Error('cuDNN finalize worker exited')));
    }
  }

  /** `lanes` workers with `device`'s primary context current; rejects (workers stopped) if one cannot start. */
  static async open(device: number, lanes: number): Promise<FinalizePool> {
    const workers: Worker[] = [];
    try {
      const ready = Array.from({ length: lanes }, () => {
        const w = new Worker(new URL('./finalize-worker.js', import.meta.url), { workerData: { device } });
        workers.push(w);
        return new Promise<void>((resolve, reject) => {
          w.once('message', (m: { ready: string }) => (m.ready === 'ready' ? resolve() : reject(new Error(m.ready))));
          w.once('error', reject);
        });
      });
      await Promise.all(ready);
      return new FinalizePool(workers);
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
  }

  get lanes(): number {
    return this.workers.length;
  }

  /** cudnnBackendFinalize(plan) on lane `lane`'s worker; resolves to its status. */
  finalize(lane: number, plan: number): Promise<number> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.workers[lane]!.postMessage({ id, plan });
    });
  }

  private failAll(e: Error): void {
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  /** Releases each worker's context and stops it. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => new Promise<void>((resolve) => {
      w.removeAllListeners('exit');
      w.once('exit', () => resolve());
      w.postMessage('close');
      setTimeout(() => void w.terminate(), 2000).unref(); // a worker stuck in a driver call
    })));
  }
}
