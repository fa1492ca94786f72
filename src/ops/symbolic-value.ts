/**
 * Symbolic values of shape arithmetic: the elements of a small integer tensor (rank 0 or 1) that are known
 * only as dims, e.g. Shape(x) of x: [batch, 128, 768] is [batch, 128, 768]. Exporters compute view targets
 * as Concat(Unsqueeze(Gather(Shape(x), 0)), [12], [64]); following the elements through Shape, Gather,
 * Slice, Unsqueeze, Squeeze, Concat, Cast and scalar arithmetic lets Reshape, Expand and ConstantOfShape
 * keep a symbolic batch instead of inventing fresh dims, so fusions that need equal shapes still match.
 */
import type { Dim, Node } from '../ir/graph.js';
import { resolveSlice } from '../backends/cpu/kernels/slice/slice.js';
import { shapeRange } from '../backends/cpu/kernels/shape/reshape.js';
import { isInteger } from '../tensor/dtype.js';
import { ints } from '../backends/cpu/kernels/shape/raw.js';
import type { InferContext, ValueMeta } from './schema.js';
import { constInts, FOLD_LIMIT, int64Meta, normAxis } from './shape-infer.js';

/** The elements of a rank-0/1 integer meta: its constant value or its symbolic value. */
export function elements(m: ValueMeta | undefined): Dim[] | undefined {
  if (!m) return undefined;
  if (m.value) return m.value.dims.length <= 1 && isInteger(m.value.dtype) ? ints(m.value) : undefined;
  return m.symValue;
}

/** The elements of input `i` as a shape operand (Reshape/Expand/ConstantOfShape): constant or symbolic. */
export function shapeOperand(ctx: InferContext, i: number): Dim[] | undefined {
  return constInts(ctx, i) ?? ctx.inputs[i]?.symValue;
}

type Rule = (ctx: InferContext, out: ValueMeta) => Dim[] | undefined;

const sameElements: Rule = (ctx) => elements(ctx.inputs[0]);

/** Elementwise scalar arithmetic on elements; an element that stays unknown becomes a fresh symbol. */
const arithmetic = (op: (a: number, b: number) => number | undefined, identity: number, commutes: boolean): Rule => (ctx) => {
  const a = elements(ctx.inputs[0]);
  const b = elements(ctx.inputs[1]);
  if (!a || !b || (a.length !== b.length && a.length !== 1 && b.length !== 1)) return undefined;
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const x = a[a.length === 1 ? 0 : i];
    const y = b[b.length === 1 ? 0 : i];
    if (typeof x === 'number' && typeof y === 'number') return op(x, y) ?? fresh(ctx, i);
    if (y === identity) return x;
    if (commutes && x === identity) return y;
    return fresh(ctx, i);
  });
};

function fresh(ctx: InferContext, i: number): Dim {
  return `${ctx.node.outputs[0] || ctx.node.name}_v${i}`;
}

const rules: Record<string, Rule> = {
  Shape: (ctx) => {
    const shape = ctx.inputs[0]?.shape;
    if (!shape) return undefined;
    const [s, e] = shapeRange(shape.length, ctx.opset >= 15 ? ctx.attrs.int('start', 0) : 0, ctx.opset >= 15 && ctx.attrs.has('end') ? ctx.attrs.int('end') : undefined);
    return shape.slice(s, Math.max(s, e));
  },
  Gather: (ctx) => {
    const data = elements(ctx.inputs[0]);
    const idx = constInts(ctx, 1);
    if (!data || !idx || ctx.inputs[0]?.shape?.length !== 1 || normAxis(ctx.attrs.int('axis', 0), 1) !== 0) return undefined;
    const picked = idx.map((i) => data[i < 0 ? i + data.length : i]);
    return picked.every((d) => d !== undefined) ? picked : undefined;
  },
  Slice: (ctx) => {
    const data = elements(ctx.inputs[0]);
    if (!data || ctx.opset < 10) return undefined;
    const [starts, ends] = [constInts(ctx, 1), constInts(ctx, 2)];
    const steps = ctx.node.inputs[4] ? constInts(ctx, 4) : undefined;
    if (!starts || !ends || (ctx.node.inputs[4] && !steps) || starts.length !== 1) return undefined;
    const r = resolveSlice([data.length], starts, ends, [0], steps);
    return Array.from({ length: r.counts[0] }, (_, i) => data[r.starts[0] + i * r.steps[0]]);
  },
  Concat: (ctx) => {
    const parts = ctx.inputs.map(elements);
    if (parts.some((p) => !p) || ctx.inputs.some((m) => m?.shape?.length !== 1)) return undefined;
    return parts.flatMap((p) => p!);
  },
  Unsqueeze: sameElements,
  Squeeze: sameElements,
  Identity: sameElements,
  Cast: (ctx, out) => (isInteger(out.dtype) ? elements(ctx.inputs[0]) : undefined),
  Add: arithmetic((a, b) => a + b, 0, true),
  Sub: arithmetic((a, b) => a - b, 0, false),
  Mul: arithmetic((a, b) => a * b, 1, true),
  Div: arithmetic((a, b) => (b !== 0 ? Math.trunc(a / b) : undefined), 1, false),
};

/**
 * `out` (the op's inferred meta for output 0) with the elements it carries: a constant value when every
 * element is a number, a symbolic value otherwise. Unchanged when nothing is known.
 */
export function withSymbolicValue(node: Node, ctx: InferContext, out: ValueMeta | undefined): ValueMeta | undefined {
  if (!out || out.value || node.domain !== '' || !isInteger(out.dtype)) return out;
  const rule = rules[node.opType];
  const rank = out.shape?.length;
  if (!rule || rank === undefined || rank > 1) return out;
  const els = rule(ctx, out);
  if (!els || els.length > FOLD_LIMIT || (rank === 0 && els.length !== 1) || (rank === 1 && typeof out.shape![0] === 'number' && out.shape![0] !== els.length)) return out;
  if (out.dtype === 'int64' && els.every((e): e is number => typeof e === 'number')) return int64Meta(els, rank === 0 ? [] : [els.length]);
  return { ...out, shape: rank === 0 ? [] : [els.length], symValue: els };
}
