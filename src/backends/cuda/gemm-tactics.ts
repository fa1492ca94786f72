/**
 * Build-time GEMM tactics: every cuBLASLt matmul of the graph, at the first profile's opt and min shapes, is
 * timed over the first GEMM_CANDIDATES algorithms of cuBLASLt's heuristic on the build GPU, and the fastest
 * one's rank in that list is stored in the plan (kernel section `gemms`, keyed by gemmKey). The heuristic's
 * first choice is often a wide tile that leaves most SMs idle on small GEMMs (BERT at batch 1: [128 x 768]
 * times [768 x 768]). Shapes that were not tuned, TF32 runs and another cuBLASLt version use its first choice.
 * A timing cache (gemm-tactics-ARCH.json next to the kernel cache) makes rebuilds fast.
 */
import { join } from 'node:path';
import { cacheDir } from './compile.js';
import { cublasLtCreate, cublasLtDestroy, cublasLtVersion, LtMatmul, type AlgoPick, type MatmulSpec } from './ffi/cublaslt.js';
import type { Launcher } from './lowering/types.js';
import { CONV_WORKSPACE, readCache, shapePlanAt, writeCache, type TuneInput } from './tactics.js';
import type { CudaDevice } from './device.js';

/** heuristic algorithms timed per GEMM (and requested again at load, so ranks mean the same list) */
export const GEMM_CANDIDATES = 8;
/** GEMM timing stops after this long per build (later GEMMs keep the heuristic's first choice) */
const GEMM_TUNING_BUDGET_MS = 10_000;

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

/** Rank and median ms (5 runs after 2 warm-ups) of the fastest heuristic algorithm for `s`. */
function timeAlgos(dev: CudaDevice, handle: number, s: MatmulSpec): { rank: number; ms: number } {
  const { d } = dev;
  const es = s.dtype === 'float16' ? 2 : 4;
  const span = (stride: number, one: number) => (s.batch > 1 && stride > 0 ? (s.batch - 1) * stride + one : one);
  const sizes = [span(s.strideA, s.m * s.k), span(s.strideB, s.k * s.n), span(s.strideD, s.m * s.n), s.n].map((n) => Math.max(n * es, 256));
  const bufs = sizes.map((n) => dev.alloc(n, 'GEMM tuning buffer'));
  const ws = dev.alloc(CONV_WORKSPACE, 'GEMM tuning workspace');
  const ev = [d.out('cuEventCreate', 0), d.out('cuEventCreate', 0)];
  const made: LtMatmul[] = [];
  try {
    bufs.forEach((p, i) => d.check(d.fn.cuMemsetD8Async(p, 0, sizes[i], 0), 'cuMemsetD8Async'));
    let best = { rank: 0, ms: Infinity };
    const first = new LtMatmul(handle, s, CONV_WORKSPACE, { rank: 0, of: GEMM_CANDIDATES });
    made.push(first);
    for (let rank = 0; rank < first.algoCount; rank++) {
      const mm = rank ? new LtMatmul(handle, s, CONV_WORKSPACE, { rank, of: GEMM_CANDIDATES }) : first;
      if (rank) made.push(mm);
      const run = () => mm.run(bufs[0], bufs[1], bufs[2], bufs[3], ws, 0);
      try {
        run();
        run();
      } catch {
        continue; // an algorithm that refuses this problem is skipped
      }
      const times: number[] = [];
      for (let r = 0; r < 5; r++) {
        d.check(d.fn.cuEventRecord(ev[0], 0), 'cuEventRecord');
        run();
        d.check(d.fn.cuEventRecord(ev[1], 0), 'cuEventRecord');
        d.check(d.fn.cuEventSynchronize(ev[1]), 'cuEventSynchronize');
        const o: [number] = [0];
        d.check(d.fn.cuEventElapsedTime(o, ev[0], ev[1]), 'cuEventElapsedTime');
        times.push(o[0]);
      }
      const ms = times.sort((a, b) => a - b)[2]!;
      if (ms < best.ms) best = { rank, ms };
    }
    return best;
  } finally {
    for (const m of made) m.dispose();
    for (const e of ev) d.fn.cuEventDestroy(e);
    for (const p of [...bufs, ws]) dev.free(p);
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
  const file = join(cacheDir(), `gemm-tactics-${t.arch}.json`);
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
