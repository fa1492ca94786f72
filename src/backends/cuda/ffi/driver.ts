/**
 * CUDA driver API bindings (libcuda). Handles and device pointers cross as uint64 numbers; every status
 * goes through `cuCheck`, which throws E_CUDA with the driver's own error name and string.
 */
import { TensorJetError } from '../../../errors.js';
import { findLibrary } from './library.js';
import { koffi, tryOpen, type KoffiLib } from './koffi.js';

export const CUDA_ERROR_NOT_READY = 600;
export const CU_STREAM_NON_BLOCKING = 1;
export const CU_EVENT_DISABLE_TIMING = 2;
export const CU_STREAM_CAPTURE_MODE_THREAD_LOCAL = 1;
export const CU_DEVICE_ATTRIBUTE = { MULTIPROCESSOR_COUNT: 16, CC_MAJOR: 75, CC_MINOR: 76 } as const;

type Fn = (...args: unknown[]) => number;

const SIGNATURES = {
  cuInit: 'int cuInit(unsigned int flags)',
  cuDriverGetVersion: 'int cuDriverGetVersion(_Out_ int *v)',
  cuDeviceGetCount: 'int cuDeviceGetCount(_Out_ int *n)',
  cuDeviceGet: 'int cuDeviceGet(_Out_ int *dev, int ordinal)',
  cuDeviceGetName: 'int cuDeviceGetName(_Out_ uint8_t *name, int len, int dev)',
  cuDeviceGetAttribute: 'int cuDeviceGetAttribute(_Out_ int *v, int attrib, int dev)',
  cuDeviceTotalMem: 'int cuDeviceTotalMem_v2(_Out_ size_t *bytes, int dev)',
  cuDevicePrimaryCtxRetain: 'int cuDevicePrimaryCtxRetain(_Out_ uint64_t *ctx, int dev)',
  cuDevicePrimaryCtxRelease: 'int cuDevicePrimaryCtxRelease_v2(int dev)',
  cuCtxSetCurrent: 'int cuCtxSetCurrent(uint64_t ctx)',
  cuCtxSynchronize: 'int cuCtxSynchronize()',
  cuMemAlloc: 'int cuMemAlloc_v2(_Out_ uint64_t *dptr, size_t bytes)',
  cuMemFree: 'int cuMemFree_v2(uint64_t dptr)',
  cuMemGetInfo: 'int cuMemGetInfo_v2(_Out_ size_t *free, _Out_ size_t *total)',
  cuMemAllocHost: 'int cuMemAllocHost_v2(_Out_ void **pp, size_t bytes)',
  cuMemFreeHost: 'int cuMemFreeHost(void *p)',
  cuMemHostAlloc: 'int cuMemHostAlloc(_Out_ void **pp, size_t bytes, unsigned int flags)',
  cuMemcpyHtoDAsync: 'int cuMemcpyHtoDAsync_v2(uint64_t dst, uint64_t src, size_t bytes, uint64_t stream)',
  cuMemcpyDtoHAsync: 'int cuMemcpyDtoHAsync_v2(uint64_t dst, uint64_t src, size_t bytes, uint64_t stream)',
  cuMemcpyDtoDAsync: 'int cuMemcpyDtoDAsync_v2(uint64_t dst, uint64_t src, size_t bytes, uint64_t stream)',
  cuMemcpyHtoD: 'int cuMemcpyHtoD_v2(uint64_t dst, const void *src, size_t bytes)',
  cuMemcpyDtoH: 'int cuMemcpyDtoH_v2(_Out_ void *dst, uint64_t src, size_t bytes)',
  cuMemsetD32Async: 'int cuMemsetD32Async(uint64_t dst, uint32_t v, size_t n, uint64_t stream)',
  cuMemsetD8Async: 'int cuMemsetD8Async(uint64_t dst, uint8_t v, size_t n, uint64_t stream)',
  cuStreamCreate: 'int cuStreamCreate(_Out_ uint64_t *s, unsigned int flags)',
  cuStreamSynchronize: 'int cuStreamSynchronize(uint64_t s)',
  cuStreamQuery: 'int cuStreamQuery(uint64_t s)',
  cuStreamDestroy: 'int cuStreamDestroy_v2(uint64_t s)',
  cuEventCreate: 'int cuEventCreate(_Out_ uint64_t *e, unsigned int flags)',
  cuEventRecord: 'int cuEventRecord(uint64_t e, uint64_t s)',
  cuEventRecordWithFlags: 'int cuEventRecordWithFlags(uint64_t e, uint64_t s, unsigned int flags)',
  cuEventQuery: 'int cuEventQuery(uint64_t e)',
  cuEventSynchronize: 'int cuEventSynchronize(uint64_t e)',
  cuEventElapsedTime: 'int cuEventElapsedTime_v2(_Out_ float *ms, uint64_t a, uint64_t b)',
  cuEventDestroy: 'int cuEventDestroy_v2(uint64_t e)',
  cuModuleLoadData: 'int cuModuleLoadData(_Out_ uint64_t *m, const void *image)',
  cuModuleUnload: 'int cuModuleUnload(uint64_t m)',
  cuModuleGetFunction: 'int cuModuleGetFunction(_Out_ uint64_t *f, uint64_t m, const char *name)',
  cuLaunchKernel:
    'int cuLaunchKernel(uint64_t f, unsigned int gx, unsigned int gy, unsigned int gz, unsigned int bx, unsigned int by, unsigned int bz, unsigned int shmem, uint64_t stream, uint64_t params, uint64_t extra)',
  cuStreamBeginCapture: 'int cuStreamBeginCapture_v2(uint64_t s, int mode)',
  cuStreamEndCapture: 'int cuStreamEndCapture(uint64_t s, _Out_ uint64_t *graph)',
  cuGraphInstantiate: 'int cuGraphInstantiateWithFlags(_Out_ uint64_t *exec, uint64_t graph, uint64_t flags)',
  cuGraphLaunch: 'int cuGraphLaunch(uint64_t exec, uint64_t s)',
  cuGraphExecDestroy: 'int cuGraphExecDestroy(uint64_t exec)',
  cuGraphDestroy: 'int cuGraphDestroy(uint64_t g)',
  cuGetErrorString: 'int cuGetErrorString(int err, _Out_ const char **s)',
  cuGetErrorName: 'int cuGetErrorName(int err, _Out_ const char **s)',
} as const;

