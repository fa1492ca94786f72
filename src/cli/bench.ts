/**
 * tensorjet bench <model|plan> [--shapes name:dims]... [--contexts N] [--devices 0,1] [--duration s] [--warmup n] [--json]:
 * closed-loop latency percentiles and throughput over every context of every device (warm-up excluded),
 * then, on GPUs, a separate pass that times H2D / compute / D2H with device events.
 */
import { TensorJetError } from '../errors.js';
import { isPlanBytes, parsePlan, readFileBytes } from '../plan/read.js';
import type { Plan } from '../plan/types.js';
import { build } from '../runtime/builder.js';
import { Engine, type TensorInfo } from '../runtime/engine.js';
import type { ExecutionContext } from '../runtime/context.js';
import { parseDeviceSpec, type DeviceSpec } from '../runtime/devices.js';
import { parseArgs, numberOption, usageError, type CommandSpec } from './args.js';
import { parseShapesOption } from './build.js';
import { buildFeeds } from './inputs.js';
import { cloneMemoryTable, type CloneMemoryRow } from './bench-memory.js';
import { formatBytes, table } from './format.js';

export const benchSpec: CommandSpec = {
  usage:
    'tensorjet bench <model.onnx|model.plan> [--shapes name:1x3x224x224]... [--contexts N] [--devices 0,1] [--duration seconds] [--warmup n] [--input name=...]... [--device cpu|N|auto] [--profile] [--json]',
  options: { duration: 'string', warmup: 'string', input: 'strings', device: 'string', devices: 'string', contexts: 'string', shapes: 'strings', json: 'boolean', verbose: 'boolean', profile: 'boolean' },
  aliases: { d: 'device', i: 'input' },
  positionals: [1, 1],
};

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const round = (x: number, digits = 3) => Number(x.toFixed(digits));
type ProfiledNode = { name: string; opType: string; ms: number };
/** The top `n` profiled nodes by time with their share of the summed node time. */
function topNodes(p: { nodes: ProfiledNode[] }, n: number) {
  const total = p.nodes.reduce((a, b) => a + b.ms, 0) || 1;
  return [...p.nodes].sort((a, b) => b.ms - a.ms).slice(0, n).map((x) => ({ ...x, pct: (100 * x.ms) / total }));
}
/** Profiled time per op type (count, ms, share), largest first. */
function opTypeTotals(p: { nodes: ProfiledNode[] }) {
  const total = p.nodes.reduce((a, b) => a + b.ms, 0) || 1;
  const by = new Map<string, { opType: string; count: number; ms: number }>();
  for (const x of p.nodes) {
    const e = by.get(x.opType) ?? { opType: x.opType, count: 0, ms: 0 };
    e.count++;
    e.ms += x.ms;
    by.set(x.opType, e);
  }
  return [...by.values()].sort((a, b) => b.ms - a.ms).map((e) => ({ ...e, pct: (100 * e.ms) / total }));
}
const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);

async function loadEngines(path: string, devices: DeviceSpec[], shapes: ReturnType<typeof parseShapesOption>): Promise<{ engines: Engine[]; plan: Plan }> {
  let bytes = readFileBytes(path, 'model or plan');
  const isPlan = isPlanBytes(bytes);
  if (!isPlan) {
    const first = devices[0]!;
    bytes = (await build(path, { target: first === 'auto' ? 'cpu' : first, shapes })).plan;
  }
  const plan = parsePlan(bytes, `'${path}'`);
  const engines: Engine[] = [];
  try {
    for (const device of devices) engines.push(await Engine.load(plan, { device: !isPlan && device === 'auto' ? 'cpu' : device }));
  } catch (e) {
    engines.forEach((en) => en.dispose());
    throw e;
  }
  return { engines, plan };
}

