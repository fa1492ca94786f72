/**
 * Kernel build: each family source (kernels/NAME.cu, with common.cuh inlined) compiled by NVRTC for one arch,
 * cached on disk by (arch, source hash, options), packed into the plan's kernel section:
 *   "TJCU" | u32 header length | JSON header {arch, modules: [{family, hash, offset, size}]} | cubins.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TensorJetError } from '../../errors.js';
import type { SdpaTactic } from './ffi/cudnn-sdpa.js';
import type { Model } from '../../ir/graph.js';

export const KERNEL_FAMILIES = ['elementwise', 'activation', 'cast', 'reduce', 'softmax', 'shape', 'conv', 'pool', 'resize', 'norm', 'misc', 'attention', 'fused'] as const;
export type KernelFamily = (typeof KERNEL_FAMILIES)[number];
const MAGIC = 'TJCU';

/** Folder holding the .cu sources: next to this file when run from source, else the package's src/ copy. */
export function kernelSourceDir(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [join(here, 'kernels'), join(here, '../../../../src/backends/cuda/kernels'), join(process.cwd(), 'src/backends/cuda/kernels')];
  for (const c of candidates) if (existsSync(join(c, 'common.cuh'))) return c;
  throw new TensorJetError('E_IO', `CUDA kernel sources not found (looked in ${candidates.join(', ')})`);
}

/** Family source with the common header inlined (NVRTC then needs no include path). */
export function kernelSource(family: KernelFamily): string {
  const dir = kernelSourceDir();
  const common = readFileSync(join(dir, 'common.cuh'), 'utf8');
  return readFileSync(join(dir, `${family}.cu`), 'utf8').replace('#include "common.cuh"', common);
}

export function listKernelSources(): string[] {
  return readdirSync(kernelSourceDir()).filter((f) => f.endsWith('.cu'));
}

export function nvrtcOptions(arch: string): string[] {
  return [`--gpu-architecture=${arch}`, '--std=c++17', '-default-device'];
}

export function cacheDir(): string {
  return process.env.TENSORJET_CACHE_DIR ?? join(homedir(), '.cache', 'tensorjet', 'kernels');
}

export interface CompiledModule {
  family: string;
  hash: string;
  cubin: Uint8Array;
}

/**
 * Compiles one module for `arch` with NVRTC, or takes it from the disk cache keyed by (arch, NVRTC
 * version, options, source hash). `onCompile` is called only when it really compiles (progress).
 */
export async function compileCached(module: string, src: string, arch: string, onCompile?: () => void): Promise<CompiledModule> {
  const { nvrtcCompile, nvrtcVersion } = await import('./ffi/nvrtc.js');
  const options = nvrtcOptions(arch);
  const hash = createHash('sha256').update(`${arch}\0${nvrtcVersion()}\0${options.join(' ')}\0${src}`).digest('hex').slice(0, 32);
  const dir = cacheDir();
  const file = join(dir, `${module}-${arch}-${hash}.cubin`);
  try {
    if (existsSync(file)) return { family: module, hash, cubin: new Uint8Array(readFileSync(file)) };
  } catch {
    /* unreadable cache entry: compile again */
  }
  onCompile?.();
  const { cubin } = await nvrtcCompile(src, `${module}.cu`, options);
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, cubin);
    renameSync(tmp, file);
  } catch {
    /* the cache is best-effort */
  }
  return { family: module, hash, cubin };
}

/** NVRTC compiles running at once (each on a koffi worker thread of libuv's pool, 4 threads by default) */
export const PARALLEL_COMPILES = 4;

/** `fn` over `items`, at most `limit` at a time; results in the items' order. */
export async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Families whose NVRTC compile is long, longest first (CUDA 13, H200 host, nothing cached: attention 22 s, norm
 * 5 s, elementwise 3 s, reduce 2 s, each other family 0.1-1.7 s): they start first, so the longest compile
 * overlaps the others rather than starting last.
 */
const LONG_COMPILES: readonly KernelFamily[] = ['attention', 'norm', 'elementwise', 'reduce'];

