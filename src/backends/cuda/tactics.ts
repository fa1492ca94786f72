/**
 * Build-time tactic selection (TensorRT's "tactics"): every convolution of the graph at the first profile's
 * opt and min shapes is timed on the build GPU through cuDNN: fp16 NHWC convs over the graph API's first
 * engine configs (epilogue included; the configs' plans are finalized on worker threads, several convs at a
 * time), other convs over the legacy algorithms (cudnnFind*Algorithm). The fastest that fits the workspace is
 * kept and stored in the plan's kernel section. A timing cache on disk
 * (conv-tactics-ARCH.json next to the kernel cache, keyed by cuDNN version + conv key) makes rebuilds fast.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Model } from '../../ir/graph.js';
import type { ShapeProfile } from '../../plan/types.js';
import type { DType } from '../../tensor/dtype.js';
import type { KernelRegistry } from '../cpu/registry.js';
import { cacheDir } from './compile.js';
import { CudnnConv, cudnnCreate, cudnnDestroy, cudnnSupports, cudnnUnavailableReason, cudnnVersion, convKey, type ConvAlgo, type ConvSpec } from './ffi/cudnn.js';
import { CudnnConvGraph, cudnnGraphSupports } from './ffi/cudnn-graph.js';
import { buildShapePlan, type ShapePlan } from './planner.js';
import type { CudaDevice } from './device.js';
import { CU_STREAM_NON_BLOCKING } from './ffi/driver.js';
import { replayedMs, streamMs } from './graph-capture.js';
import { FinalizePool, tuningLanes } from './ffi/finalize-pool.js';

/** Workspace each context reserves for cuBLASLt / cuDNN (engine.ts LT_WORKSPACE). */
export const CONV_WORKSPACE = 32 << 20;
export const CONV_OPS = new Set(['Conv', 'ConvTranspose', 'FusedConv']);
/** graph-API engine configs timed per conv (runtime-compiled ones take 0.3-0.9 s each to finalize where the
 * driver's JIT cache is empty: hence the FinalizePool lanes) */
const GRAPH_CANDIDATES = 4;
/** conv timing stops after this long per build (later graph-API convs run cuDNN's heuristic choice) */
const GRAPH_TUNING_BUDGET_MS = 40_000;
/** timing-cache format: entries from before graph-API configs were timed as captured CUDA graphs are re-tuned */
const CACHE_TAG = 'g2';

/** runs per timed sample of a graph-API config (replayed as one CUDA graph) */
const GRAPH_REPS = 10;

/** Bytes of a conv's x, w, b, z and y for timing (channel views: rows of the concat buffer). */
function convBufferBytes(s: ConvSpec): number[] {
  return [s.n * s.h * s.w * (s.xStride ?? s.c), s.k * s.kh * s.kw * (s.c / s.groups), s.k, s.n * s.oh * s.ow * (s.zStride ?? s.k), s.n * s.oh * s.ow * (s.yStride ?? s.k)]
    .map((n) => Math.max(n * 2, 256));
}

/**
 * Times the graph-API configs of `specs` (fp16) in parallel lanes, each with its own cuDNN handle and
 * FinalizePool worker: a lane takes the next conv and has each config's plan finalized on its worker (the JIT
 * of runtime-compiled engines runs there), while this thread times the plans that are ready, one at a time
 * and synchronously, so timings never overlap on the GPU. Each timed sample replays a CUDA graph of GRAPH_REPS
 * runs (timed one by one, cuDNN's host-side execute cost would dominate small convs); configs that cannot be
 * captured are timed run by run. `done` gets each conv's fastest config (rank, ms per run), or the error; convs
 * not started by `deadline` are skipped. Returns how many were skipped.
 */
