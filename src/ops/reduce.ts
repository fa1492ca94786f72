/** Op family 'reduce': Reduce* (axes from attribute or constant input, keepdims, noop_with_empty_axes) and ArgMax/ArgMin. */
import type { Dim } from '../ir/graph.js';
import { readInts } from '../backends/cpu/util.js';
import type { InferContext, OpSchema, ValueMeta } from './schema.js';

function reducedShape(shape: Dim[], axes: number[], keepdims: boolean): Dim[] {
  const rank = shape.length;
  const set = new Set(axes.map((a) => (a < 0 ? a + rank : a)));
  if (keepdims) return shape.map((d, i) => (set.has(i) ? 1 : d));
  return shape.filter((_, i) => !set.has(i));
}

function reduceInfer(inputSince: number) {
  return (ctx: InferContext): (ValueMeta | undefined)[] => {
    const x = ctx.inputs[0];
    if (!x) return [undefined];
    const keepdims = ctx.attrs.int('keepdims', 1) !== 0;
    let axes: number[] | undefined;
    if (ctx.opset >= inputSince) {
      if (ctx.node.inputs[1]) {
        const v = ctx.inputs[1]?.value;
        if (!v) return [{ dtype: x.dtype }];
        axes = readInts(v);
      }
    } else if (ctx.attrs.has('axes')) axes = ctx.attrs.ints('axes');
    if (!x.shape) return [{ dtype: x.dtype }];
    if (!axes || axes.length === 0) {
      if (ctx.attrs.int('noop_with_empty_axes', 0) !== 0) return [{ dtype: x.dtype, shape: x.shape }];
      axes = x.shape.map((_, i) => i);
    }
    return [{ dtype: x.dtype, shape: reducedShape(x.shape, axes, keepdims) }];
  };
}

const argInfer = (ctx: InferContext): (ValueMeta | undefined)[] => {
  const x = ctx.inputs[0];
  if (!x?.shape) return [{ dtype: 'int64' }];
  return [{ dtype: 'int64', shape: reducedShape(x.shape, [ctx.attrs.int('axis', 0)], ctx.attrs.int('keepdims', 1) !== 0) }];
};

const REDUCE = ['ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum', 'ReduceLogSumExp', 'ReduceSumSquare'];

export const schemas: OpSchema[] = [
  { opType: 'ReduceSum', infer: reduceInfer(13) },
  ...REDUCE.map((opType) => ({ opType, infer: reduceInfer(18) })),
  { opType: 'ArgMax', infer: argInfer },
  { opType: 'ArgMin', infer: argInfer },
];