/**
 * The kernel families a model's plan carries: all but 'attention' (the longest compile by far), which only
 * tensorjet::FusedAttention nodes launch.
 */
export function familiesFor(model: Model): KernelFamily[] {
  const attention = model.graph.nodes.some((n) => n.opType === 'FusedAttention');
  return KERNEL_FAMILIES.filter((f) => f !== 'attention' || attention);
}

/** Compiles (or takes from the disk cache) `families` for `arch`, several at once, the long compiles first. */
export async function compileKernels(arch: string, onProgress?: (msg: string, frac?: number) => void, families: readonly KernelFamily[] = KERNEL_FAMILIES): Promise<CompiledModule[]> {
  let done = 0;
  const order = [...LONG_COMPILES.filter((f) => families.includes(f)), ...families.filter((f) => !LONG_COMPILES.includes(f))];
  const compiled = await mapLimited(order, PARALLEL_COMPILES, (family) =>
    compileCached(family, kernelSource(family), arch, () => onProgress?.(`compiling CUDA kernels: ${family} (${arch})`, done++ / order.length)),
  );
  return families.map((f) => compiled[order.indexOf(f)]!);
}

/**
 * Build-time choices stored with the kernels (tactics.ts: conv algorithm per conv key; gemm-tactics.ts: GemmTactic
 * per GEMM key; attention-tactics.ts: cuDNN attention config per attention key).
 */
export interface KernelExtras {
  tactics?: Record<string, { algo: number; math: number; workspace: number; ms?: number }>;
  /** heuristic rank, or {rank, splitK, reduction} (gemm-tactics.ts GemmTactic) */
  gemms?: Record<string, number | { rank: number; splitK: number; reduction: number }>;
  /** cuDNN fused-attention config per attention key, where it beat TensorJet's kernel (attention-tactics.ts) */
  attention?: Record<string, SdpaTactic>;
}

export function packKernels(arch: string, modules: CompiledModule[], extras: KernelExtras = {}): Uint8Array {
  let offset = 0;
  const entries = modules.map((m) => {
    const e = { family: m.family, hash: m.hash, offset, size: m.cubin.length };
    offset += m.cubin.length;
    return e;
  });
  // pdl: every kernel opens with PDL_ENTER() (common.cuh), so it may be launched as a programmatic dependent
  const header = Buffer.from(JSON.stringify({ arch, modules: entries, pdl: true, ...extras }), 'utf8');
  const out = new Uint8Array(8 + header.length + offset);
  out.set(Buffer.from(MAGIC, 'latin1'), 0);
  new DataView(out.buffer).setUint32(4, header.length, true);
  out.set(header, 8);
  let p = 8 + header.length;
  for (const m of modules) {
    out.set(m.cubin, p);
    p += m.cubin.length;
  }
  return out;
}

export function unpackKernels(bytes: Uint8Array): { arch: string; modules: CompiledModule[]; pdl: boolean } & KernelExtras {
  const fail = (why: string) => new TensorJetError('E_PLAN_CORRUPT', `CUDA kernel section ${why}`);
  if (bytes.length < 8 || Buffer.from(bytes.subarray(0, 4)).toString('latin1') !== MAGIC) throw fail('is missing or has a bad magic');
  const hlen = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(4, true);
  if (8 + hlen > bytes.length) throw fail('header is truncated');
  let header: { arch: string; modules: { family: string; hash: string; offset: number; size: number }[]; pdl?: boolean } & KernelExtras;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + hlen)).toString('utf8'));
  } catch {
    throw fail('header is not valid JSON');
  }
  const base = 8 + hlen;
  const modules = header.modules.map((m) => {
    if (m.offset < 0 || base + m.offset + m.size > bytes.length) throw fail(`module '${m.family}' is out of bounds`);
    return { family: m.family, hash: m.hash, cubin: bytes.subarray(base + m.offset, base + m.offset + m.size) };
  });
  return { arch: header.arch, modules, pdl: header.pdl === true, tactics: header.tactics, gemms: header.gemms, attention: header.attention };
}
