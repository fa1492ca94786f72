/**
 * The Q, K and V projections of attention -> one GEMM (GPU pipeline, after fuse-attention and fuse-gemm):
 *   FusedAttention(Reshape(P(x, Wq, bq)), Reshape(P(x, Wk, bk)), Reshape(P(x, Wv, bv)), mask?)
 *     -> FusedAttention(FusedGemm(x, [Wq | Wk | Wv], [bq | bk | bv]), mask?)   qkv = 1, num_heads = H
 * FusedAttention must read Q, K and V as [B, S, H, D] (bshd bits 1, 2, 4) with K transposed by the node
 * (transpose_k = 1). P is a FusedGemm without activation (x @ W [+ b]) or a MatMul; the three read the same
 * x [B, S, Kdim] and constant float weights of one shape [Kdim, N] with constant [N] biases (or none). Each
 * Reshape splits the last axis into [H, D] (H * D = N: shape inference shows [B, S, H, D], also for the
 * exporter's view targets computed from Shape with a symbolic batch) and its result is read only by the attention. A projection's output is read only by its Reshape and by Shape nodes
 * (the exporter's view(b, s, H, D) arithmetic): known values become constants; unknown ones (a symbolic
 * batch) read x instead where N = Kdim, so they keep their values.
 */
import type { Node } from '../ir/graph.js';
import { inferShapes } from '../ir/shape-inference.js';
import { FUSED_DOMAIN } from '../ops/fused.js';
import { isFloat, type TensorData } from '../tensor/dtype.js';
import { makeTensor, type Tensor } from '../tensor/tensor.js';
import { freshValueName, isGraphOutput } from './pass.js';
import { rulePass, type Rule, type RewriteView } from './rewrite.js';
import { constant, freshNodeName, int, useFusedDomain } from './fuse-util.js';

interface Projection {
  node: Node;
  w: Tensor;
  bias?: Tensor;
}

/** FusedGemm attributes that leave it x @ W + b. */
const isPlainGemm = (n: Node): boolean =>
  [...n.attributes].every(([k, a]) =>
    (k === 'activation' && a.type === 'string' && a.value === '') ||
    ((k === 'transA' || k === 'transB') && a.type === 'int' && a.value === 0) ||
    ((k === 'alpha' || k === 'beta') && a.type === 'float' && a.value === 1),
  );

function projection(view: RewriteView, name: string): Projection | undefined {
  const p = view.producer(name);
  if (!p || p.outputs[0] !== name) return undefined;
  const gemm = p.domain === FUSED_DOMAIN && p.opType === 'FusedGemm' && isPlainGemm(p);
  if (!gemm && !(p.domain === '' && p.opType === 'MatMul')) return undefined;
  const w = constant(view, p.inputs[1]);
  if (!w || w.dims.length !== 2 || !isFloat(w.dtype)) return undefined;
  if (!gemm || !p.inputs[2]) return { node: p, w };
  const bias = constant(view, p.inputs[2]);
  if (!bias || bias.dtype !== w.dtype || bias.dims.length !== 1 || bias.dims[0] !== w.dims[1]) return undefined;
  return { node: p, w, bias };
}

/** Tensors of one shape [..., n] (row-major) side by side along the last axis. */
function concatLast(ts: Tensor[]): Tensor {
  const n = ts[0].dims[ts[0].dims.length - 1];
  const rows = ts[0].data.length / n;
  const data = new (ts[0].data.constructor as new (len: number) => Float32Array)(rows * n * ts.length);
  for (let r = 0; r < rows; r++) ts.forEach((t, j) => data.set((t.data as Float32Array).subarray(r * n, (r + 1) * n), (r * ts.length + j) * n));
  return makeTensor(ts[0].dtype, [...ts[0].dims.slice(0, -1), n * ts.length], data as unknown as TensorData);
}

