/** GPU discovery: what CUDA devices are visible and why the CUDA backend cannot start when it can't. */
import { readFileSync } from 'node:fs';
import { TensorJetError } from '../../errors.js';
import { CU_DEVICE_ATTRIBUTE, getDriver } from './ffi/driver.js';

export interface CudaDeviceInfo {
  index: number;
  name: string;
  /** e.g. 'sm_90' */
  arch: string;
  computeCapability: [number, number];
  multiprocessors: number;
  memoryTotal: number;
  memoryFree: number;
  /** kernel driver version (e.g. '580.159.04') when readable */
  driverVersion?: string;
  /** CUDA version the driver supports, e.g. '13.0' */
  cudaVersion: string;
}

export function deviceCount(): number {
  return getDriver().out('cuDeviceGetCount');
}

export function cudaVersion(): string {
  const v = getDriver().out('cuDriverGetVersion');
  return `${Math.floor(v / 1000)}.${(v % 1000) / 10}`;
}

function kernelDriverVersion(): string | undefined {
  try {
    return /Kernel Module\s+(?:for \S+\s+)?([\d.]+)/.exec(readFileSync('/proc/driver/nvidia/version', 'utf8'))?.[1];
  } catch {
    return undefined;
  }
}

/** Name, arch and multiprocessor count of device `index` (no context needed). */
export function deviceProps(index: number): Omit<CudaDeviceInfo, 'memoryFree' | 'driverVersion' | 'cudaVersion'> {
  const d = getDriver();
  const count = deviceCount();
  if (!Number.isInteger(index) || index < 0 || index >= count) {
    throw new TensorJetError('E_DEVICE', `GPU ${index} does not exist (${count} CUDA device${count === 1 ? '' : 's'} visible)`, { device: index });
  }
  const dev = d.out('cuDeviceGet', index);
  const nameBuf = Buffer.alloc(256);
  d.check(d.fn.cuDeviceGetName(nameBuf, 256, dev), 'cuDeviceGetName');
  const name = nameBuf.toString('utf8').replace(/\0.*$/s, '');
  const major = d.out('cuDeviceGetAttribute', CU_DEVICE_ATTRIBUTE.CC_MAJOR, dev);
  const minor = d.out('cuDeviceGetAttribute', CU_DEVICE_ATTRIBUTE.CC_MINOR, dev);
  const multiprocessors = d.out('cuDeviceGetAttribute', CU_DEVICE_ATTRIBUTE.MULTIPROCESSOR_COUNT, dev);
  const memoryTotal = d.out('cuDeviceTotalMem', dev);
  return { index, name, arch: `sm_${major}${minor}`, computeCapability: [major, minor], multiprocessors, memoryTotal };
}

/** Every visible CUDA device (free memory read through its primary context). */
export function listCudaDevices(): CudaDeviceInfo[] {
  const d = getDriver();
  const n = deviceCount();
  const out: CudaDeviceInfo[] = [];
  for (let i = 0; i < n; i++) {
    const p = deviceProps(i);
    const ctx = d.out('cuDevicePrimaryCtxRetain', i);
    d.check(d.fn.cuCtxSetCurrent(ctx), 'cuCtxSetCurrent');
    const free: [number] = [0];
    const total: [number] = [0];
    d.check(d.fn.cuMemGetInfo(free, total), 'cuMemGetInfo');
    out.push({ ...p, memoryFree: Number(free[0]), driverVersion: kernelDriverVersion(), cudaVersion: cudaVersion() });
  }
  return out;
}

/** Why the CUDA backend cannot start here, or undefined when it can. */
export function unavailableReason(): string | undefined {
  try {
    const n = deviceCount();
    if (n === 0) return 'no CUDA device is visible (cuDeviceGetCount returned 0)';
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
