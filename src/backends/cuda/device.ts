/** One GPU's primary context, modules and the helpers engines and contexts share on it. */
import { TensorJetError } from '../../errors.js';
import { CUDA_ERROR_NOT_READY, getDriver, type Driver } from './ffi/driver.js';
import { deviceProps } from './devices.js';

/** Busy-poll budget per wait, microseconds (TENSORJET_CUDA_SPIN_US; 0 = always yield to the event loop). */
const SPIN_US = Number(process.env.TENSORJET_CUDA_SPIN_US ?? 20) || 0;
/** setImmediate polling past the expected completion before a worker thread takes the wait, ms (TENSORJET_CUDA_POLL_MS) */
const POLL_MS = Number(process.env.TENSORJET_CUDA_POLL_MS ?? 2);
/** Waits expected to take this long sleep on a timer first, waking SLEEP_MARGIN_MS early to poll. */
const SLEEP_FROM_MS = 3;
const SLEEP_MARGIN_MS = 1.5;
/** Waits past the polling window block a koffi worker thread in cuEventSynchronize (TENSORJET_CUDA_WORKER_WAIT=0: 1 ms timer polls). */
let workerWaits = process.env.TENSORJET_CUDA_WORKER_WAIT !== '0';
const CUDA_ERROR_INVALID_CONTEXT = 201;

/** What a wait learns about the work it waits for (one per plan shape): how long after the wait began it completed. */
export interface WaitHint {
  ms: number;
}

export class CudaDevice {
  readonly d: Driver;
  readonly ctx: number;
  readonly name: string;
  readonly arch: string;
  private released = false;

  constructor(readonly index: number) {
    this.d = getDriver();
    const p = deviceProps(index);
    this.name = p.name;
    this.arch = p.arch;
    this.ctx = this.d.out('cuDevicePrimaryCtxRetain', index);
    this.makeCurrent();
  }

  makeCurrent(): void {
    this.d.check(this.d.fn.cuCtxSetCurrent(this.ctx), 'cuCtxSetCurrent');
  }

  alloc(bytes: number, what: string): number {
    this.makeCurrent();
    try {
      return this.d.out('cuMemAlloc', Math.max(bytes, 256));
    } catch (e) {
      if (e instanceof TensorJetError) {
        throw new TensorJetError('E_CUDA', `allocating ${bytes} bytes for ${what} on GPU ${this.index} (${this.name}): ${e.message}`, { device: this.index, bytes }, { cause: e });
      }
      throw e;
    }
  }

  free(ptr: number): void {
    if (!ptr) return;
    this.makeCurrent();
    this.d.check(this.d.fn.cuMemFree(ptr), 'cuMemFree');
  }

  /**
   * Resolves once `event` has completed without blocking the event loop. A short busy poll first (at most
   * SPIN_US microseconds: tiny inferences return without an event-loop turn); waits that `hint` expects to take
   * SLEEP_FROM_MS or more sleep on a timer until shortly before then; then setImmediate polls (about 1-2 us
   * apart on an idle loop, other callbacks run in between) until POLL_MS past the expected completion; past that
   * a koffi worker thread blocks in cuEventSynchronize and wakes the loop when the GPU is done (about 50 us
   * later than a poll would). Without that worker (the driver wants a context on the waiting thread, koffi's
   * queue is full) polling goes on with 1 ms timers. `hint` learns the completion time for the next wait.
   */
  waitEvent(event: number, hint?: WaitHint): Promise<void> {
    const t0 = performance.now();
    if (SPIN_US > 0) {
      const until = process.hrtime.bigint() + BigInt(SPIN_US * 1000);
      for (;;) {
        const s = this.d.fn.cuEventQuery(event);
        if (s === 0) {
          if (hint) hint.ms = performance.now() - t0;
          return Promise.resolve();
        }
        if (s !== CUDA_ERROR_NOT_READY || process.hrtime.bigint() > until) break;
      }
    }
    const expected = hint?.ms ?? 0;
    const sleepMs = expected >= SLEEP_FROM_MS ? Math.floor(expected - SLEEP_MARGIN_MS) : 0;
    const pollUntil = t0 + expected * 1.25 + POLL_MS;
    return new Promise((resolve, reject) => {
      let polls = 0;
      let worker = false;
      const finish = () => {
        // done on the first poll after a sleep: it finished some time before, so sleep a little less next time
        if (hint) hint.ms = sleepMs && polls === 1 ? expected * 0.95 : performance.now() - t0;
        resolve();
      };
      const poll = () => {
        polls++;
        const s = this.d.fn.cuEventQuery(event);
        if (s === 0) return finish();
        if (s !== CUDA_ERROR_NOT_READY) {
          try {
            this.d.check(s, 'cuEventQuery');
          } catch (e) {
            return reject(e);
          }
        }
        if (performance.now() < pollUntil) return void setImmediate(poll);
        if (workerWaits && !worker) {
          worker = true;
          try {
            return void this.d.eventSynchronizeAsync(event).then((status) => {
              if (status === 0) return finish();
              if (status !== CUDA_ERROR_INVALID_CONTEXT) {
                try {
                  this.d.check(status, 'cuEventSynchronize');
                } catch (e) {
                  return reject(e);
                }
              }
              workerWaits = false; // this driver wants a current context on the waiting thread
              poll();
            }, reject);
          } catch {
            // koffi's async queue is full: keep polling
          }
        }
        setTimeout(poll, 1);
      };
      if (sleepMs > 0) setTimeout(poll, sleepMs);
      else poll();
    });
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.d.fn.cuDevicePrimaryCtxRelease(this.index);
  }
}