export type DriverFns = { [K in keyof typeof SIGNATURES]: Fn };

export interface Driver {
  path: string;
  fn: DriverFns;
  /** throws E_CUDA unless `status` is CUDA_SUCCESS */
  check(status: number, what: string): void;
  /** cuLaunchKernelEx(config, f, params, extra) where the driver has it (CUDA 12.0+) */
  launchKernelEx?: Fn;
  /** 1-output helper: calls fn(out, ...args), checks, returns out[0] as number */
  out(name: keyof DriverFns, ...args: unknown[]): number;
  /** wraps a pinned host pointer (external) as bytes */
  view(ptr: unknown, bytes: number): Uint8Array;
  address(ptr: unknown): number;
  /**
   * cuEventSynchronize on one of koffi's worker threads: resolves with the CUDA status while the main
   * thread stays free. Throws synchronously when koffi's async queue is full.
   */
  eventSynchronizeAsync(event: number): Promise<number>;
}

let driver: Driver | undefined;
let driverError: TensorJetError | undefined;

/** The CUDA driver, loaded and initialised once (cuInit). Throws E_LIBRARY_NOT_FOUND / E_CUDA. */
export function getDriver(): Driver {
  if (driver) return driver;
  if (driverError) throw driverError;
  try {
    driver = loadDriver();
    return driver;
  } catch (e) {
    driverError = e instanceof TensorJetError ? e : new TensorJetError('E_CUDA', `CUDA driver failed to load: ${(e as Error).message}`);
    throw driverError;
  }
}

function loadDriver(): Driver {
  let lib: KoffiLib | undefined;
  const path = findLibrary('CUDA driver (libcuda)', ['libcuda.so.1', 'libcuda.so'], (p) => !!(lib = tryOpen(p)));
  const fn = {} as DriverFns;
  for (const [k, sig] of Object.entries(SIGNATURES)) (fn as Record<string, Fn>)[k] = lib!.func(sig) as Fn;
  const k = koffi();
  const errText = (status: number): string => {
    const name: [string | null] = [null];
    const str: [string | null] = [null];
    fn.cuGetErrorName(status, name);
    fn.cuGetErrorString(status, str);
    return `${name[0] ?? 'CUDA_ERROR_' + status}: ${str[0] ?? 'unknown error'}`;
  };
  let launchKernelEx: Fn | undefined;
  try {
    launchKernelEx = lib!.func('int cuLaunchKernelEx(uint64_t config, uint64_t f, uint64_t params, uint64_t extra)') as Fn;
  } catch {
    /* older driver: plain launches only */
  }
  const d: Driver = {
    path,
    fn,
    launchKernelEx,
    check(status, what) {
      if (status !== 0) throw new TensorJetError('E_CUDA', `${what} failed: ${errText(status)} (${status})`, { call: what, status });
    },
    out(name, ...args) {
      const o: [number | bigint] = [0];
      d.check(fn[name](o, ...args), name);
      return Number(o[0]);
    },
    view(ptr, bytes) {
      return new Uint8Array(k.view(ptr, bytes));
    },
    address(ptr) {
      return Number(k.address(ptr));
    },
    eventSynchronizeAsync(event) {
      const sync = fn.cuEventSynchronize as Fn & { async: (e: number, cb: (err: unknown, status: number) => void) => void };
      return new Promise((resolve, reject) => sync.async(event, (err, status) => (err ? reject(err) : resolve(status))));
    },
  };
  d.check(fn.cuInit(0), 'cuInit');
  return d;
}

/** One pinned host allocation: its address (for async copies) and a byte view over it. */
export interface PinnedBuffer {
  ptr: unknown;
  address: number;
  bytes: Uint8Array;
}

/** CU_MEMHOSTALLOC_PORTABLE: pinned for every context (any GPU), not only the current one. */
const CU_MEMHOSTALLOC_PORTABLE = 1;

/** Page-locked host memory (`portable`: usable for async copies on every GPU's context). */
export function allocPinned(d: Driver, bytes: number, portable = false): PinnedBuffer {
  const o: [unknown] = [null];
  if (portable) d.check(d.fn.cuMemHostAlloc(o, Math.max(bytes, 256), CU_MEMHOSTALLOC_PORTABLE), 'cuMemHostAlloc');
  else d.check(d.fn.cuMemAllocHost(o, Math.max(bytes, 256)), 'cuMemAllocHost');
  return { ptr: o[0], address: d.address(o[0]), bytes: d.view(o[0], Math.max(bytes, 256)) };
}

export function freePinned(d: Driver, b: PinnedBuffer): void {
  d.check(d.fn.cuMemFreeHost(b.ptr), 'cuMemFreeHost');
}
