/**
 * fp16 for GPU targets: float32 values computed by ops in FP16_OPS become float16; everything else
 * (numerically sensitive ops: reductions, Exp/Log/Pow, BatchNormalization...; ops in `fp32Layers`;
 * ops with subgraphs; ops of unknown dtype) stays float32 with Casts at the borders. LayerNormalization,
 * SkipLayerNorm, Softmax and LogSoftmax read and write fp16 but accumulate in fp32 inside the CUDA kernels
 * (norm.cu, softmax.cu); their scale/bias become float16 constants like other weights (LayerNormalization
 * only with its single output: its Mean / InvStdDev outputs are float32). Float32 constants
 * feeding fp16 ops are stored as float16; graph inputs and outputs keep their declared dtype (Cast at the
 * boundary). Non-float values (shape-like int tensors) are never touched. Runs once, after fusion.
 */
import type { Model, Node } from '../ir/graph.js';
import { inferShapes } from '../ir/shape-inference.js';
import { dtypeToOnnx, type DType } from '../tensor/dtype.js';
import { readNumbers, fromNumbers } from '../backends/cpu/util.js';
import { FUSED_DOMAIN } from '../ops/fused.js';
import { freshValueName, hasSubgraph, outerReads } from './pass.js';

/** Ops that run in fp16 (GEMM-class compute, simple elementwise, data movement, dtype-agnostic readers). */
export const FP16_OPS = new Set([
  'Conv', 'ConvTranspose', 'Gemm', 'MatMul', 'FusedConv', 'FusedGemm', 'FusedAttention', 'FusedElementwise',
  'Add', 'Sub', 'Mul', 'Relu', 'LeakyRelu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Tanh', 'Gelu', 'Clip', 'Neg', 'Abs',
  'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'Resize',
  'Reshape', 'Flatten', 'Transpose', 'Squeeze', 'Unsqueeze', 'Concat', 'Slice', 'Split', 'Gather', 'Identity',
  'Shape', 'Size', 'Expand', 'Tile',
  'LayerNormalization', 'SkipLayerNorm', 'EmbedLayerNorm', 'Softmax', 'LogSoftmax',
]);

/** Float inputs that stay float32 whatever the node runs in (ONNX types them tensor(float) or apart from T). */
const FLOAT32_INPUTS: Record<string, readonly number[]> = { Resize: [1, 2] }; // roi, scales

/** FP16_OPS whose extra outputs are statistics kept float32: they run in fp16 only with their first output. */
const FIRST_OUTPUT_ONLY = new Set(['LayerNormalization']);

export interface PrecisionOptions {
  /** node names that stay float32 */
  fp32Layers?: readonly string[];
}

const isHalfOp = (n: Node): boolean =>
  (n.domain === '' || n.domain === FUSED_DOMAIN) && FP16_OPS.has(n.opType) && !(FIRST_OUTPUT_ONLY.has(n.opType) && n.outputs.slice(1).some(Boolean));

/** Rewrites `model` in place for fp16; returns the number of nodes that now run in fp16. */
export function convertToFp16(model: Model, opts: PrecisionOptions = {}): number {
  const g = model.graph;
  const metas = inferShapes(model);
  const dtypeOf = (name: string): DType | undefined => g.constants.get(name)?.dtype ?? metas.get(name)?.dtype;
  const keep32 = new Set(opts.fp32Layers ?? []);
  const outer = new Set(g.nodes.flatMap(outerReads));

  // 1. which nodes run in fp16: every float input/output must be known float32 (or float16)
  const half = new Set<Node>();
  for (const n of g.nodes) {
    if (!isHalfOp(n) || keep32.has(n.name) || hasSubgraph(n)) continue;
    const ins = n.inputs.filter(Boolean).map(dtypeOf);
    const outs = n.outputs.filter(Boolean).map(dtypeOf);
    if (ins.some((d) => d === undefined) || outs.some((d) => d === undefined)) continue;
    if (![...ins, ...outs].includes('float32')) continue;
    if (n.outputs.some((o) => outer.has(o))) continue;
    half.add(n);
  }
  if (!half.size) return 0;

  // 2. current dtype of each float value after conversion
  const now = new Map<string, DType>();
  for (const n of g.nodes) for (const o of n.outputs) if (o && dtypeOf(o) === 'float32') now.set(o, half.has(n) ? 'float16' : 'float32');

  // graph outputs produced in fp16 get a Cast back to their declared float32
  const tail: Node[] = [];
  for (const out of g.outputs) {
    if (now.get(out.name) !== 'float16') continue;
    const inner = freshValueName(g, `${out.name}_fp16`);
    for (const n of g.nodes) {
      n.outputs = n.outputs.map((o) => (o === out.name ? inner : o));
      n.inputs = n.inputs.map((i) => (i === out.name ? inner : i));
    }
    now.set(inner, 'float16');
    now.set(out.name, 'float32');
    tail.push(cast(`${out.name}_to_fp32`, inner, out.name, 'float32'));
  }

  // 3. walk in order: convert constants, insert Casts where a node's float input has the wrong dtype
  const casts = new Map<string, string>();
  const halfConsts = new Map<string, string>();
  const nodes: Node[] = [];
  for (const n of g.nodes) {
    n.inputs = n.inputs.map((name, i) => {
      if (!name) return name;
      const want: DType = half.has(n) && !FLOAT32_INPUTS[n.opType]?.includes(i) ? 'float16' : 'float32';
      const c = g.constants.get(name);
      if (c) {
        if (c.dtype !== 'float32' || want !== 'float16') return name;
        let h = halfConsts.get(name);
        if (!h) {
          h = freshValueName(g, `${name}_fp16`);
          g.constants.set(h, fromNumbers('float16', c.dims, readNumbers(c)));
          halfConsts.set(name, h);
        }
        return h;
      }
      const have = now.get(name) ?? (dtypeOf(name) === 'float32' ? 'float32' : undefined);
      if (!have || have === want) return name;
      const key = `${name}->${want}`;
      let to = casts.get(key);
      if (!to) {
        to = freshValueName(g, `${name}_${want === 'float16' ? 'fp16' : 'fp32'}`);
        casts.set(key, to);
        nodes.push(cast(`${to}_cast`, name, to, want));
      }
      return to;
    });
    nodes.push(n);
  }
  g.nodes = [...nodes, ...tail];
  for (const [name, d] of now) {
    const vi = g.valueInfo.get(name);
    if (vi && vi.type.kind === 'tensor' && d === 'float16') g.valueInfo.set(name, { ...vi, type: { ...vi.type, dtype: d } });
  }
  return half.size;
}

function cast(name: string, input: string, output: string, to: DType): Node {
  return { name, opType: 'Cast', domain: '', inputs: [input], outputs: [output], attributes: new Map([['to', { type: 'int', value: dtypeToOnnx(to) }]]) };
}

