/**
 * Build-time attention tactics: every FusedAttention that cuDNN's fused attention can express (lowering
 * `attention` spec), at the first profile's opt and min shapes, is timed on the build GPU both ways: TensorJet's
 * kernel (the plan's own cubin) and cuDNN's first engine configs, each as replays of a captured CUDA graph. Where
 * cuDNN is faster the plan's kernel section records its config (section `attention`, keyed by sdpaKey);
 * elsewhere ours runs. A timing cache (attention-tactics-ARCH.json, keyed by our kernel's hash too) makes
 * rebuilds fast. TENSORJET_CUDNN_SDPA=0 turns cuDNN attention off.
 */
import { join } from 'node:path';
import { cacheDir, type CompiledModule } from './compile.js';
import { ATTENTION_WORKSPACE } from './attention-runner.js';
import { cudnnCreate, cudnnDestroy, cudnnUnavailableReason } from './ffi/cudnn.js';
import { CudnnSdpaGraph, sdpaForms, sdpaKey, type SdpaSpec, type SdpaTactic } from './ffi/cudnn-sdpa.js';
import { CU_STREAM_NON_BLOCKING } from './ffi/driver.js';
import { replayedMs } from './graph-capture.js';
import { KernelLauncher } from './kernel-launch.js';
import type { Launcher } from './lowering/types.js';
import type { PlanStep } from './planner.js';
import { readCache, shapePlanAt, writeCache, type TuneInput } from './tactics.js';
import type { CudaDevice } from './device.js';

/** engine configs timed per attention and form */
const CANDIDATES = 4;
/** runs per timed sample (one captured graph) */
const REPS = 20;
/** cuDNN must be this much faster to replace ours (timing noise) */
const MARGIN = 0.97;
/** cache entry: the winning cuDNN config, or null where ours was faster */
type Entry = (SdpaTactic & { ms: number; oursMs: number }) | { rank: -1; oursMs: number; ms: number };

/** The attention steps cuDNN can run, by key, at the profile's opt then min shapes. */
function attentionSteps(t: TuneInput): Map<string, PlanStep & { spec: SdpaSpec }> {
  const out = new Map<string, PlanStep & { spec: SdpaSpec }>();
  for (const at of ['opt', 'min'] as const) {
    for (const s of shapePlanAt(t, at).steps) {
      const spec = s.lowered.attention;
      if (spec && s.lowered.emit && sdpaForms(spec).length) out.set(sdpaKey(spec), { ...s, spec });
    }
  }
  return out;
}

/** Times one attention step both ways on `dev`. */
function timeAttention(dev: CudaDevice, handle: number, stream: number, attn: CompiledModule, step: PlanStep & { spec: SdpaSpec }): Entry {
  const { d } = dev;
  const mod = d.out('cuModuleLoadData', Buffer.from(attn.cubin));
  const launcher = new KernelLauncher(d, stream, false);
  const bufs = [...step.inputs.map((v) => v?.bytes ?? 0), ...step.outputs.map((v) => v.bytes)].map((n) => dev.alloc(n, 'attention tuning buffer'));
  const ws = dev.alloc(ATTENTION_WORKSPACE, 'attention tuning workspace');
  const ev = [d.out('cuEventCreate', 0), d.out('cuEventCreate', 0)];
  const graphs: CudnnSdpaGraph[] = [];
  try {
    // inputs 1.06 (fp16 0x3c3c): values do not change either kernel's work
    step.inputs.forEach((v, i) => d.check(d.fn.cuMemsetD8Async(bufs[i], 0x3c, Math.max(v?.bytes ?? 0, 256), stream), 'cuMemsetD8Async'));
    const ip = bufs.slice(0, step.inputs.length);
    const op = bufs.slice(step.inputs.length);
    let q = 0, k = 0, v = 0, bias = 0;
    const fns = new Map<string, number>();
    const fn = (kernel: string) => fns.get(kernel) ?? fns.set(kernel, d.out('cuModuleGetFunction', mod, kernel)).get(kernel)!;
    const timing: Launcher = {
      blocks: (_family, kernel, grid, block, args) => launcher.launch(fn(kernel), grid, block, args, kernel),
      elementwise: () => { throw new Error('attention tuning: unexpected elementwise launch'); },
      matmul: () => { throw new Error('attention tuning: unexpected matmul'); },
      conv: () => { throw new Error('attention tuning: unexpected conv'); },
      copy: () => { throw new Error('attention tuning: unexpected copy'); },
      attention: (_s, pq, pk, pv, pb, _o, ours) => {
        [q, k, v, bias] = [pq, pk, pv, pb];
        ours();
      },
    };
    const ours = () => step.lowered.emit!(ip, op, timing);
    ours();
    const oursMs = replayedMs(d, stream, ev, REPS, ours);
    let best: Entry = { rank: -1, oursMs, ms: Infinity };
    for (const form of sdpaForms(step.spec)) {
      const g = new CudnnSdpaGraph(handle, step.spec, form);
      graphs.push(g);
      const run = () => g.run(q, k, v, op[0], bias, ws);
      const timed = g.timeConfigs(CANDIDATES, ATTENTION_WORKSPACE, () => (run(), replayedMs(d, stream, ev, REPS, run)));
      for (const { rank, ms } of timed) if (ms < best.ms) best = { form, rank, ms, oursMs };
      if (timed.length) break; // the next form is the same attention as another graph
    }
    return best.rank >= 0 && best.ms < oursMs * MARGIN ? best : { rank: -1, oursMs, ms: best.ms };
  } finally {
    d.fn.cuStreamSynchronize(stream);
    for (const g of graphs) g.dispose();
    for (const e of ev) d.fn.cuEventDestroy(e);
    for (const p of [...bufs, ws]) dev.free(p);
    launcher.dispose();
    d.fn.cuModuleUnload(mod);
  }
}

