/** CPU reference kernels for the 'sequence' op family: sequences of tensors and optionals. */
import { isOptional, isSequence, isTensor, type OptionalValue, type SequenceValue, type Value } from '../../../ir/value.js';
import { dtypeFromOnnx, type DType } from '../../../tensor/dtype.js';
import { scalar, type Tensor } from '../../../tensor/tensor.js';
import type { KernelContext, KernelTable } from '../kernel.js';
import { readInts } from '../util.js';
import { concatAxis, sliceAxis } from './sequence/blocks.js';

function seqInput(ctx: KernelContext, i: number): SequenceValue {
  const v = ctx.inputs[i];
  if (!isSequence(v)) throw ctx.error(`input ${i} must be a sequence`);
  return v;
}

/** Optional scalar position input; `allowEnd` admits position == length (insertion). */
function position(ctx: KernelContext, i: number, len: number, fallback: number, allowEnd: boolean): number {
  const t = ctx.optionalInput(i);
  if (!t) return fallback;
  if (t.data.length !== 1) throw ctx.error(`position must be a scalar, got shape [${t.dims.join(', ')}]`);
  const p = readInts(t)[0];
  const hi = allowEnd ? len : len - 1;
  if (p < -len || p > hi) throw ctx.error(`position ${p} is out of range [${-len}, ${hi}] for a sequence of ${len}`);
  return p < 0 ? p + len : p;
}

function checkDtype(ctx: KernelContext, seq: SequenceValue, t: Tensor): void {
  const d = seq.elemDtype ?? seq.items[0]?.dtype;
  if (d && d !== t.dtype) throw ctx.error(`tensor of ${t.dtype} does not match the sequence's ${d}`);
}

const seq = (items: Tensor[], elemDtype?: DType): SequenceValue =>
  elemDtype ? { kind: 'sequence', items, elemDtype } : { kind: 'sequence', items };

function axisOf(ctx: KernelContext, axis: number, rank: number): number {
  if (axis < -rank || axis >= rank) throw ctx.error(`axis ${axis} is out of range for rank ${rank}`);
  return axis < 0 ? axis + rank : axis;
}

