/**
 * Which ops an NHWC value may flow through (passes/layout-nhwc.ts), and how each is rewritten to read and
 * write channel-last 4-D values: pools get layout = 'NHWC'; Concat / Split / Slice / Resize remap their
 * axis, axes, scales or sizes; elementwise ops remap the shape of their constant operands ([C, 1, 1] ->
 * [1, 1, 1, C]). Every NHWC value is 4-D: convs make them and these ops keep the rank.
 */
import type { Graph, Node } from '../ir/graph.js';
import { makeTensor, type Tensor } from '../tensor/tensor.js';
import { transposeRaw } from '../backends/cpu/kernels/shape/raw.js';

export const TO_NHWC = [0, 2, 3, 1];
export const TO_NCHW = [0, 3, 1, 2];
/** NCHW axis -> its NHWC position */
const AXIS = [0, 3, 1, 2];

const UNARY = new Set([
  'Relu', 'Sigmoid', 'Tanh', 'LeakyRelu', 'HardSwish', 'HardSigmoid', 'Elu', 'Selu', 'Softplus', 'Mish', 'Gelu', 'Erf',
  'Exp', 'Neg', 'Abs', 'Sqrt', 'Identity', 'Cast', 'Clip',
]);
const BINARY = new Set(['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'PRelu', 'Sum']);
const POOLS = new Set(['MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool']);

/** What the pass may change on a graph while rewriting one node. */
export interface RewriteCtx {
  graph: Graph;
  /** a fresh value name from `base` */
  fresh(base: string): string;
  /** default-domain opset of the model */
  opset: number;
}

export interface NhwcRule {
  /** input slots that carry activations (they must all be NHWC values for the node to convert) */
  data(n: Node, g: Graph): number[];
  /** whether the node can convert at all (attributes, constant operands) */
  ok(n: Node, g: Graph, opset: number): boolean;
  /** rewrites attributes / constant operands in place for NHWC data */
  rewrite(n: Node, c: RewriteCtx): void;
  /** the op shrinks its data (moving a transpose after it is cheaper than before it) */
  shrinks?: boolean;
  /** the op grows its data (a transpose before it is cheaper) */
  grows?: boolean;
}

const ints = (t: Tensor | undefined): number[] | undefined => (t ? Array.from(t.data as ArrayLike<number | bigint>, Number) : undefined);
/** A 1-D int64 constant. */
export const int64 = (v: number[]): Tensor => makeTensor('int64', [v.length], BigInt64Array.from(v.map(BigInt)));
const axisOf = (a: number): number => AXIS[a < 0 ? a + 4 : a];
const validAxis = (a: number): boolean => a >= -4 && a < 4;
const isConst = (g: Graph, v: string): boolean => !v || g.constants.has(v);

/** A constant operand broadcast against NCHW data, re-laid for NHWC data (scalars unchanged). */
export function nhwcConstant(t: Tensor): Tensor {
  if (t.dims.reduce((a, b) => a * b, 1) === 1) return t;
  const d4 = [...new Array<number>(4 - t.dims.length).fill(1), ...t.dims];
  return transposeRaw({ ...t, dims: d4 }, TO_NHWC);
}

/** Replaces constant input `slot` with a fresh constant `f(value)`. */
function replaceConst(n: Node, slot: number, c: RewriteCtx, f: (t: Tensor) => Tensor): void {
  const name = n.inputs[slot];
  const t = name ? c.graph.constants.get(name) : undefined;
  if (!t) return;
  const nt = f(t);
  if (nt === t) return;
  const fresh = c.fresh(`${name}__nhwc`);
  c.graph.constants.set(fresh, nt);
  n.inputs[slot] = fresh;
}

const setInts = (n: Node, name: string, value: number[]) => n.attributes.set(name, { type: 'ints', value });
const setInt = (n: Node, name: string, value: number) => n.attributes.set(name, { type: 'int', value });
const attrInt = (n: Node, name: string, fallback: number): number => {
  const a = n.attributes.get(name);
  return a && a.type === 'int' ? a.value : fallback;
};
const attrInts = (n: Node, name: string): number[] | undefined => {
  const a = n.attributes.get(name);
  return a && a.type === 'ints' ? a.value : undefined;
};

const elementwise: NhwcRule = {
  data: (n, g) => n.inputs.flatMap((v, i) => (v && !g.constants.has(v) ? [i] : [])),
  ok: (n, g) => n.inputs.every((v) => !v || !g.constants.has(v) || g.constants.get(v)!.dims.length <= 4),
  rewrite: (n, c) => n.inputs.forEach((_, i) => replaceConst(n, i, c, nhwcConstant)),
};

const pool: NhwcRule = {
  data: () => [0],
  // the indices output of MaxPool addresses NCHW positions
  ok: (n) => !(n.outputs.length > 1 && n.outputs[1]),
  rewrite: (n) => n.attributes.set('layout', { type: 'string', value: 'NHWC' }),
  shrinks: true,
};

const concat: NhwcRule = {
  data: (n) => n.inputs.map((_, i) => i),
  ok: (n) => validAxis(attrInt(n, 'axis', 1)),
  rewrite: (n) => setInt(n, 'axis', axisOf(attrInt(n, 'axis', 1))),
};

const split: NhwcRule = {
  data: () => [0],
  ok: (n, g) => validAxis(attrInt(n, 'axis', 0)) && isConst(g, n.inputs[1] ?? ''),
  rewrite: (n) => setInt(n, 'axis', axisOf(attrInt(n, 'axis', 0))),
};

const slice: NhwcRule = {
  data: () => [0],
  ok: (n, g, opset) => {
    if (opset < 10) return (attrInts(n, 'axes') ?? [0]).every(validAxis);
    const axes = n.inputs[3];
    if (!axes) return isConst(g, n.inputs[1]) && (ints(g.constants.get(n.inputs[1])) ?? []).length <= 4;
    return g.constants.has(axes) && ints(g.constants.get(axes))!.every(validAxis);
  },
  rewrite: (n, c) => {
    if (c.opset < 10) {
      const starts = attrInts(n, 'starts') ?? [];
      setInts(n, 'axes', (attrInts(n, 'axes') ?? starts.map((_, i) => i)).map(axisOf));
      return;
    }
    const axes = n.inputs[3] ? ints(c.graph.constants.get(n.inputs[3]))! : ints(c.graph.constants.get(n.inputs[1]))!.map((_, i) => i);
    const name = c.fresh(`${n.inputs[3] || `${n.name}_axes`}__nhwc`);
    c.graph.constants.set(name, int64(axes.map(axisOf)));
    while (n.inputs.length < 4) n.inputs.push('');
    n.inputs[3] = name;
  },
};

/** Resize (opset >= 11: X, roi, scales, sizes; opset 18 may name `axes`) and Upsample (scales). */
const resize: NhwcRule = {
  data: () => [0],
  ok: (n, g, opset) => {
    if (n.opType === 'Upsample') return opset < 9 || isConst(g, n.inputs[1]);
    const axes = attrInts(n, 'axes');
    if (axes) return axes.every(validAxis);
    return n.inputs.slice(1).every((v) => isConst(g, v));
  },
  rewrite: (n, c) => {
    const perm4 = (t: Tensor): Tensor => {
      const len = t.dims[0] ?? 0;
      if (len === 4) return permuteList(t, TO_NHWC);
      if (len === 8) return permuteList(t, [...TO_NHWC, ...TO_NHWC.map((p) => p + 4)]);
      return t;
    };
    if (n.opType === 'Upsample') {
      if (c.opset < 9) {
        const a = n.attributes.get('scales');
        if (a && a.type === 'floats' && a.value.length === 4) n.attributes.set('scales', { type: 'floats', value: TO_NHWC.map((p) => a.value[p]) });
      } else replaceConst(n, 1, c, perm4);
      return;
    }
    const axes = attrInts(n, 'axes');
    if (axes) return setInts(n, 'axes', axes.map(axisOf));
    for (let i = 1; i < n.inputs.length; i++) replaceConst(n, i, c, perm4); // roi (8), scales, sizes (4)
  },
  grows: true,
};

/** A 1-D constant with its elements reordered (any dtype; raw element copy). */
function permuteList(t: Tensor, order: number[]): Tensor {
  const src = t.data as unknown as ArrayLike<unknown>;
  const dst = new (t.data.constructor as new (n: number) => unknown[])(order.length);
  order.forEach((p, i) => (dst[i] = src[p]));
  return makeTensor(t.dtype, [order.length], dst as unknown as Tensor['data']);
}

/** The rule for node `n`, or undefined when NHWC values cannot flow through it. */
export function nhwcRule(n: Node): NhwcRule | undefined {
  if (n.domain !== '') return n.opType === 'FusedElementwise' ? elementwise : undefined;
  if (UNARY.has(n.opType) || BINARY.has(n.opType)) return elementwise;
  if (POOLS.has(n.opType)) return pool;
  switch (n.opType) {
    case 'Concat': return concat;
    case 'Split': return split;
    case 'Slice': return slice;
    case 'Resize':
    case 'Upsample': return resize;
    default: return undefined;
  }
}