/** Tunes every cuDNN-expressible attention of the model; returns attention key -> cuDNN config where cuDNN won. */
export async function tuneAttention(t: TuneInput, modules: CompiledModule[]): Promise<Record<string, SdpaTactic>> {
  const attn = modules.find((m) => m.family === 'attention');
  if (!attn || !t.model.graph.nodes.some((n) => n.opType === 'FusedAttention') || cudnnUnavailableReason()) return {};
  let steps: Map<string, PlanStep & { spec: SdpaSpec }>;
  try {
    steps = attentionSteps(t);
  } catch (e) {
    t.onProgress?.(`attention tuning skipped: shapes unknown at build (${(e as Error).message.split('\n')[0]}); TensorJet's kernel runs`);
    return {};
  }
  if (!steps.size) return {};
  const file = join(cacheDir(), `attention-tactics-${t.arch}.json`);
  const cache = readCache<Entry>(file);
  const cacheKey = (key: string) => `${attn.hash}|${key}`;
  const todo = [...steps].filter(([key]) => !cache[cacheKey(key)]);
  if (todo.length) {
    const { CudaDevice } = await import('./device.js');
    const dev = new CudaDevice(t.device);
    const stream = dev.d.out('cuStreamCreate', CU_STREAM_NON_BLOCKING);
    const handle = cudnnCreate(stream);
    try {
      for (const [i, [key, step]] of todo.entries()) {
        t.onProgress?.(`tuning attention ${i + 1}/${todo.length}`);
        try {
          cache[cacheKey(key)] = timeAttention(dev, handle, stream, attn, step);
        } catch (e) {
          t.onProgress?.(`attention ${i + 1}/${todo.length} not tuned (${(e as Error).message.split('\n')[0]}); TensorJet's kernel runs it`);
        }
      }
    } finally {
      cudnnDestroy(handle);
      dev.d.fn.cuStreamDestroy(stream);
      dev.release();
    }
    writeCache(file, cache);
  }
  const out: Record<string, SdpaTactic> = {};
  const times: string[] = [];
  for (const [key, step] of steps) {
    const e = cache[cacheKey(key)];
    if (!e) continue;
    if (e.rank >= 0) out[key] = { form: (e as SdpaTactic).form, rank: e.rank };
    times.push(`b${step.spec.b}: ${e.rank >= 0 ? 'cuDNN' : 'ours'} (ours ${(e.oursMs * 1000).toFixed(1)} us, cuDNN ${Number.isFinite(e.ms) ? (e.ms * 1000).toFixed(1) + ' us' : 'none'})`);
  }
  t.onProgress?.(`attention tactics: ${steps.size} distinct, ${todo.length} timed; ${times.join(', ')}`);
  return out;
}
