/**
 * Build-time GEMM tactics: every cuBLASLt matmul of the graph, at the first profile's opt and min shapes, is
 * timed over the first GEMM_CANDIDATES algorithms of cuBLASLt's heuristic on the build GPU, and the fastest
 * one's rank in that list is stored in the plan (kernel section `gemms`, keyed by gemmKey). The heuristic's
 * first choice is often a wide tile that leaves most SMs idle on small GEMMs (BERT at batch 1: [128 x 768]
 * times [768 x 768]). Shapes that were not tuned, TF32 runs and another cuBLASLt version use its first choice.
 * A timing cache (gemm-tactics-ARCH-ofN.json next to the kernel cache) makes rebuilds fast.
 */
import { join } from 'node:path';
import { cacheDir } from './compile.js';
import { cublasLtCreate, cublasLtDestroy, cublasLtVersion, LtMatmul, type AlgoPick, type MatmulSpec } from './ffi/cublaslt.js';
import type { Launcher } from './lowering/types.js';
import { CONV_WORKSPACE, readCache, shapePlanAt, writeCache, type TuneInput } from './tactics.js';
import type { CudaDevice } from './device.js';
import { CU_STREAM_NON_BLOCKING } from './ffi/driver.js';
import { replayedMs } from './graph-capture.js';

/** heuristic algorithms timed per GEMM (and requested again at load, so ranks mean the same list) */
export const GEMM_CANDIDATES = 24;
/** GEMM timing stops after this long per build (later GEMMs keep the heuristic's first choice) */
const GEMM_TUNING_BUDGET_MS = 10_000;
/** runs per timed sample */
const REPS = 32;
/** bytes of weight copies the timed runs rotate over (more than the GPU's L2) */
const COLD_BYTES = 128 << 20;

/** A matmul's identity for tactics: every field that shapes the problem, cuBLASLt's version first. */
export function gemmKey(s: MatmulSpec, version = cublasLtVersion()): string {
  const { m, n, k, transA, transB, batch, strideA, strideB, strideD, dtype, epilogue } = s;
  return `${version}|${JSON.stringify([m, n, k, transA, transB, batch, strideA, strideB, strideD, dtype, epilogue, s.alpha ?? 1, s.beta ?? 0])}`;
}

/** The tuned pick for `s` (TF32 matmuls and untuned shapes: the heuristic's first choice). */
export function gemmPick(gemms: Map<string, number>, s: MatmulSpec): AlgoPick {
  const rank = s.tf32 && s.dtype === 'float32' ? undefined : gemms.get(gemmKey(s));
  return rank === undefined ? { rank: 0, of: 1 } : { rank, of: GEMM_CANDIDATES };
}

/** The matmuls the graph's steps enqueue at `at` shapes (a launcher that only records). */
function matmulSpecs(t: TuneInput, at: 'opt' | 'min'): MatmulSpec[] {
  const specs: MatmulSpec[] = [];
  const record: Launcher = { elementwise() {}, blocks() {}, copy() {}, conv() {}, matmul: (s) => void specs.push(s) };
  for (const s of shapePlanAt(t, at).steps) s.lowered.emit!(s.inputs.map(() => 0), s.outputs.map(() => 0), record);
  return specs;
}

/**
 * Rank and ms per run of the fastest heuristic algorithm for `s`. Each sample replays a CUDA graph of REPS
 * runs (small GEMMs take microseconds: enqueued one by one from here, they would time the host), with the
 * weights rotating over copies larger than L2 together (in a network they arrive cold).
 */
