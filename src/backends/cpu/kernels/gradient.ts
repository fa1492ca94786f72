/**
 * Op family 'gradient' (ai.onnx.preview.training): Gradient, by reverse-mode differentiation of the forward
 * part of the enclosing graph that leads from `xs` to `y`. Differentiates Add/Sub/Mul/Div/Neg/Identity
 * (with broadcasting); any other op on a path from xs to y is refused with E_UNSUPPORTED_OP.
 */
import { TensorJetError } from '../../../errors.js';
import type { Graph, Node } from '../../../ir/graph.js';
import { isTensor, type Value } from '../../../ir/value.js';
import { checkAllocation, numel, type Tensor } from '../../../tensor/tensor.js';
import type { KernelContext, KernelTable } from '../kernel.js';
import { broadcastIndex, fromNumbers, readNumbers } from '../util.js';

interface Grad { dims: readonly number[]; data: Float64Array }

/** Sums a gradient of shape `g.dims` down to `dims` (undoing numpy broadcasting). */
function unbroadcast(g: Grad, dims: readonly number[]): Grad {
  const idx = broadcastIndex(dims, g.dims);
  if (!idx) return g;
  const out = new Float64Array(numel(dims));
  for (let i = 0; i < g.data.length; i++) out[idx[i]] += g.data[i];
  return { dims, data: out };
}

/** Values of `t` broadcast to `dims`, as float64. */
function expand(t: Tensor, dims: readonly number[]): Float64Array {
  const v = readNumbers(t);
  const idx = broadcastIndex(t.dims, dims);
  const out = new Float64Array(numel(dims));
  for (let i = 0; i < out.length; i++) out[i] = v[idx ? idx[i] : i];
  return out;
}

/** Input gradients of one node given its output gradient; undefined entries where no gradient flows. */
function backward(node: Node, ins: Tensor[], g: Grad): (Grad | undefined)[] {
  const map = (f: (i: number) => number): Grad => {
    const d = new Float64Array(g.data.length);
    for (let i = 0; i < d.length; i++) d[i] = f(i);
    return { dims: g.dims, data: d };
  };
  switch (node.opType) {
    case 'Identity':
      return [g];
    case 'Neg':
      return [map((i) => -g.data[i])];
    case 'Add':
      return [unbroadcast(g, ins[0].dims), unbroadcast(g, ins[1].dims)];
    case 'Sub':
      return [unbroadcast(g, ins[0].dims), unbroadcast(map((i) => -g.data[i]), ins[1].dims)];
    case 'Mul': {
      const a = expand(ins[0], g.dims), b = expand(ins[1], g.dims);
      return [unbroadcast(map((i) => g.data[i] * b[i]), ins[0].dims), unbroadcast(map((i) => g.data[i] * a[i]), ins[1].dims)];
    }
    case 'Div': {
      const a = expand(ins[0], g.dims), b = expand(ins[1], g.dims);
      return [unbroadcast(map((i) => g.data[i] / b[i]), ins[0].dims), unbroadcast(map((i) => (-g.data[i] * a[i]) / (b[i] * b[i])), ins[1].dims)];
    }
    default:
      throw unsupported(node);
  }
}

function unsupported(node: Node): TensorJetError {
  const op = node.domain ? `${node.domain}::${node.opType}` : node.opType;
  return new TensorJetError('E_UNSUPPORTED_OP', `Gradient cannot differentiate '${op}' (node '${node.name}'); supported: Add, Sub, Mul, Div, Neg, Identity`, {
    node: node.name,
    opType: node.opType,
  });
}

const DIFFERENTIABLE_DOMAINS = new Set(['', 'ai.onnx']);

