/**
 * build(): ONNX model -> plan. import -> resolve symbolic dims with the profiles -> optimize -> check
 * every node is supported (all reported at once) -> backend compile -> header -> bytes (and file).
 */
import { createHash } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { TensorJetError } from '../errors.js';
import type { Graph, Model } from '../ir/graph.js';
import { importModel } from '../onnx/import.js';
import { optimizeModel } from '../passes/index.js';
import { createCpuRegistry } from '../backends/cpu/kernels/index.js';
import type { Backend } from '../backends/backend.js';
import { walkNodes } from '../backends/cpu/backend.js';
import { PLAN_FORMAT_VERSION } from '../plan/format.js';
import { isPlanBytes, readFileBytes } from '../plan/read.js';
import { serializePlan, writeFileAtomic } from '../plan/write.js';
import type { IOTensorInfo, PlanHeader, Precision, ShapeProfile } from '../plan/types.js';
import { parseDeviceSpec, resolveBuildDevice, type DeviceSpec } from './devices.js';
import { resolveSymbolicDims, runtimeInputs, validateProfiles } from './profiles.js';
import { checkStaticSizes } from './static-check.js';
import { inferShapes, type ShapeMap } from '../ir/shape-inference.js';

export const PRODUCER = 'tensorjet 0.1.0';

export interface BuildOptions {
  /** 'cpu' (default), a GPU index, or 'auto' (GPU 0 when usable, else cpu) */
  target?: DeviceSpec;
  precision?: Precision;
  /** one optimization profile, or several */
  shapes?: ShapeProfile | ShapeProfile[];
  /** write the plan here (atomically) */
  output?: string;
  onProgress?: (message: string, fraction?: number) => void;
  /** one-line warnings (e.g. target 'auto' falling back to the CPU); default: printed to stderr */
  onWarning?: (message: string) => void;
  /** node names kept in fp32 when precision is fp16 */
  fp32Layers?: string[];
  /** a backend instance to build with instead of the one `target` selects (custom backends, tests) */
  backend?: Backend;
}

export interface BuildResult {
  plan: Uint8Array;
  header: PlanHeader;
}

/** IO tensor infos; `inferred` fills in shapes (and dtypes) the model leaves undeclared. */
export function ioInfos(graph: Graph, inferred?: ShapeMap): { inputs: IOTensorInfo[]; outputs: IOTensorInfo[] } {
  const info = (mode: 'input' | 'output') => (v: Graph['inputs'][number]): IOTensorInfo => {
    const meta = inferred?.get(v.name);
    if (v.type?.kind !== 'tensor') {
      return { name: v.name, dtype: meta?.dtype ?? 'float32', shape: meta?.shape ?? ['?'], mode };
    }
    const shape = v.type.shape ?? meta?.shape ?? ['...'];
    return { name: v.name, dtype: v.type.dtype, shape: shape.map((d) => (typeof d === 'number' && d < 0 ? '?' : d)), mode };
  };
  return { inputs: runtimeInputs(graph).map(info('input')), outputs: graph.outputs.map(info('output')) };
}

