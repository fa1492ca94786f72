/**
 * Build-time GEMM tactics: every cuBLASLt matmul of the graph, at the first profile's opt and min shapes, is
 * timed over the first GEMM_CANDIDATES algorithms of cuBLASLt's heuristic on the build GPU, and over split-K
 * variants of the fastest few (SPLITS parts of K with each reduction scheme, set on copies of those algorithms:
 * the heuristic rarely offers them, while small-M GEMMs such as BERT at batch 1, [128 x 768] times [768 x 3072],
 * cover few output tiles and leave most SMs idle over a long K loop). The winner is stored in the plan (kernel
 * section `gemms`, keyed by gemmKey) as a GemmTactic: a heuristic rank, or a rank with split-K. A split-K
 * winner whose CUDA graph launches slowly on the host (cuBLASLt memset nodes for zeroed counters) is passed
 * over. Shapes that were not tuned, TF32 runs and another cuBLASLt version use the heuristic's first choice.
 * A timing cache (gemm-tactics-v2-ARCH-ofN.json next to the kernel cache) makes rebuilds fast.
 * Split-K candidates are opt-in (TENSORJET_GEMM_SPLITK=1, see splitKEnabled); TENSORJET_GEMM_TACTIC (a GemmTactic as JSON,
 * or {"splitK":N,"reduction":R} for the first algorithm that takes that split) forces every GEMM at load, for checks.
 */
import { join } from 'node:path';
import { cacheDir } from './compile.js';
import { TensorJetError } from '../../errors.js';
import { cublasLtCreate, cublasLtDestroy, cublasLtVersion, LtMatmul, REDUCTION, type AlgoConfig, type AlgoPick, type MatmulSpec } from './ffi/cublaslt.js';
import type { Launcher } from './lowering/types.js';
import { CONV_WORKSPACE, readCache, shapePlanAt, writeCache, type TuneInput } from './tactics.js';
import type { CudaDevice } from './device.js';
import { CU_STREAM_NON_BLOCKING } from './ffi/driver.js';
import { captureGraph, replayedMs } from './graph-capture.js';

/** heuristic algorithms timed per GEMM (and requested again at load, so ranks mean the same list) */
export const GEMM_CANDIDATES = 24;
/** GEMM timing stops after this long per build (later GEMMs keep the heuristic's first choice) */
const GEMM_TUNING_BUDGET_MS = 20_000;
/** split-K variants are tried on this many of the fastest heuristic algorithms */
const SPLIT_BASES = 3;
/** parts of K tried (each part keeps at least MIN_SPLIT_K of K) */
const SPLITS = [2, 3, 4, 6, 8, 12, 16];
const MIN_SPLIT_K = 32;
/** a split-K winner must beat the best unsplit algorithm by this fraction (timing noise) */
const SPLIT_MARGIN = 0.02;
/** host us a split-K winner's graph launch may cost above the unsplit one's (memset nodes cost ~45) */
const LAUNCH_SLACK_US = 15;
/** runs per timed sample */
const REPS = 32;
/** bytes of weight copies the timed runs rotate over (more than the GPU's L2) */
const COLD_BYTES = 128 << 20;

/** A matmul's identity for tactics: every field that shapes the problem, cuBLASLt's version first. */
export function gemmKey(s: MatmulSpec, version = cublasLtVersion()): string {
  const { m, n, k, transA, transB, batch, strideA, strideB, strideD, dtype, epilogue } = s;
  return `${version}|${JSON.stringify([m, n, k, transA, transB, batch, strideA, strideB, strideD, dtype, epilogue, s.alpha ?? 1, s.beta ?? 0])}`;
}

/**
 * A stored GEMM tactic: a plain number is a rank in the heuristic's first GEMM_CANDIDATES (plans from before
 * split-K candidates hold only these); a record adds split-K with its reduction scheme (ffi/cublaslt.ts REDUCTION).
 */
export type GemmTactic = number | { rank: number; splitK: number; reduction: number };

