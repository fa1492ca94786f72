/**
 * A transformer's embedding layer as one kernel (GPU pipeline; TENSORJET_FUSE_EMBED=0 turns both passes off):
 *   fold-shape-values: a Slice / Gather of a constant whose other operands are values shape inference knows
 *     (Shape arithmetic on static dims: BERT's position_ids[:, :S] with S = Shape(input_ids)[1]) gets those
 *     values as constants, so fold-constants folds it, and then the position Gather of its constant table.
 *     Other shape arithmetic is left as it is (the planner evaluates it on the host).
 *   fuse-embed: SkipLayerNorm(Gather(T, ids) [+ C1], C2) with T [V, H] and C1, C2 constants ->
 *     tensorjet::EmbedLayerNorm(ids, T, C1 + C2, scale, bias) (position + token-type embeddings summed here).
 * Also LayerNormalization(Gather(T, ids) + C) over the last axis with 1-D scale/bias.
 */
import type { Dim, Node } from '../ir/graph.js';
import { inferShapes } from '../ir/shape-inference.js';
import { KernelContext } from '../backends/cpu/kernel.js';
import type { Tensor } from '../tensor/tensor.js';
import { freshValueName, isGraphOutput, type Pass } from './pass.js';
import { rulePass, type Rule, type RewriteView } from './rewrite.js';
import { constant, flt, useFusedDomain } from './fuse-util.js';

export const embedFusionEnabled = (): boolean => process.env.TENSORJET_FUSE_EMBED !== '0';

export const foldShapeValues: Pass = {
  name: 'fold-shape-values',
  run(graph, ctx) {
    if (!embedFusionEnabled()) return 0;
    const producers = new Map<string, Node>();
    for (const n of graph.nodes) for (const o of n.outputs) if (o) producers.set(o, n);
    let metas: ReturnType<typeof inferShapes> | undefined;
    const folded = new Map<string, Tensor>();
    for (const node of graph.nodes) {
      if (node.domain !== '' || (node.opType !== 'Slice' && node.opType !== 'Gather') || !graph.constants.has(node.inputs[0])) continue;
      const runtime = node.inputs.filter((n) => n && !graph.constants.has(n) && !folded.has(n));
      if (!runtime.length || runtime.some((n) => !producers.has(n) || isGraphOutput(graph, n))) continue;
      metas ??= inferShapes(ctx.model, {}, graph);
      const values = runtime.map((n) => metas!.get(n)?.value);
      // only single-output producers: the value then replaces the node entirely
      if (values.some((v) => !v) || runtime.some((n) => producers.get(n)!.outputs.filter(Boolean).length !== 1)) continue;
      runtime.forEach((n, i) => folded.set(n, values[i]!));
    }
    if (!folded.size) return 0;
    const gone = new Set([...folded.keys()].map((n) => producers.get(n)!));
    graph.nodes = graph.nodes.filter((n) => !gone.has(n));
    for (const [n, t] of folded) graph.constants.set(n, t);
    return gone.size;
  },
};

/** Gather(T, ids) on axis 0 of a constant [V, H] table, read only by `reader`. */
function tableGather(view: RewriteView, name: string, reader: Node): Node | undefined {
  const g = view.producer(name);
  if (!g || g.domain !== '' || g.opType !== 'Gather' || !view.onlyReadBy(name, reader)) return undefined;
  const axis = g.attributes.get('axis');
  if (axis && axis.type === 'int' && axis.value !== 0) return undefined;
  const t = constant(view, g.inputs[0]);
  if (!t || t.dims.length !== 2 || (t.dtype !== 'float32' && t.dtype !== 'float16') || view.graph.constants.has(g.inputs[1])) return undefined;
  return g;
}

/** `x` as Gather(T, ids) [+ constant], read only by `reader`: the gather, the Add (if any) and the constant. */
function gatherPlus(view: RewriteView, x: string, reader: Node): { gather: Node; add?: Node; c?: string } | undefined {
  const gather = tableGather(view, x, reader);
  if (gather) return { gather };
  const add = view.producer(x);
  if (!add || add.domain !== '' || add.opType !== 'Add' || !view.onlyReadBy(x, reader)) return undefined;
  for (const k of [0, 1]) {
    const g = view.graph.constants.has(add.inputs[1 - k]) ? tableGather(view, add.inputs[k], add) : undefined;
    if (g) return { gather: g, add, c: add.inputs[1 - k] };
  }
  return undefined;
}

