/**
 * A FinalizePool worker thread: finalizes the cuDNN execution plans the main thread prepares (each message a
 * plan descriptor; the reply its cudnnBackendFinalize status), with the tuning device's primary context current
 * on this thread, where cuDNN loads the plan's kernels. Both libraries are already loaded by the main thread,
 * so they open by soname.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { koffi } from './koffi.js';

const port = parentPort!;
const { device } = workerData as { device: number };
let status = 'no CUDA driver';
let finalize: ((plan: number) => number) | undefined;
let release = () => {};
try {
  const k = koffi();
  const cuda = k.load('libcuda.so.1');
  const retain = cuda.func('int cuDevicePrimaryCtxRetain(_Out_ uint64_t *ctx, int dev)');
  const setCurrent = cuda.func('int cuCtxSetCurrent(uint64_t ctx)');
  const releaseCtx = cuda.func('int cuDevicePrimaryCtxRelease_v2(int dev)');
  const fin = k.load('libcudnn.so.9').func('int cudnnBackendFinalize(uint64_t descriptor)');
  const ctx: [number] = [0];
  const rc = retain(ctx, device);
  if (rc !== 0) status = `cuDevicePrimaryCtxRetain(${device}) returned ${rc}`;
  else {
    release = () => releaseCtx(device);
    const set = setCurrent(ctx[0]);
    if (set !== 0) status = `cuCtxSetCurrent returned ${set}`;
    else [status, finalize] = ['ready', (plan) => fin(plan) as number];
  }
} catch (e) {
  status = (e as Error).message.split('\n')[0]!;
}

port.on('message', (m: { id: number; plan: number } | 'close') => {
  if (m === 'close') {
    release();
    port.close();
  } else port.postMessage({ id: m.id, status: finalize ? finalize(m.plan) : -1 });
});
port.postMessage({ ready: status });