const qkv: Rule = {
  name: 'qkv',
  root: 'FusedAttention',
  domain: FUSED_DOMAIN,
  apply(fa, view) {
    const a = fa.attributes;
    if (a.get('qkv')?.value || ((a.get('bshd')?.value as number) & 7) !== 7 || a.get('transpose_k')?.value !== 1) return undefined;
    if (new Set(fa.inputs.slice(0, 3)).size !== 3) return undefined;
    const reshapes: Node[] = [];
    const projs: Projection[] = [];
    for (let i = 0; i < 3; i++) {
      const r = view.producer(fa.inputs[i]);
      if (!r || r.domain !== '' || r.opType !== 'Reshape' || !view.onlyReadBy(r.outputs[0], fa)) return undefined;
      const p = projection(view, r.inputs[0]);
      if (!p) return undefined;
      reshapes.push(r);
      projs.push(p);
    }
    const x = projs[0].node.inputs[0];
    const [kdim, n] = projs[0].w.dims;
    const withBias = !!projs[0].bias;
    if (new Set(projs.map((p) => p.node)).size !== 3) return undefined;
    for (const p of projs) {
      if (p.node.inputs[0] !== x || p.w.dtype !== projs[0].w.dtype || p.w.dims[0] !== kdim || p.w.dims[1] !== n || !!p.bias !== withBias) return undefined;
    }
    // shapes: x [B, S, Kdim], every Reshape [B, S, H, D] with one H, D (shape inference follows a symbolic
    // batch through the exporter's Shape arithmetic: ops/symbolic-value.ts)
    const shapes = inferShapes(view.ctx.model);
    const sx = shapes.get(x)?.shape;
    if (!sx || sx.length !== 3 || sx[2] !== kdim) return undefined;
    let heads: number[] | undefined;
    for (const r of reshapes) {
      const s = shapes.get(r.outputs[0])?.shape;
      const hd = s && s.length === 4 && s[0] === sx[0] && s[1] === sx[1] && typeof s[2] === 'number' && typeof s[3] === 'number' ? [s[2], s[3]] : undefined;
      if (!hd || hd[0] * hd[1] !== n) return undefined;
      if (heads && (heads[0] !== hd[0] || heads[1] !== hd[1])) return undefined;
      heads = hd;
    }
    // other readers of the projections: Shape nodes (the view arithmetic). Known values become constants;
    // others read x instead, which has the same dims where N = Kdim (left dead once the Reshapes go)
    const shapeNodes: Node[] = [];
    const repoint: Node[] = [];
    for (let i = 0; i < 3; i++) {
      const y = projs[i].node.outputs[0];
      if (isGraphOutput(view.graph, y) || reshapes[i].inputs.indexOf(y) !== 0 || reshapes[i].inputs.lastIndexOf(y) !== 0) return undefined;
      for (const rd of view.readers(y)) {
        if (rd === reshapes[i]) continue;
        if (rd.domain !== '' || rd.opType !== 'Shape') return undefined;
        if (shapes.get(rd.outputs[0])?.value) {
          if (!shapeNodes.includes(rd)) shapeNodes.push(rd);
        } else if (n === kdim && rd.attributes.size === 0) repoint.push(rd);
        else return undefined;
      }
    }

    const domain = useFusedDomain(view);
    const packed = freshValueName(view.graph, `${projs[0].node.outputs[0]}_qkv`);
    const wName = freshValueName(view.graph, `${projs[0].node.inputs[1]}_qkv`);
    const bName = withBias ? freshValueName(view.graph, `${projs[0].node.inputs[2]}_qkv`) : undefined;
    const gemm: Node = {
      name: freshNodeName(view, `${projs[0].node.name}_qkv`),
      opType: 'FusedGemm',
      domain,
      inputs: [x, wName, ...(bName ? [bName] : [])],
      outputs: [packed],
      attributes: new Map(),
    };
    const mask = a.get('has_mask')?.value ? [fa.inputs[3]] : [];
    const attributes = new Map(a);
    attributes.set('qkv', int(1));
    attributes.set('num_heads', int(heads![0]));
    const attention: Node = { ...fa, inputs: [packed, ...mask], attributes };

    // placed where the attention was; nodes in between (mask, shape arithmetic) move before the GEMM
    const removed = new Set<Node>([...projs.map((p) => p.node), ...reshapes, ...shapeNodes, fa]);
    const idx = [...removed].map((nd) => view.graph.nodes.indexOf(nd));
    const between = view.graph.nodes.slice(Math.min(...idx), Math.max(...idx) + 1).filter((nd) => !removed.has(nd));
    const insert = [...between, gemm, attention];
    if (view.ctx.supports && !insert.every((nd) => view.ctx.supports!(nd.domain, nd.opType))) return undefined;
    const g = view.graph.constants;
    g.set(wName, concatLast(projs.map((p) => p.w)));
    if (bName) g.set(bName, concatLast(projs.map((p) => p.bias!)));
    for (const s of shapeNodes) g.set(s.outputs[0], shapes.get(s.outputs[0])!.value!);
    for (const s of repoint) s.inputs[0] = x;
    return { remove: [...removed, ...between], insert };
  },
};

export const fuseQkv = rulePass('fuse-qkv', [qkv]);