/** a + b of two float constants (ONNX Add on the CPU kernels), in float32. */
function addConstants(view: RewriteView, a: Tensor, b: Tensor): Tensor {
  const node: Node = { name: 'fuse-embed/Add', opType: 'Add', domain: '', inputs: ['a', 'b'], outputs: ['y'], attributes: new Map() };
  return view.ctx.registry.get('', 'Add')!(new KernelContext(node, [a, b], 14, () => {
    throw new Error('no subgraphs');
  }))[0] as Tensor;
}

/** Dims of `t` without leading 1s equal the trailing dims of `full` (whole rows of it), which end in `h`. */
function rowsOf(t: Tensor, full: readonly Dim[] | undefined, h: number): boolean {
  const d = [...t.dims];
  while (d.length && d[0] === 1) d.shift();
  if (!d.length || d[d.length - 1] !== h || !full || d.length > full.length) return false;
  return d.every((k, i) => k === full[full.length - d.length + i]);
}

function embed(view: RewriteView, norm: Node, x: string, extra: string | undefined): ReturnType<Rule['apply']> {
  const m = gatherPlus(view, x, norm);
  if (!m) return undefined;
  const table = constant(view, m.gather.inputs[0])!;
  const [si, bi] = norm.opType === 'SkipLayerNorm' ? [2, 3] : [1, 2];
  const sc = constant(view, norm.inputs[si]), bias = norm.inputs[bi] ? constant(view, norm.inputs[bi]) : undefined;
  const h = table.dims[1];
  if (!sc || sc.dims.length !== 1 || sc.dims[0] !== h || (norm.inputs[bi] && (!bias || bias.dims.join() !== sc.dims.join()))) return undefined;
  const parts = [m.c, extra].filter((n): n is string => !!n).map((n) => constant(view, n)!);
  if (!parts.length || parts.some((p) => p.dtype !== table.dtype)) return undefined;
  const sum = parts.length === 2 ? addConstants(view, parts[0], parts[1]) : parts[0];
  // the kernel reads the sum by rows: it must broadcast into the gathered [...ids, H] without growing it
  if (!rowsOf(sum, inferShapes(view.ctx.model, {}, view.graph).get(m.gather.outputs[0])?.shape, h)) return undefined;
  let add = (m.c ?? extra)!;
  if (parts.length === 2) view.graph.constants.set((add = freshValueName(view.graph, `${norm.name}/embed_add`)), sum);
  const eps = norm.attributes.get('epsilon');
  const fused: Node = {
    name: norm.name,
    opType: 'EmbedLayerNorm',
    domain: useFusedDomain(view),
    inputs: [m.gather.inputs[1], m.gather.inputs[0], add, norm.inputs[si], ...(norm.inputs[bi] ? [norm.inputs[bi]] : [])],
    outputs: [norm.outputs[0]],
    attributes: new Map([['epsilon', flt(eps && eps.type === 'float' ? eps.value : 1e-5)]]),
  };
  return { remove: [m.gather, ...(m.add ? [m.add] : []), norm], insert: [fused] };
}

const fromSkipLayerNorm: Rule = {
  name: 'embed-skip-layernorm',
  root: 'SkipLayerNorm',
  domain: 'tensorjet',
  apply(sln, view) {
    if (sln.outputs.length > 1) return undefined; // the sum is read elsewhere
    for (const k of [0, 1]) {
      if (!view.graph.constants.has(sln.inputs[1 - k])) continue;
      const rw = embed(view, sln, sln.inputs[k], sln.inputs[1 - k]);
      if (rw) return rw;
    }
    return undefined;
  },
};

const fromLayerNorm: Rule = {
  name: 'embed-layernorm',
  root: 'LayerNormalization',
  apply(ln, view) {
    if (ln.outputs.filter(Boolean).length !== 1 || ln.outputs.length > 1) return undefined;
    const axis = ln.attributes.get('axis');
    if (axis && axis.type === 'int' && axis.value !== -1) {
      const shape = inferShapes(view.ctx.model, {}, view.graph).get(ln.inputs[0])?.shape;
      if (!shape || axis.value !== shape.length - 1) return undefined;
    }
    return embed(view, ln, ln.inputs[0], undefined);
  },
};

const rules = rulePass('fuse-embed', [fromSkipLayerNorm, fromLayerNorm]);

export const fuseEmbed: Pass = { name: 'fuse-embed', run: (graph, ctx) => (embedFusionEnabled() ? rules.run(graph, ctx) : 0) };