export async function benchCommand(argv: string[], out: (s: string) => void): Promise<void> {
  const { options, positionals } = parseArgs(argv, benchSpec);
  const duration = numberOption(options.duration, 'duration', 3, benchSpec.usage);
  const warmup = numberOption(options.warmup, 'warmup', 10, benchSpec.usage);
  const nContexts = numberOption(options.contexts, 'contexts', 1, benchSpec.usage);
  if (!Number.isInteger(nContexts) || nContexts < 1) throw usageError(`--contexts must be a positive integer, got ${options.contexts}`, benchSpec.usage);
  if (options.devices !== undefined && options.device !== undefined) throw usageError('give --device or --devices, not both', benchSpec.usage);
  const devices: DeviceSpec[] = options.devices !== undefined
    ? String(options.devices).split(',').filter(Boolean).map((d) => parseDeviceSpec(d))
    : [parseDeviceSpec(options.device as string | undefined, 'auto')];
  if (!devices.length) throw usageError('--devices needs at least one device, e.g. 0,1', benchSpec.usage);
  const shapes = parseShapesOption((options.shapes as string[] | undefined) ?? []);
  const { engines, plan } = await loadEngines(positionals[0]!, devices, shapes);
  try {
    const infos: TensorInfo[] = engines[0]!.inputs.map((info) => {
      const r = shapes?.[info.name];
      return r ? { ...info, shape: [...r.opt], dynamic: false, profiles: [] } : info;
    });
    for (const name of Object.keys(shapes ?? {})) {
      if (!infos.some((i) => i.name === name)) throw new TensorJetError('E_USAGE', `--shapes names '${name}', which is not an input (inputs: ${infos.map((i) => i.name).join(', ')})`);
    }
    const feeds = buildFeeds((options.input as string[] | undefined) ?? [], infos, true);
    const contexts: ExecutionContext[] = engines.flatMap((e) => Array.from({ length: nContexts }, () => e.createContext()));
    // warm-up (shape plans, CUDA graph capture) on every context, excluded from the numbers
    await Promise.all(contexts.map(async (c) => { for (let i = 0; i < warmup; i++) await c.infer(feeds); }));
    const times: number[] = [];
    const start = performance.now();
    const deadline = start + duration * 1000;
    await Promise.all(contexts.map(async (c) => {
      do {
        const t0 = performance.now();
        await c.infer(feeds);
        times.push(performance.now() - t0);
      } while (performance.now() < deadline);
    }));
    const total = (performance.now() - start) / 1000;
    // separate pass: per-phase device times (GPU only)
    let phases: { h2dMs: number; computeMs: number; d2hMs: number } | undefined;
    const samples: { h2dMs: number; computeMs: number; d2hMs: number }[] = [];
    for (let i = 0; i < 50; i++) {
      const p = await contexts[0]!.phaseTimes(feeds);
      if (!p) break;
      samples.push(p);
    }
    if (samples.length) {
      phases = {
        h2dMs: round(median(samples.map((s) => s.h2dMs)), 4),
        computeMs: round(median(samples.map((s) => s.computeMs)), 4),
        d2hMs: round(median(samples.map((s) => s.d2hMs)), 4),
      };
    }
    // --profile (GPU): per-layer device times, eager enqueue with events around every node
    const layerProfile = options.profile ? await contexts[0]!.profile(feeds, 20) : undefined;
    const sorted = [...times].sort((a, b) => a - b);
    const result = {
      devices: engines.map((e) => e.device),
      contextsPerDevice: nContexts,
      inputs: Object.fromEntries(Object.entries(feeds).map(([k, t]) => [k, [...t.dims]])),
      iterations: times.length,
      warmup,
      seconds: round(total),
      throughput: round(times.length / total, 2),
      latencyMs: {
        mean: round(times.reduce((a, b) => a + b, 0) / times.length, 4),
        p50: round(percentile(sorted, 50), 4),
        p90: round(percentile(sorted, 90), 4),
        p99: round(percentile(sorted, 99), 4),
        min: round(sorted[0]!, 4),
        max: round(sorted[sorted.length - 1]!, 4),
      },
      ...(phases ? { phasesMs: phases } : {}),
      memory: engines.map((e) => ({ device: e.device, ...e.memory() })),
    };
    // Clone table (GPU, --contexts > 1): measured after the timed engines are gone, so they do not count.
    const gpu = engines[0]!.device.startsWith('cuda:') ? Number(engines[0]!.device.slice(5)) : undefined;
    engines.forEach((e) => e.dispose());
    let clones: CloneMemoryRow[] | undefined;
    if (gpu !== undefined && nContexts > 1) clones = await cloneMemoryTable(plan, gpu, nContexts, feeds);
    const top = layerProfile ? topNodes(layerProfile, 15) : undefined;
    const byOpType = layerProfile ? opTypeTotals(layerProfile) : undefined;
    const report = { ...result, ...(clones ? { cloneMemory: clones } : {}), ...(layerProfile ? { profile: { ...layerProfile, top, byOpType } } : {}) };
    if (options.json) { out(JSON.stringify(report, null, 2)); return; }
    const l = result.latencyMs;
    out(`${positionals[0]} on ${result.devices.join(', ')} x ${nContexts} context${nContexts === 1 ? '' : 's'}: ${result.iterations} inferences in ${result.seconds} s (${warmup} warm-up per context excluded)`);
    out(`latency ms: p50 ${l.p50}  p90 ${l.p90}  p99 ${l.p99}  mean ${l.mean}  min ${l.min}  max ${l.max}`);
    out(`throughput: ${result.throughput} inferences/s`);
    if (phases) out(`device time per inference (median of ${samples.length}, separate timed pass): H2D ${phases.h2dMs} ms  compute ${phases.computeMs} ms  D2H ${phases.d2hMs} ms`);
    if (options.profile && !layerProfile) out('--profile: per-layer times need a GPU context; none recorded');
    if (layerProfile && top && byOpType) {
      const total = layerProfile.nodes.reduce((a, b) => a + b.ms, 0);
      const how = layerProfile.mode === 'graph' ? 'events inside one CUDA graph' : 'eager enqueue, host gaps included';
      out(`per-layer profile (median of ${layerProfile.runs} runs, ${how}, around each of ${layerProfile.nodes.length} nodes; sum ${total.toFixed(4)} ms):`);
      out(table([['op type', 'node', 'ms', '% of total'], ...top.map((r) => [r.opType, r.name, r.ms.toFixed(4), r.pct.toFixed(1)])]));
      out('by op type:');
      out(table([['op type', 'nodes', 'ms', '% of total'], ...byOpType.map((r) => [r.opType, String(r.count), r.ms.toFixed(4), r.pct.toFixed(1)])]));
      out(`H2D ${layerProfile.h2dMs.toFixed(4)} ms  compute ${layerProfile.computeMs.toFixed(4)} ms  D2H ${layerProfile.d2hMs.toFixed(4)} ms`);
    }
    if (clones) {
      out(`device memory on cuda:${gpu} (drop in free memory after one inference each):`);
      out(table([['instances', 'one engine + N contexts', 'N engines'], ...clones.map((r) => [String(r.instances), formatBytes(r.sharedBytes), formatBytes(r.separateBytes)])]));
    }
  } finally {
    engines.forEach((e) => e.dispose());
  }
}