async function timeGraphConvs(
  dev: CudaDevice,
  stream: number,
  specs: ConvSpec[],
  deadline: number,
  done: (s: ConvSpec, best: { rank: number; ms: number } | undefined, error?: Error) => void,
  onProgress?: TuneInput['onProgress'],
): Promise<number> {
  if (!specs.length) return 0;
  const { d } = dev;
  const wanted = Math.min(tuningLanes(), specs.length);
  const pool = wanted > 1
    ? await FinalizePool.open(dev.index, wanted).catch((e: Error) => void onProgress?.(`conv tuning on one thread (${e.message.split('\n')[0]})`))
    : undefined;
  const handles = Array.from({ length: pool?.lanes ?? 1 }, () => cudnnCreate(stream));
  // one set of buffers, sized for the largest conv, serves every timing (they never overlap)
  const sizes = specs.map(convBufferBytes).reduce((a, b) => a.map((n, i) => Math.max(n, b[i]!)));
  const bufs: number[] = [];
  const ev: number[] = [];
  let ws = 0;
  let next = 0;
  let skipped = 0;
  const lane = async (l: number) => {
    const finalize = pool ? (plan: number) => pool.finalize(l, plan) : undefined;
    for (let s; (s = specs[next++]); ) {
      if (performance.now() >= deadline) {
        skipped++;
        continue;
      }
      const graph = new CudnnConvGraph(handles[l]!, s);
      try {
        const run = () => graph.run(bufs[0]!, bufs[1]!, bufs[2]!, bufs[3]!, bufs[4]!, ws);
        const time = () => {
          run();
          try {
            return replayedMs(d, stream, ev, GRAPH_REPS, run);
          } catch {
            return Math.min(...[0, 1, 2].map(() => streamMs(d, stream, ev, run)));
          }
        };
        const timed = await graph.timeConfigsAsync(GRAPH_CANDIDATES, CONV_WORKSPACE, time, finalize);
        d.fn.cuStreamSynchronize(stream);
        done(s, timed.reduce<{ rank: number; ms: number } | undefined>((b, c) => (!b || c.ms < b.ms ? c : b), undefined));
      } catch (e) {
        done(s, undefined, e as Error);
      } finally {
        graph.dispose();
      }
    }
  };
  try {
    for (const n of sizes) bufs.push(dev.alloc(n, 'conv tuning buffer'));
    ws = dev.alloc(CONV_WORKSPACE, 'conv tuning workspace');
    ev.push(d.out('cuEventCreate', 0), d.out('cuEventCreate', 0));
    bufs.forEach((p, i) => d.check(d.fn.cuMemsetD8Async(p, 0, sizes[i]!, stream), 'cuMemsetD8Async'));
    await Promise.all(handles.map((_, l) => lane(l)));
    return skipped;
  } finally {
    d.fn.cuStreamSynchronize(stream);
    await pool?.close();
    for (const h of handles) cudnnDestroy(h);
    for (const e of ev) d.fn.cuEventDestroy(e);
    for (const p of [...bufs, ...(ws ? [ws] : [])]) dev.free(p);
  }
}

export interface TuneInput {
  model: Model;
  profiles: ShapeProfile[];
  device: number;
  arch: string;
  cpuRegistry: () => KernelRegistry;
  onProgress?: (msg: string, frac?: number) => void;
}

/** The shape plan of the graph at the first profile's opt (or min) shapes (symbolic dims without a profile count as 1). */
export function shapePlanAt(t: TuneInput, at: 'opt' | 'min'): ShapePlan {
  const g = t.model.graph;
  const inputs = new Map<string, { dtype: DType; dims: number[] }>();
  for (const i of g.inputs) {
    if (g.constants.has(i.name) || i.type.kind !== 'tensor') continue;
    const dims = t.profiles[0]?.[i.name]?.[at];
    inputs.set(i.name, { dtype: i.type.dtype, dims: dims ?? (i.type.shape ?? []).map((d) => (typeof d === 'number' && d > 0 ? d : 1)) });
  }
  return buildShapePlan({ graph: g, opsets: t.model.opsets, weights: new Map(), inputs, cpuRegistry: t.cpuRegistry });
}

/** Conv specs of the graph at the first profile's opt (or min) shapes. */
export function convSpecs(t: TuneInput, at: 'opt' | 'min' = 'opt'): ConvSpec[] {
  const seen = new Map<string, ConvSpec>();
  for (const s of shapePlanAt(t, at).steps) if (s.lowered.conv && cudnnSupports(s.lowered.conv)) seen.set(convKey(s.lowered.conv), s.lowered.conv);
  return [...seen.values()];
}

/** A timing cache file's entries ({} when missing or corrupt). */
export function readCache<T>(file: string): Record<string, T> {
  try {
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as Record<string, T>;
  } catch {
    /* a corrupt cache is ignored */
  }
  return {};
}

/**
 * Tunes every conv of the model; returns conv key -> chosen algorithm (empty when the graph has no conv,
 * when cuDNN is missing: then Conv runs on the NVRTC direct kernels, which the progress output says).
 */