function timeAlgos(dev: CudaDevice, handle: number, s: MatmulSpec): { rank: number; ms: number } {
  const { d } = dev;
  const es = s.dtype === 'float16' ? 2 : 4;
  const span = (stride: number, one: number) => (s.batch > 1 && stride > 0 ? (s.batch - 1) * stride + one : one);
  const sizes = [span(s.strideA, s.m * s.k), span(s.strideB, s.k * s.n), span(s.strideD, s.m * s.n), s.n].map((n) => Math.max(n * es, 256));
  const copies = Math.min(REPS, Math.ceil(COLD_BYTES / sizes[1]));
  const bufs: number[] = [];
  const weights: number[] = [];
  const made: LtMatmul[] = [];
  const ev: number[] = [];
  let stream = 0;
  let ws = 0;
  try {
    for (const n of [sizes[0], sizes[2], sizes[3]]) bufs.push(dev.alloc(n, 'GEMM tuning buffer'));
    for (let i = 0; i < copies; i++) weights.push(dev.alloc(sizes[1], 'GEMM tuning weights'));
    ws = dev.alloc(CONV_WORKSPACE, 'GEMM tuning workspace');
    stream = d.out('cuStreamCreate', CU_STREAM_NON_BLOCKING);
    ev.push(d.out('cuEventCreate', 0), d.out('cuEventCreate', 0));
    [sizes[0], sizes[2], sizes[3]].forEach((n, i) => d.check(d.fn.cuMemsetD8Async(bufs[i], 0, n, stream), 'cuMemsetD8Async'));
    for (const p of weights) d.check(d.fn.cuMemsetD8Async(p, 0, sizes[1], stream), 'cuMemsetD8Async');
    let best = { rank: 0, ms: Infinity };
    const first = new LtMatmul(handle, s, CONV_WORKSPACE, { rank: 0, of: GEMM_CANDIDATES });
    made.push(first);
    for (let rank = 0; rank < first.algoCount; rank++) {
      const mm = rank ? new LtMatmul(handle, s, CONV_WORKSPACE, { rank, of: GEMM_CANDIDATES }) : first;
      if (rank) made.push(mm);
      let ms: number;
      try {
        mm.run(bufs[0], weights[0], bufs[1], bufs[2], ws, stream);
        ms = replayedMs(d, stream, ev, REPS, (i) => mm.run(bufs[0], weights[i % copies], bufs[1], bufs[2], ws, stream));
      } catch {
        continue; // an algorithm that refuses this problem (or capture) is skipped
      }
      if (ms < best.ms) best = { rank, ms };
    }
    return best;
  } finally {
    if (stream) d.fn.cuStreamSynchronize(stream);
    for (const m of made) m.dispose();
    for (const e of ev) d.fn.cuEventDestroy(e);
    if (stream) d.fn.cuStreamDestroy(stream);
    for (const p of [...bufs, ...weights, ws]) dev.free(p);
  }
}

/** Tunes every distinct GEMM of the model; returns gemmKey -> heuristic rank (only ranks other than 0). */
export async function tuneGemms(t: TuneInput): Promise<Record<string, number>> {
  let specs: MatmulSpec[];
  try {
    specs = [...matmulSpecs(t, 'opt'), ...matmulSpecs(t, 'min')];
  } catch (e) {
    t.onProgress?.(`GEMM tuning skipped: shapes unknown at build (${(e as Error).message.split('\n')[0]}); cuBLASLt heuristics at run time`);
    return {};
  }
  if (!specs.length) return {};
  const version = cublasLtVersion();
  const distinct = new Map(specs.map((s) => [gemmKey(s, version), s]));
  // ranks index a list of GEMM_CANDIDATES: another length is another cache
  const file = join(cacheDir(), `gemm-tactics-${t.arch}-of${GEMM_CANDIDATES}.json`);
  const cache = readCache<number>(file);
  const todo = [...distinct].filter(([key]) => cache[key] === undefined);
  if (todo.length) {
    const { CudaDevice } = await import('./device.js');
    const dev = new CudaDevice(t.device);
    const handle = cublasLtCreate();
    const deadline = performance.now() + GEMM_TUNING_BUDGET_MS;
    try {
      for (const [i, [key, s]] of todo.entries()) {
        if (performance.now() > deadline) break;
        t.onProgress?.(`tuning GEMM ${i + 1}/${todo.length}`);
        try {
          cache[key] = timeAlgos(dev, handle, s).rank;
        } catch (e) {
          t.onProgress?.(`GEMM ${i + 1}/${todo.length} not tuned (${(e as Error).message.split('\n')[0]}); cuBLASLt's heuristic picks at run time`);
        }
      }
    } finally {
      cublasLtDestroy(handle);
      dev.release();
    }
    writeCache(file, cache);
  }
  const out: Record<string, number> = {};
  for (const key of distinct.keys()) if (cache[key]) out[key] = cache[key];
  t.onProgress?.(`GEMM tactics: ${distinct.size} distinct GEMM(s), ${todo.length} timed, ${Object.keys(out).length} not the heuristic's first choice`);
  return out;
}
