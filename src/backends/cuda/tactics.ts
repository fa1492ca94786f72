/**
 * Build-time tactic selection (TensorRT's "tactics"): every convolution of the graph at the first profile's
 * opt and min shapes is timed on the build GPU through cuDNN: fp16 NHWC convs over the graph API's first
 * engine configs (epilogue included), other convs over the legacy algorithms (cudnnFind*Algorithm). The
 * fastest that fits the workspace is kept and stored in the plan's kernel section. A timing cache on disk
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

/** Workspace each context reserves for cuBLASLt / cuDNN (engine.ts LT_WORKSPACE). */
export const CONV_WORKSPACE = 32 << 20;
export const CONV_OPS = new Set(['Conv', 'ConvTranspose', 'FusedConv']);
/** graph-API engine configs timed per conv (runtime-compiled ones take ~0.3 s each to finalize) */
const GRAPH_CANDIDATES = 4;
/** conv timing stops after this long per build (later graph-API convs run cuDNN's heuristic choice) */
const GRAPH_TUNING_BUDGET_MS = 40_000;
/** timing-cache format: entries from before graph-API configs were timed as captured CUDA graphs are re-tuned */
const CACHE_TAG = 'g2';

/** runs per timed sample of a graph-API config (replayed as one CUDA graph) */
const GRAPH_REPS = 10;

/**
 * The fastest graph-API config for `s` (rank and ms per run, best of 3 samples), if any finalizes. Each
 * sample replays a CUDA graph of GRAPH_REPS runs on `stream`: timed one by one, cuDNN's host-side execute
 * cost would dominate small convs and pick configs by host overhead instead of GPU time. Configs that
 * cannot be captured are timed run by run.
 */
function timeGraphConfigs(dev: CudaDevice, handle: number, stream: number, s: ConvSpec): { rank: number; ms: number } | undefined {
  const { d } = dev;
  const el = 2;
  const bytes = (n: number) => Math.max(n * el, 256);
  // x, w, b, z, y (channel views: rows of the concat buffer)
  const sizes = [s.n * s.h * s.w * (s.xStride ?? s.c), s.k * s.kh * s.kw * (s.c / s.groups), s.k, s.n * s.oh * s.ow * (s.zStride ?? s.k), s.n * s.oh * s.ow * (s.yStride ?? s.k)].map(bytes);
  const bufs = sizes.map((n) => dev.alloc(n, 'conv tuning buffer'));
  const ws = dev.alloc(CONV_WORKSPACE, 'conv tuning workspace');
  const ev = [d.out('cuEventCreate', 0), d.out('cuEventCreate', 0)];
  let g: CudnnConvGraph | undefined;
  try {
    bufs.forEach((p, i) => d.check(d.fn.cuMemsetD8Async(p, 0, sizes[i], stream), 'cuMemsetD8Async'));
    const graph = (g = new CudnnConvGraph(handle, s));
    const run = () => graph.run(bufs[0], bufs[1], bufs[2], bufs[3], bufs[4], ws);
    const timed = graph.timeConfigs(GRAPH_CANDIDATES, CONV_WORKSPACE, () => {
      run();
      try {
        return replayedMs(d, stream, ev, GRAPH_REPS, run);
      } catch {
        // not capturable: timed run by run
        return Math.min(...[0, 1, 2].map(() => streamMs(d, stream, ev, run)));
      }
    });
    let best: { rank: number; ms: number } | undefined;
    for (const { rank, ms } of timed) if (!best || ms < best.ms) best = { rank, ms };
    return best;
  } finally {
    d.fn.cuStreamSynchronize(stream);
    g?.dispose();
    for (const e of ev) d.fn.cuEventDestroy(e);
    for (const p of [...bufs, ws]) dev.free(p);
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
    const handle = cudnnCreate(stream);
    const graphDeadline = performance.now() + GRAPH_TUNING_BUDGET_MS;
    try {
      todo.forEach((s, i) => {
        t.onProgress?.(`tuning conv ${i + 1}/${todo.length}`, i / todo.length);
        const graphable = cudnnGraphSupports(s);
        if (graphable && performance.now() >= graphDeadline) {
          // past the budget: untuned, so the graph API's heuristic first config runs it (fused epilogue),
          // and nothing is cached: the next build times it
          overBudget++;
          return;
        }
        let cc: CudnnConv | undefined;
        try {
          // fp16 NHWC: the graph API's configs (epilogue fused) are timed; the legacy algorithms only when none
          // finalizes (they never won there: their epilogue is a separate kernel, and timing them all costs
          // as much as the graph configs)
          const graph = graphable ? timeGraphConfigs(dev, handle, stream, s) : undefined;
          let best: ConvAlgo | undefined;
          if (graph) best = { algo: 0, math: 0, workspace: 0, graph: graph.rank, ms: graph.ms };
          else {
            cc = new CudnnConv(handle, s);
            best = cc.candidates(true, CONV_WORKSPACE)[0];
          }
          if (best) out[convKey(s)] = cache[cacheKey(s)] = best;
        } catch (e) {
          t.onProgress?.(`conv ${i + 1}/${todo.length} not tuned (${(e as Error).message.split('\n')[0]}); cuDNN's heuristic picks at run time`);
        } finally {
          cc?.dispose();
        }
      });
    } finally {
      cudnnDestroy(handle);
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
