/** One GPU's primary context, modules and the helpers engines and contexts share on it. */
import { TensorJetError } from '../../errors.js';
import { CUDA_ERROR_NOT_READY, getDriver, type Driver } from './ffi/driver.js';
import { deviceProps } from './devices.js';

/** Busy-poll budget per wait, microseconds (TENSORJET_CUDA_SPIN_US; 0 = always yield to the event loop). */
const SPIN_US = Number(process.env.TENSORJET_CUDA_SPIN_US ?? 20) || 0;
/** Waits block a koffi worker thread in cuEventSynchronize (TENSORJET_CUDA_WORKER_WAIT=0 polls instead). */
let workerWaits = process.env.TENSORJET_CUDA_WORKER_WAIT !== '0';
const CUDA_ERROR_INVALID_CONTEXT = 201;
/** setImmediate polls before the worker-thread wait (about 1-2 us each on an idle loop) */
const IMMEDIATE_POLLS = 64;

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
   * Resolves once `event` has completed without blocking the event loop: a short busy poll first (at
   * most SPIN_US microseconds, so tiny inferences return without an event-loop turn), then IMMEDIATE_POLLS
   * polls on setImmediate (short inferences return within a few microseconds of the GPU), then a koffi
   * worker thread blocks in cuEventSynchronize and wakes the loop the moment the GPU is done. Where that
   * wait is unavailable (the worker gets no context, koffi's async queue is full), polling goes on with
   * 1 ms timers.
   */
  waitEvent(event: number): Promise<void> {
    if (SPIN_US > 0) {
      const until = process.hrtime.bigint() + BigInt(SPIN_US * 1000);
      for (;;) {
        const s = this.d.fn.cuEventQuery(event);
        if (s === 0) return Promise.resolve();
        if (s !== CUDA_ERROR_NOT_READY || process.hrtime.bigint() > until) break;
      }
    }
    return new Promise((resolve, reject) => {
      let polls = 0;
      const poll = () => {
        const s = this.d.fn.cuEventQuery(event);
        if (s === 0) return resolve();
        if (s !== CUDA_ERROR_NOT_READY) {
          try {
            this.d.check(s, 'cuEventQuery');
          } catch (e) {
            return reject(e);
          }
        }
        if (++polls < IMMEDIATE_POLLS) return void setImmediate(poll);
        if (workerWaits && polls === IMMEDIATE_POLLS) {
          try {
            return void this.d.eventSynchronizeAsync(event).then((status) => {
              if (status === 0) return resolve();
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
      poll();
    });
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.d.fn.cuDevicePrimaryCtxRelease(this.index);
  }
}