const count = (v: unknown, min: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= min;

/** The algorithm pick a stored tactic means; throws E_PLAN_CORRUPT for anything else. */
export function tacticPick(t: unknown): AlgoPick {
  if (count(t, 0)) return { rank: t, of: GEMM_CANDIDATES };
  const r = t as { rank?: unknown; splitK?: unknown; reduction?: unknown } | null;
  if (r && typeof r === 'object' && count(r.rank, 0) && count(r.splitK, 1) && count(r.reduction, 0)) {
    return { rank: r.rank, of: GEMM_CANDIDATES, splitK: r.splitK, reduction: r.reduction };
  }
  throw new TensorJetError('E_PLAN_CORRUPT', `GEMM tactic ${JSON.stringify(t)} is neither a heuristic rank nor {rank, splitK, reduction}`);
}

/** TENSORJET_GEMM_TACTIC as a strict pick (GPU checks of split-K algorithms), or undefined. */
function forcedPick(): AlgoPick | undefined {
  const v = process.env.TENSORJET_GEMM_TACTIC;
  if (!v) return undefined;
  const t = JSON.parse(v) as { rank?: number; splitK?: number; reduction?: number } | number;
  if (typeof t === 'object' && t.rank === undefined) return { rank: 0, of: GEMM_CANDIDATES, splitK: t.splitK, reduction: t.reduction ?? REDUCTION.compute, strict: 'any-rank' };
  return { ...tacticPick(t), strict: true };
}

/** The tuned pick for `s` (TF32 matmuls and untuned shapes: the heuristic's first choice). */
export function gemmPick(gemms: ReadonlyMap<string, GemmTactic>, s: MatmulSpec): AlgoPick {
  const forced = forcedPick();
  if (forced) return forced;
  const t = s.tf32 && s.dtype === 'float32' ? undefined : gemms.get(gemmKey(s));
  return t === undefined ? { rank: 0, of: 1 } : tacticPick(t);
}

/** The matmuls the graph's steps enqueue at `at` shapes (a launcher that only records). */
function matmulSpecs(t: TuneInput, at: 'opt' | 'min'): MatmulSpec[] {
  const specs: MatmulSpec[] = [];
  const record: Launcher = { elementwise() {}, blocks() {}, copy() {}, conv() {}, attention() {}, matmul: (s) => void specs.push(s) };
  for (const s of shapePlanAt(t, at).steps) s.lowered.emit!(s.inputs.map(() => 0), s.outputs.map(() => 0), record);
  return specs;
}

/** One timed candidate (census and tuning). */
export interface TimedGemm {
  tactic: GemmTactic;
  ms: number;
  splitK: number;
  workspace: number;
  waves: number;
  config?: AlgoConfig;
  /** host us of one cuGraphLaunch of a graph of one run (checked for split-K winners, or all in a census) */
  launchUs?: number;
}

/** Host us of one cuGraphLaunch of a captured `run` (median of 9 after an uploading launch). */
function launchUs(dev: CudaDevice, stream: number, run: () => void): number {
  const { d } = dev;
  const exec = captureGraph(d, stream, run);
  try {
    const us: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t0 = performance.now();
      d.check(d.fn.cuGraphLaunch(exec, stream), 'cuGraphLaunch');
      us.push((performance.now() - t0) * 1000);
      d.check(d.fn.cuStreamSynchronize(stream), 'cuStreamSynchronize');
    }
    return us.slice(1).sort((a, b) => a - b)[4];
  } finally {
    d.fn.cuGraphExecDestroy(exec);
  }
}

/**
 * Times the heuristic's algorithms for `s`, then (split) split-K variants of the SPLIT_BASES fastest; returns
 * the chosen tactic and every timed candidate (fastest first). Each sample replays a CUDA graph of REPS runs
 * (small GEMMs take microseconds: enqueued one by one from here, they would time the host), with the weights
 * rotating over copies larger than L2 together (in a network they arrive cold). census: configs and launch
 * costs of every candidate, for reports.
 */