export function opCounts(graph: Graph): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const n of walkNodes(graph)) {
    const key = n.domain && n.domain !== 'ai.onnx' ? `${n.domain}::${n.opType}` : n.opType;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

export function weightBytes(graph: Graph): number {
  let total = 0;
  const seen = new Set<unknown>();
  const visit = (g: Graph) => {
    for (const t of g.constants.values()) {
      if (seen.has(t)) continue;
      seen.add(t);
      total += t.dtype === 'string' ? 0 : (t.data as ArrayBufferView).byteLength;
    }
    for (const n of g.nodes) for (const a of n.attributes.values()) {
      if (a.type === 'graph') visit(a.value);
      else if (a.type === 'graphs') a.value.forEach(visit);
    }
  };
  visit(graph);
  return total;
}

/** Throws one E_UNSUPPORTED_OP naming every node the backend cannot run. */
export function checkSupported(backend: Backend, model: Model): void {
  const bad = backend.unsupportedNodes(model);
  if (!bad.length) return;
  const shown = bad.slice(0, 20).map((n) => `'${n.name}' (${n.opType})`).join(', ');
  const more = bad.length > 20 ? `, and ${bad.length - 20} more` : '';
  const types = [...new Set(bad.map((n) => n.opType))].sort().join(', ');
  throw new TensorJetError(
    'E_UNSUPPORTED_OP',
    `${bad.length} node${bad.length === 1 ? ' is' : 's are'} not supported by the ${backend.name} backend: ${shown}${more} (op types: ${types})`,
    { nodes: bad.map((n) => ({ node: n.name, opType: n.opType })), backend: backend.name },
  );
}

export async function build(model: string | Uint8Array, options: BuildOptions = {}): Promise<BuildResult> {
  const progress = options.onProgress ?? (() => {});
  const precision = options.precision ?? 'fp32';
  if (precision !== 'fp32' && precision !== 'fp16') throw new TensorJetError('E_USAGE', `unknown precision '${precision}': use fp32 or fp16`);
  const device = options.backend
    ? { backend: options.backend, index: typeof options.target === 'number' ? options.target : 0, label: options.backend.name }
    : await resolveBuildDevice(parseDeviceSpec(options.target as string | number | undefined));

  if ('fallback' in device && device.fallback) (options.onWarning ?? ((m) => process.stderr.write(`warning: ${m}\n`)))(device.fallback);

  progress('reading model', 0);
  const bytes = typeof model === 'string' ? readFileBytes(model, 'model') : model;
  if (isPlanBytes(bytes)) {
    throw new TensorJetError('E_USAGE', `${typeof model === 'string' ? `'${model}'` : 'the input'} is already a TensorJet plan; build takes an .onnx model`);
  }
  const sourceModelHash = createHash('sha256').update(bytes).digest('hex');
  const baseDir = typeof model === 'string' ? dirname(resolve(model)) : undefined;

  progress('importing', 0.05);
  const imported = importModel(bytes, baseDir ? { baseDir } : {});
  const profiles = validateProfiles(options.shapes, imported.graph);
  resolveSymbolicDims(imported.graph, profiles);

  progress('optimizing', 0.2);
  const backend = device.backend;
  const optimizeOptions = {
    registry: createCpuRegistry(),
    precision,
    fp32Layers: options.fp32Layers,
    target: backend.name,
    supports: backend.supportsOp?.bind(backend),
  };
  const optimized = optimizeModel(imported, optimizeOptions);

  checkSupported(device.backend, optimized);
  checkStaticSizes(optimized, profiles);

  progress(`compiling for ${device.label}`, 0.4);
  const compiled = await device.backend.compile({
    model: optimized,
    precision,
    profiles,
    device: device.index,
    onProgress: (m, f) => progress(m, f === undefined ? undefined : 0.4 + 0.5 * f),
    options: { fp32Layers: options.fp32Layers ?? [] },
  });

  const final = compiled.model;
  const buildOptions: Record<string, unknown> = { target: options.target ?? 'cpu', precision };
  if (options.shapes) buildOptions.shapes = options.shapes;
  if (options.fp32Layers?.length) buildOptions.fp32Layers = options.fp32Layers;
  const header: PlanHeader = {
    formatVersion: PLAN_FORMAT_VERSION,
    producer: PRODUCER,
    createdAt: new Date().toISOString(),
    target: compiled.target,
    precision,
    ...ioInfos(final.graph, inferShapes(final)),
    profiles,
    buildOptions,
    sourceModelHash,
    opCounts: opCounts(final.graph),
    weightBytes: weightBytes(final.graph),
  };

  progress('serializing', 0.9);
  const plan = serializePlan({ header, model: final, kernels: compiled.kernels });
  if (options.output) {
    progress(`writing ${options.output}`, 0.95);
    writeFileAtomic(options.output, plan);
  }
  progress('done', 1);
  return { plan, header };
}
