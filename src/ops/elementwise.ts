/** Op family 'elementwise': declarations and shape inference (numpy broadcasting, bool comparisons). */
import { TensorJetError } from '../errors.js';
import type { Dim } from '../ir/graph.js';
import type { InferContext, OpSchema, ValueMeta } from './schema.js';
import { sameAsInput0 } from './schema.js';

/** Numpy broadcast of symbolic shapes; undefined when a rank is unknown or two symbols must match. */
export function broadcastDims(shapes: (Dim[] | undefined)[]): Dim[] | undefined {
  if (shapes.some((s) => s === undefined)) return undefined;
  const list = shapes as Dim[][];
  const rank = Math.max(0, ...list.map((s) => s.length));
  const out: Dim[] = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    for (const s of list) {
      const k = i - (rank - s.length);
      if (k < 0) continue;
      const e = s[k];
      if (e === 1 || e === d) continue;
      if (d === 1) d = e;
      else if (typeof d === 'number' && typeof e === 'number') {
        throw new TensorJetError('E_SHAPE', `shapes ${list.map((x) => `[${x.join(', ')}]`).join(' and ')} cannot be broadcast`);
      } else if (typeof d === 'string' && typeof e === 'number') d = e;
      else if (typeof d === 'string' && typeof e === 'string') return undefined;
    }
    out.push(d);
  }
  return out;
}

/** Output: broadcast of the given inputs' shapes, dtype of input `dtypeFrom` (or a fixed dtype). */
export function broadcastInfer(dtype?: 'bool', dtypeFrom = 0, inputs?: number[]) {
  return (ctx: InferContext): (ValueMeta | undefined)[] => {
    const ins = inputs ? inputs.map((i) => ctx.inputs[i]) : ctx.inputs.filter((m) => m !== undefined);
    const src = ctx.inputs[dtypeFrom];
    if (!src) return [undefined];
    return [{ dtype: dtype ?? src.dtype, shape: broadcastDims(ins.map((m) => m?.shape)) }];
  };
}

const boolOfInput0 = (ctx: InferContext): (ValueMeta | undefined)[] => {
  const a = ctx.inputs[0];
  return [a ? { dtype: 'bool', shape: a.shape } : undefined];
};

const BINARY = ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Mod', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor', 'BitShift'];
const VARIADIC = ['Sum', 'Mean', 'Max', 'Min'];
const COMPARE = ['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'And', 'Or', 'Xor'];
const UNARY = [
  'Abs', 'Neg', 'Sign', 'Reciprocal', 'Floor', 'Ceil', 'Round', 'Sqrt', 'Exp', 'Log', 'Sin', 'Cos', 'Tan', 'Asin', 'Acos',
  'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh', 'Erf', 'Not', 'BitwiseNot', 'Clip',
];

export const schemas: OpSchema[] = [
  ...BINARY.map((opType) => ({ opType, infer: broadcastInfer(undefined, 0, [0, 1]) })),
  ...VARIADIC.map((opType) => ({ opType, infer: broadcastInfer() })),
  ...COMPARE.map((opType) => ({ opType, infer: broadcastInfer('bool', 0, [0, 1]) })),
  ...UNARY.map((opType) => ({ opType, infer: sameAsInput0 })),
  { opType: 'IsNaN', infer: boolOfInput0 },
  { opType: 'IsInf', infer: boolOfInput0 },
  { opType: 'Where', infer: broadcastInfer(undefined, 1, [0, 1, 2]) },
];
