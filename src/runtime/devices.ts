/**
 * Devices and backend selection. The CUDA backend is loaded lazily (dynamic import) so the CPU path
 * never touches koffi; when it cannot start, the reason is kept and shown (`tensorjet devices`).
 */
import { cpus, totalmem } from 'node:os';
import { TensorJetError } from '../errors.js';
import type { Backend } from '../backends/backend.js';
import { cpuBackend } from '../backends/cpu/backend.js';
import type { PlanTarget } from '../plan/types.js';

/** 'cpu', a GPU index, or 'auto' (the first GPU when one is usable, else cpu). */
export type DeviceSpec = 'cpu' | number | 'auto';

export interface DeviceInfo {
  kind: 'cpu' | 'cuda';
  /** 'cpu' or 'cuda:N' */
  id: string;
  index: number;
  name: string;
  /** 'cpu' or the compute capability, e.g. 'sm_90' */
  arch: string;
  memoryBytes: number;
  /** GPUs: free device memory when listed */
  memoryFreeBytes?: number;
  driverVersion?: string;
  cudaVersion?: string;
  cores?: number;
}

type CudaModule = typeof import('../backends/cuda/index.js');

let cudaLoad: Promise<{ backend?: Backend; module?: CudaModule; reason?: string }> | undefined;

/** Loads the CUDA backend once (koffi is only touched here); resolves with the reason when it cannot start. */
export function loadCuda(): Promise<{ backend?: Backend; module?: CudaModule; reason?: string }> {
  cudaLoad ??= (async () => {
    try {
      const mod: CudaModule = await import('../backends/cuda/index.js');
      const reason = mod.cudaBackend.unavailableReason();
      return reason ? { reason, module: mod } : { backend: mod.cudaBackend, module: mod };
    } catch (e) {
      return { reason: (e as Error).message };
    }
  })();
  return cudaLoad;
}

/** GPUs the CUDA backend sees (empty with the reason when it cannot start). */
export async function listGpus(): Promise<{ devices: DeviceInfo[]; reason?: string }> {
  const { module, backend, reason } = await loadCuda();
  if (!module || !backend) return { devices: [], reason };
  try {
    const devices = module.listCudaDevices().map((d): DeviceInfo => ({
      kind: 'cuda',
      id: `cuda:${d.index}`,
      index: d.index,
      name: d.name,
      arch: d.arch,
      memoryBytes: d.memoryTotal,
      memoryFreeBytes: d.memoryFree,
      driverVersion: d.driverVersion,
      cudaVersion: d.cudaVersion,
    }));
    return devices.length ? { devices } : { devices, reason: 'the CUDA driver reports no GPU' };
  } catch (e) {
    return { devices: [], reason: (e as Error).message };
  }
}

export function cpuInfo(): DeviceInfo {
  const c = cpus();
  return { kind: 'cpu', id: 'cpu', index: 0, name: c[0]?.model?.trim() || 'cpu', arch: 'cpu', memoryBytes: totalmem(), cores: c.length };
}

/** The CPU first, then every GPU the CUDA backend sees. */
export async function listDevices(): Promise<DeviceInfo[]> {
  return [cpuInfo(), ...(await listGpus()).devices];
}

export interface ResolvedDevice {
  backend: Backend;
  /** GPU index (0 for cpu) */
  index: number;
  /** 'cpu' or 'cuda:N' */
  label: string;
  /** the GPU, when known */
  info?: DeviceInfo;
  /** set when 'auto' fell back to the CPU: why no GPU was used */
  fallback?: string;
}

async function cudaOrThrow(index: number): Promise<ResolvedDevice> {
  const { backend, reason } = await loadCuda();
  if (!backend) throw new TensorJetError('E_DEVICE', `GPU ${index} is not available: ${reason}`, { device: index });
  const { devices } = await listGpus();
  const info = devices.find((d) => d.index === index);
  if (devices.length && !info) {
    throw new TensorJetError('E_DEVICE', `GPU ${index} does not exist; this machine has ${devices.map((d) => d.id).join(', ')}`, { device: index });
  }
  return { backend, index, label: `cuda:${index}`, info };
}

export function parseDeviceSpec(s: string | number | undefined, fallback: DeviceSpec = 'cpu'): DeviceSpec {
  if (s === undefined) return fallback;
  if (typeof s === 'number' || /^\d+$/.test(s)) return Number(s);
  if (s === 'cpu' || s === 'auto') return s;
  const m = /^cuda:(\d+)$/.exec(s);
  if (m) return Number(m[1]);
  throw new TensorJetError('E_USAGE', `unknown device '${s}': use cpu, auto or a GPU index (0, 1, ...)`);
}

/** The backend to build for: 'auto' means GPU 0 when usable, else cpu. */
export async function resolveBuildDevice(spec: DeviceSpec): Promise<ResolvedDevice> {
  if (spec === 'cpu') return { backend: cpuBackend(), index: 0, label: 'cpu' };
  if (spec === 'auto') {
    const { devices, reason } = await listGpus();
    if (devices.length) return cudaOrThrow(devices[0]!.index);
    return { backend: cpuBackend(), index: 0, label: 'cpu', fallback: `no usable GPU (${reason ?? 'none found'}); building for the CPU backend` };
  }
  return cudaOrThrow(spec);
}

/** The backend to load a plan on. 'auto' picks the plan's own kind of device (a GPU of its arch when possible). */
export async function resolveLoadDevice(spec: DeviceSpec, target: PlanTarget): Promise<ResolvedDevice> {
  if (spec === 'cpu') return { backend: cpuBackend(), index: 0, label: 'cpu' };
  if (spec === 'auto') {
    if (target.backend === 'cpu') return { backend: cpuBackend(), index: 0, label: 'cpu' };
    const { devices, reason } = await listGpus();
    if (!devices.length) {
      throw new TensorJetError('E_DEVICE', `plan built for ${target.arch} needs a GPU, but none is usable: ${reason}`, { device: 'auto' });
    }
    return cudaOrThrow((devices.find((d) => d.arch === target.arch) ?? devices[0]!).index);
  }
  return cudaOrThrow(spec);
}