export const kernels: KernelTable = {
  SequenceEmpty: (ctx) => [seq([], ctx.attrs.has('dtype') ? dtypeFromOnnx(ctx.attrs.int('dtype')) : 'float32')],

  SequenceConstruct: (ctx) => {
    const items = ctx.inputs.map((_, i) => ctx.input(i));
    if (items.length === 0) throw ctx.error('needs at least one input');
    for (const t of items) if (t.dtype !== items[0].dtype) throw ctx.error(`mixed dtypes ${items[0].dtype} and ${t.dtype}`);
    return [seq(items, items[0].dtype)];
  },

  SequenceInsert: (ctx) => {
    const s = seqInput(ctx, 0);
    const t = ctx.input(1);
    checkDtype(ctx, s, t);
    const p = position(ctx, 2, s.items.length, s.items.length, true);
    const items = [...s.items];
    items.splice(p, 0, t);
    return [seq(items, s.elemDtype ?? t.dtype)];
  },

  SequenceErase: (ctx) => {
    const s = seqInput(ctx, 0);
    if (s.items.length === 0) throw ctx.error('cannot erase from an empty sequence');
    const p = position(ctx, 1, s.items.length, s.items.length - 1, false);
    const items = [...s.items];
    items.splice(p, 1);
    return [seq(items, s.elemDtype ?? s.items[0].dtype)];
  },

  SequenceAt: (ctx) => {
    const s = seqInput(ctx, 0);
    if (!ctx.optionalInput(1)) throw ctx.error('position input is required');
    return [s.items[position(ctx, 1, s.items.length, 0, false)]];
  },

  SequenceLength: (ctx) => [scalar('int64', seqInput(ctx, 0).items.length)],

  SplitToSequence: (ctx) => {
    const x = ctx.input(0);
    const axis = axisOf(ctx, ctx.attrs.int('axis', 0), x.dims.length);
    const size = x.dims[axis];
    const split = ctx.optionalInput(1);
    let sizes: number[];
    let squeeze = false;
    if (!split) {
      sizes = new Array<number>(size).fill(1);
      squeeze = ctx.attrs.int('keepdims', 1) === 0;
    } else if (split.dims.length === 0) {
      const k = readInts(split)[0];
      if (k <= 0) throw ctx.error(`split size must be positive, got ${k}`);
      sizes = [];
      for (let s = 0; s < size; s += k) sizes.push(Math.min(k, size - s));
    } else {
      sizes = readInts(split);
      if (sizes.some((v) => v < 0) || sizes.reduce((a, b) => a + b, 0) !== size) {
        throw ctx.error(`split sizes [${sizes.join(', ')}] must be non-negative and sum to ${size}`);
      }
    }
    const items: Tensor[] = [];
    let start = 0;
    for (const len of sizes) {
      const part = sliceAxis(x, axis, start, len);
      start += len;
      items.push(squeeze ? { ...part, dims: part.dims.filter((_, i) => i !== axis) } : part);
    }
    return [seq(items, x.dtype)];
  },

  ConcatFromSequence: (ctx) => {
    const s = seqInput(ctx, 0);
    if (s.items.length === 0) throw ctx.error('cannot concatenate an empty sequence');
    const newAxis = ctx.attrs.int('new_axis', 0) === 1;
    const rank = s.items[0].dims.length;
    const axis = axisOf(ctx, ctx.attrs.int('axis'), newAxis ? rank + 1 : rank);
    let items = s.items;
    if (newAxis) items = items.map((t) => ({ ...t, dims: [...t.dims.slice(0, axis), 1, ...t.dims.slice(axis)] }));
    const ref = items[0];
    for (const t of items) {
      if (t.dtype !== ref.dtype || t.dims.length !== ref.dims.length || t.dims.some((d, i) => i !== axis && d !== ref.dims[i])) {
        throw ctx.error(`sequence elements of shape [${ref.dims.join(', ')}] and [${t.dims.join(', ')}] cannot be concatenated on axis ${axis}`);
      }
    }
    return [concatAxis(items, axis)];
  },

  SequenceMap: (ctx) => {
    const body = ctx.attrs.graph('body');
    const s = seqInput(ctx, 0);
    const n = s.items.length;
    const extra = ctx.inputs.slice(1);
    extra.forEach((v, j) => {
      if (isSequence(v) && v.items.length !== n) throw ctx.error(`input ${j + 1} has ${v.items.length} elements, the sequence has ${n}`);
    });
    const outs: Tensor[][] = body.outputs.map(() => []);
    for (let i = 0; i < n; i++) {
      const feeds = new Map<string, Value>();
      feeds.set(body.inputs[0].name, s.items[i]);
      extra.forEach((v, j) => {
        const name = body.inputs[j + 1]?.name;
        if (name && v !== undefined) feeds.set(name, isSequence(v) ? v.items[i] : v);
      });
      ctx.runSubgraph(body, feeds).forEach((r, k) => {
        if (!isTensor(r)) throw ctx.error(`body output ${k} must be a tensor`);
        outs[k].push(r);
      });
    }
    return outs.map((items, k) => {
      const t = body.outputs[k].type;
      return seq(items, items[0]?.dtype ?? (t?.kind === 'sequence' && t.elem.kind === 'tensor' ? t.elem.dtype : t?.kind === 'tensor' ? t.dtype : undefined));
    });
  },

  Optional: (ctx) => {
    const v = ctx.inputs[0];
    if (v === undefined) return [{ kind: 'optional', value: null } satisfies OptionalValue];
    if (isOptional(v)) throw ctx.error('input must be a tensor or a sequence');
    return [{ kind: 'optional', value: v } satisfies OptionalValue];
  },

  OptionalHasElement: (ctx) => {
    const v = ctx.inputs[0];
    const has = v === undefined ? false : isOptional(v) ? v.value !== null : true;
    return [scalar('bool', has)];
  },

  OptionalGetElement: (ctx) => {
    const v = ctx.inputs[0];
    if (v === undefined) throw ctx.error('input is required');
    if (!isOptional(v)) return [v]; // opset 18: a plain tensor or sequence passes through
    if (v.value === null) throw ctx.error('the optional input is empty');
    return [v.value];
  },
};