export async function tuneConvs(t: TuneInput): Promise<Record<string, ConvAlgo>> {
  const nodes = t.model.graph.nodes.filter((n) => CONV_OPS.has(n.opType));
  if (!nodes.length) return {};
  const why = cudnnUnavailableReason();
  if (why) {
    t.onProgress?.(`cuDNN unavailable (${why.split('\n')[0]}): Conv runs on TensorJet's direct CUDA kernels (slower)`);
    return {};
  }
  let specs: ConvSpec[];
  try {
    // the profile's opt shapes (TensorRT tunes for opt) and its min shapes (batch 1 has its own best kernels),
    // interleaved, so a tuning budget that runs out shortens both lists alike
    const [opt, min] = [convSpecs(t, 'opt'), convSpecs(t, 'min')];
    const byKey = new Map<string, ConvSpec>();
    for (let i = 0; i < Math.max(opt.length, min.length); i++) for (const s of [opt[i], min[i]]) if (s && !byKey.has(convKey(s))) byKey.set(convKey(s), s);
    specs = [...byKey.values()];
  } catch (e) {
    t.onProgress?.(`conv tuning skipped: shapes unknown at build (${(e as Error).message.split('\n')[0]}); cuDNN heuristics at run time`);
    return {};
  }
  const version = cudnnVersion();
  const file = join(cacheDir(), `conv-tactics-${t.arch}.json`);
  const cache = readCache<ConvAlgo>(file);
  const out: Record<string, ConvAlgo> = {};
  const cacheKey = (s: ConvSpec) => `${version}|${CACHE_TAG}|${convKey(s)}`;
  const todo = specs.filter((s) => {
    const hit = cache[cacheKey(s)];
    if (hit) out[convKey(s)] = hit;
    return !hit;
  });
  let overBudget = 0;
  if (todo.length) {
    const { CudaDevice } = await import('./device.js');
    const dev = new CudaDevice(t.device);
    const stream = dev.d.out('cuStreamCreate', CU_STREAM_NON_BLOCKING);
    let finished = 0;
    const progress = () => t.onProgress?.(`tuning conv ${++finished}/${todo.length}`, finished / todo.length);
    const record = (s: ConvSpec, best: ConvAlgo | undefined) => {
      if (best) out[convKey(s)] = cache[cacheKey(s)] = best;
    };
    const failed = (s: ConvSpec, e: Error) =>
      t.onProgress?.(`conv ${todo.indexOf(s) + 1}/${todo.length} not tuned (${e.message.split('\n')[0]}); cuDNN's heuristic picks at run time`);
    try {
      // fp16 NHWC: the graph API's configs (epilogue fused), in parallel lanes; past the budget a conv stays
      // untuned (the graph API's heuristic first config runs it) and uncached, so the next build times it
      const graphable: ConvSpec[] = [];
      // the legacy algorithms: convs the graph API does not express, then those where no config finalized
      // (they never won against the graph configs: their epilogue is a separate kernel)
      const legacy: ConvSpec[] = [];
      for (const s of todo) (cudnnGraphSupports(s) ? graphable : legacy).push(s);
      const unexpressed = legacy.length;
      overBudget = await timeGraphConvs(dev, stream, graphable, performance.now() + GRAPH_TUNING_BUDGET_MS, (s, best, error) => {
        if (error) failed(s, error);
        else if (best) record(s, { algo: 0, math: 0, workspace: 0, graph: best.rank, ms: best.ms });
        else legacy.push(s);
        progress();
      }, t.onProgress);
      if (legacy.length) {
        const handle = cudnnCreate(stream);
        try {
          for (const [i, s] of legacy.entries()) {
            let cc: CudnnConv | undefined;
            try {
              cc = new CudnnConv(handle, s);
              record(s, cc.candidates(true, CONV_WORKSPACE)[0]);
            } catch (e) {
              failed(s, e as Error);
            } finally {
              cc?.dispose();
            }
            if (i < unexpressed) progress(); // the others were counted with the graph convs
          }
        } finally {
          cudnnDestroy(handle);
        }
      }
    } finally {
      dev.d.fn.cuStreamDestroy(stream);
      dev.release();
    }
    writeCache(file, cache);
  }
  const picked = Object.values(out);
  const graphApi = picked.filter((a) => a.graph !== undefined).length;
  const budget = overBudget ? `, ${overBudget} left to cuDNN's heuristic (over the ${GRAPH_TUNING_BUDGET_MS / 1000} s tuning budget; the next build times them)` : '';
  t.onProgress?.(`conv tactics: ${specs.length} distinct conv(s), ${todo.length - overBudget} timed, ${specs.length - todo.length} from the timing cache; ${graphApi} graph-API, ${picked.length - graphApi} legacy${budget}`);
  return out;
}

/** Writes a timing cache atomically (best-effort: a read-only cache folder only costs the next build time). */
export function writeCache(file: string, cache: Record<string, unknown>): void {
  try {
    mkdirSync(cacheDir(), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(cache));
    renameSync(tmp, file);
  } catch {
    /* cache is best-effort */
  }
}

/** Tactics from the plan's kernel section as a map. */
export function tacticMap(t: Record<string, ConvAlgo> | undefined): Map<string, ConvAlgo> {
  return new Map(Object.entries(t ?? {}));
}