function gradient(ctx: KernelContext): Value[] {
  const graph = ctx.graph;
  if (!graph) throw ctx.error('needs its enclosing graph, which this context does not provide');
  const xs = ctx.attrs.strings('xs');
  const zs = ctx.attrs.strings('zs', []);
  const y = ctx.attrs.string('y');
  const fed = [...xs, ...zs];
  if (ctx.inputCount !== fed.length) throw ctx.error(`has ${ctx.inputCount} inputs but xs and zs name ${fed.length} tensors`);

  // The forward nodes y depends on, in graph order (the Gradient node itself excluded).
  const producer = new Map<string, number>();
  graph.nodes.forEach((n, i) => n !== ctx.node && n.outputs.forEach((o) => o && producer.set(o, i)));
  const needed = new Set<number>();
  const stack = [y];
  const fedSet = new Set(fed);
  while (stack.length) {
    const name = stack.pop()!;
    const p = producer.get(name);
    if (p === undefined || needed.has(p) || fedSet.has(name)) continue;
    needed.add(p);
    stack.push(...graph.nodes[p].inputs.filter(Boolean));
  }
  if (!producer.has(y) && !fedSet.has(y)) throw ctx.error(`y '${y}' is produced by no node of the graph`);
  const nodes = [...needed].sort((a, b) => a - b).map((i) => graph.nodes[i]);

  // Recompute the forward values with xs/zs bound to the Gradient node's inputs.
  const names = [...new Set(nodes.flatMap((n) => [...n.inputs.filter(Boolean), ...n.outputs.filter(Boolean)]))];
  const sub: Graph = {
    name: `${graph.name}/gradient_forward`,
    nodes,
    inputs: fed.map((name) => ({ name, type: { kind: 'tensor', dtype: 'float32' } })),
    outputs: names.map((name) => ({ name, type: { kind: 'tensor', dtype: 'float32' } })),
    constants: new Map(),
    valueInfo: new Map(),
  };
  const feeds = new Map<string, Value>(fed.map((name, i) => [name, ctx.inputs[i]!]));
  const results = nodes.length ? ctx.runSubgraph(sub, feeds) : [];
  const values = new Map<string, Value>(feeds);
  names.forEach((n, i) => values.set(n, results[i]));
  const tensorOf = (name: string): Tensor => {
    const v = values.get(name);
    if (!isTensor(v)) throw ctx.error(`'${name}' is not a tensor; Gradient differentiates tensors only`);
    return v;
  };

  // Which values depend on xs (only those carry gradients).
  const depends = new Set(xs);
  for (const n of nodes) if (n.inputs.some((i) => depends.has(i))) n.outputs.forEach((o) => o && depends.add(o));

  // Reverse sweep, seeded with ones for y.
  const yt = tensorOf(y);
  checkAllocation('float64', yt.dims, 'Gradient seed');
  const grads = new Map<string, Grad>([[y, { dims: yt.dims, data: new Float64Array(numel(yt.dims)).fill(1) }]]);
  for (let k = nodes.length - 1; k >= 0; k--) {
    const node = nodes[k];
    const g = grads.get(node.outputs[0]);
    if (!g || !node.outputs.some((o) => depends.has(o))) continue;
    if (!DIFFERENTIABLE_DOMAINS.has(node.domain) || node.outputs.length !== 1) throw unsupported(node);
    const ins = node.inputs.map((i) => tensorOf(i));
    backward(node, ins, g).forEach((gi, i) => {
      const name = node.inputs[i];
      if (!gi || !depends.has(name)) return;
      const prev = grads.get(name);
      if (!prev) grads.set(name, { dims: gi.dims, data: Float64Array.from(gi.data) });
      else for (let j = 0; j < gi.data.length; j++) prev.data[j] += gi.data[j];
    });
  }
  return xs.map((x, i) => {
    const xt = ctx.input(i);
    const g = grads.get(x);
    return fromNumbers(xt.dtype, xt.dims, g ? g.data : new Float64Array(numel(xt.dims)));
  });
}

export const kernels: KernelTable = {
  'ai.onnx.preview.training::Gradient': gradient,
};
