/**
 * The pass manager: runs the optimization pipeline to a fixed point on a copy of the model.
 *   default (target 'cpu', the conformance runner): remove-identity -> fold-constants -> fold-batchnorm -> dead-code
 *   target 'cuda': GPU_PASSES (the above plus fusions into tensorjet ops), then fp16 when precision is 'fp16'
 */
import type { Attribute, Graph, Model } from '../ir/graph.js';
import type { KernelRegistry } from '../backends/cpu/registry.js';
import type { Precision } from '../plan/types.js';
import type { Pass, PassContext } from './pass.js';
import { removeIdentity } from './remove-identity.js';
import { foldConstants } from './fold-constants.js';
import { foldBatchNorm } from './fold-batchnorm.js';
import { deadCode } from './dead-code.js';
import { fuseLayerNorm } from './fuse-layernorm.js';
import { fuseAttention } from './fuse-attention.js';
import { fuseConv } from './fuse-conv.js';
import { fuseGemm } from './fuse-gemm.js';
import { fuseQkv } from './fuse-qkv.js';
import { fuseElementwise } from './fuse-elementwise.js';
import { convertToFp16 } from './precision.js';
import { layoutNhwc } from './layout-nhwc.js';
import { convSpaceToDepth } from './conv-space-to-depth.js';
import { fuseInputLayout } from './fuse-input-layout.js';
import { foldShapeValues, fuseEmbed } from './fuse-embed.js';
import { mergeCasts } from './merge-casts.js';

export const DEFAULT_PASSES: Pass[] = [removeIdentity, foldConstants, foldBatchNorm, deadCode];

/** The GPU pipeline: folding, then fusions from the largest patterns to the most generic (elementwise last). */
export const GPU_PASSES: Pass[] = [removeIdentity, foldShapeValues, foldConstants, foldBatchNorm, fuseLayerNorm, fuseEmbed, fuseAttention, fuseConv, fuseGemm, fuseQkv, fuseElementwise, deadCode];

export interface OptimizeOptions {
  registry: KernelRegistry;
  precision?: Precision;
  /** 'cpu' (default) keeps DEFAULT_PASSES; 'cuda' runs GPU_PASSES and, for precision 'fp16', the fp16 pass */
  target?: 'cpu' | 'cuda';
  /** node names kept in float32 by the fp16 pass */
  fp32Layers?: readonly string[];
  /** overrides the target's pass list */
  passes?: Pass[];
  /** whether the target backend runs an op (fusions into ops it lacks are skipped) */
  supports?: (domain: string, opType: string) => boolean;
  /** largest constant folding may create (default 64 MiB) */
  foldLimitBytes?: number;
  /** called once per pass run that changed something */
  onPass?: (name: string, changes: number) => void;
}

/** Copies the graph structure (nodes, maps, subgraphs); tensors are shared, passes never mutate them. */
export function cloneGraph(g: Graph): Graph {
  const cloneAttr = (a: Attribute): Attribute =>
    a.type === 'graph' ? { type: 'graph', value: cloneGraph(a.value) } : a.type === 'graphs' ? { type: 'graphs', value: a.value.map(cloneGraph) } : a;
  return {
    name: g.name,
    nodes: g.nodes.map((n) => ({
      ...n,
      inputs: [...n.inputs],
      outputs: [...n.outputs],
      attributes: new Map([...n.attributes].map(([k, a]) => [k, cloneAttr(a)])),
    })),
    inputs: g.inputs.map((i) => ({ ...i })),
    outputs: g.outputs.map((o) => ({ ...o })),
    constants: new Map(g.constants),
    valueInfo: new Map(g.valueInfo),
  };
}

export function optimizeModel(model: Model, opts: OptimizeOptions): Model {
  const out: Model = { ...model, opsets: new Map(model.opsets), graph: cloneGraph(model.graph) };
  // Initializers are weights baked into the plan (as in TensorRT), even where the model also lists
  // them as graph inputs (required before IR 4): they are constants, not runtime inputs.
  out.graph.inputs = out.graph.inputs.filter((i) => !out.graph.constants.has(i.name));
  const ctx: PassContext = { model: out, registry: opts.registry, foldLimitBytes: opts.foldLimitBytes ?? 64 * 2 ** 20, supports: opts.supports };
  const gpu = opts.target === 'cuda';
  const passes = opts.passes ?? (gpu ? GPU_PASSES : DEFAULT_PASSES);
  for (let round = 0; round < 8; round++) {
    let changed = 0;
    for (const pass of passes) {
      const n = pass.run(out.graph, ctx);
      if (n) opts.onPass?.(pass.name, n);
      changed += n;
    }
    if (!changed) break;
  }
  // opt-in (TENSORJET_S2D=1: measured slower, see the pass), fp16 only; fp32 weights, before the NHWC pass
  if (gpu && opts.precision === 'fp16' && !opts.passes) {
    const n = convSpaceToDepth.run(out.graph, ctx);
    if (n) opts.onPass?.(convSpaceToDepth.name, n);
  }
  if (gpu && opts.precision === 'fp16') {
    const n = convertToFp16(out, { fp32Layers: opts.fp32Layers });
    if (n) opts.onPass?.('precision-fp16', n);
    const m = opts.passes ? 0 : mergeCasts.run(out.graph, ctx); // int -> float32 -> float16 Cast pairs as one
    if (m) opts.onPass?.(mergeCasts.name, m);
  }
  // after fp16 (it needs float16 weights), last (shape inference does not know NHWC convs)
  if (gpu && !opts.passes) {
    const n = layoutNhwc.run(out.graph, ctx);
    if (n) opts.onPass?.(layoutNhwc.name, n);
    const m = fuseInputLayout.run(out.graph, ctx); // the input edge's Cast -> Transpose -> Pad as one op
    if (m) opts.onPass?.(fuseInputLayout.name, m);
  }
  // the fp16 and NHWC passes leave the weights they converted behind (the float32 / NCHW originals)
  if (gpu) {
    const n = deadCode.run(out.graph, ctx);
    if (n) opts.onPass?.(deadCode.name, n);
  }
  return out;
}