export function timeGemm(dev: CudaDevice, handle: number, s: MatmulSpec, split: boolean, census = false): { best: GemmTactic; timed: TimedGemm[] } {
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
    const runner = (mm: LtMatmul) => (i = 0) => mm.run(bufs[0], weights[i % copies], bufs[1], bufs[2], ws, stream);
    const timed: (TimedGemm & { mm: LtMatmul })[] = [];
    const time = (mm: LtMatmul, tactic: GemmTactic) => {
      made.push(mm);
      try {
        runner(mm)();
        const ms = replayedMs(d, stream, ev, REPS, runner(mm));
        timed.push({ tactic, ms, splitK: mm.splitK, workspace: mm.workspaceBytes, waves: mm.waves, mm, ...(census ? { config: mm.config() } : {}) });
      } catch {
        /* an algorithm that refuses this problem (or capture) is skipped */
      }
    };
    const first = new LtMatmul(handle, s, CONV_WORKSPACE, { rank: 0, of: GEMM_CANDIDATES });
    time(first, 0);
    for (let rank = 1; rank < first.algoCount; rank++) time(new LtMatmul(handle, s, CONV_WORKSPACE, { rank, of: GEMM_CANDIDATES }), rank);
    const plain = [...timed].sort((a, b) => a.ms - b.ms);
    if (split && plain.length) {
      for (const base of plain.slice(0, SPLIT_BASES)) {
        const rank = base.tactic as number;
        for (const splitK of SPLITS.filter((p) => s.k / p >= MIN_SPLIT_K)) {
          for (const reduction of Object.values(REDUCTION)) {
            const mm = new LtMatmul(handle, s, CONV_WORKSPACE, { rank, of: GEMM_CANDIDATES, splitK, reduction });
            if (mm.splitK === splitK) time(mm, { rank, splitK, reduction });
            else mm.dispose();
          }
        }
      }
    }
    timed.sort((a, b) => a.ms - b.ms);
    if (census) for (const t of timed) t.launchUs = launchUs(dev, stream, runner(t.mm));
    // the fastest split-K variant wins only by a margin, and only when its graph launches as cheaply
    const bestPlain = plain[0];
    let best: GemmTactic = bestPlain?.tactic ?? 0;
    const splitBest = timed.find((t) => t.splitK > 1);
    if (bestPlain && splitBest && splitBest.ms < bestPlain.ms * (1 - SPLIT_MARGIN)) {
      const plainUs = bestPlain.launchUs ?? launchUs(dev, stream, runner(bestPlain.mm));
      const splitUs = splitBest.launchUs ?? launchUs(dev, stream, runner(splitBest.mm));
      splitBest.launchUs = splitUs;
      bestPlain.launchUs = plainUs;
      if (splitUs <= plainUs + LAUNCH_SLACK_US) best = splitBest.tactic;
    }
    return { best, timed: timed.map(({ mm: _, ...t }) => t) };
  } finally {
    if (stream) d.fn.cuStreamSynchronize(stream);
    for (const m of made) m.dispose();
    for (const e of ev) d.fn.cuEventDestroy(e);
    if (stream) d.fn.cuStreamDestroy(stream);
    for (const p of [...bufs, ...weights, ws]) dev.free(p);
  }
}

/**
 * Whether build-time tuning tries split-K variants: opt-in (TENSORJET_GEMM_SPLITK=1). On an H200 with cuBLASLt
 * 13.1 none beat the heuristic's algorithms on BERT batch-1 GEMMs (the heuristic already splits ffn_out in 2),
 * and the forced split-K checks of cases-gemm.ts have not yet passed on a GPU (their first run reserved no
 * workspace for FusedGemm-only plans: engine.ts MATMUL_OPS).
 */
export const splitKEnabled = (): boolean => process.env.TENSORJET_GEMM_SPLITK === '1';

/** Tunes every distinct GEMM of the model; returns gemmKey -> heuristic rank (only ranks other than 0). */
export async function tuneGemms(t: TuneInput): Promise<Record<string, GemmTactic>> {
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
  // ranks index a list of GEMM_CANDIDATES: another length is another cache; v2 entries weighed split-K too
  const split = splitKEnabled();
  const file = join(cacheDir(), `gemm-tactics-${split ? 'v2' : 'nosplit'}-${t.arch}-of${GEMM_CANDIDATES}.json`);
  const cache = readCache<GemmTactic>(file);
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
          cache[key] = timeGemm(dev, handle, s, split).best;
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
  const out: Record<string, GemmTactic> = {};
  for (const key of distinct.keys()) if (cache[key]) out[key] = cache[key];
  const splits = Object.values(out).filter((v) => typeof v === 'object').length;
  t.onProgress?.(`GEMM tactics: ${distinct.size} distinct GEMM(s), ${todo.length} timed, ${Object.keys(out).length} not the heuristic's first choice (${splits} split-K)`);
  return out;
}
