/** Op family 'ml' (domain ai.onnx.ml): declarations and shape inference. */
import type { Dim } from '../ir/graph.js';
import type { DType } from '../tensor/dtype.js';
import { sameAsInput0, type InferContext, type OpSchema, type ValueMeta } from './schema.js';

const D = 'ai.onnx.ml';
const float32Same = (ctx: InferContext): (ValueMeta | undefined)[] => [{ dtype: 'float32', shape: ctx.inputs[0]?.shape }];
/** [rows, ...rest] when the input's rank is known, else undefined. */
const rowsBy = (ctx: InferContext, ...rest: Dim[]): Dim[] | undefined => {
  const s = ctx.inputs[0]?.shape;
  return s && s.length >= 2 ? [s[0], ...rest] : s && s.length === 1 ? [1, ...rest] : undefined;
};

function labelEncoderType(ctx: InferContext): DType {
  const a = ctx.attrs;
  if (ctx.opset < 2) return ctx.inputs[0]?.dtype === 'string' ? 'int64' : 'string';
  if (a.has('values_tensor')) return a.tensor('values_tensor').dtype;
  if (a.has('values_strings')) return 'string';
  if (a.has('values_int64s')) return 'int64';
  return 'float32';
}

export const schemas: OpSchema[] = [
  { opType: 'Binarizer', domain: D, infer: sameAsInput0 },
  {
    opType: 'ArrayFeatureExtractor',
    domain: D,
    infer: (ctx) => {
      const x = ctx.inputs[0];
      const y = ctx.inputs[1]?.shape;
      if (!x) return [undefined];
      const k = y && y.length === 1 ? y[0] : undefined;
      return [{ dtype: x.dtype, shape: x.shape && k !== undefined ? (x.shape.length <= 1 ? [1, k] : [...x.shape.slice(0, -1), k]) : undefined }];
    },
  },
  { opType: 'LabelEncoder', domain: D, infer: (ctx) => [{ dtype: labelEncoderType(ctx), shape: ctx.inputs[0]?.shape }] },
  { opType: 'Scaler', domain: D, infer: float32Same },
  { opType: 'Normalizer', domain: D, infer: float32Same },
  {
    opType: 'OneHotEncoder',
    domain: D,
    infer: (ctx) => {
      const n = ctx.inputs[0]?.dtype === 'string' ? ctx.attrs.strings('cats_strings', []).length : ctx.attrs.ints('cats_int64s', []).length;
      const s = ctx.inputs[0]?.shape;
      return [{ dtype: 'float32', shape: s ? [...s, n] : undefined }];
    },
  },
  { opType: 'Imputer', domain: D, infer: sameAsInput0 },
  {
    opType: 'TreeEnsemble',
    domain: D,
    infer: (ctx) => {
      const dt = ctx.inputs[0]?.dtype;
      return [{ dtype: dt === 'float64' || dt === 'float16' ? dt : 'float32', shape: rowsBy(ctx, ctx.attrs.int('n_targets')) }];
    },
  },
  { opType: 'TreeEnsembleRegressor', domain: D, infer: (ctx) => [{ dtype: 'float32', shape: rowsBy(ctx, ctx.attrs.int('n_targets', 1)) }] },
  {
    opType: 'TreeEnsembleClassifier',
    domain: D,
    infer: (ctx) => {
      const s = ctx.attrs.strings('classlabels_strings', []);
      const n = s.length || ctx.attrs.ints('classlabels_int64s', []).length;
      return [{ dtype: s.length ? 'string' : 'int64', shape: rowsBy(ctx)?.slice(0, 1) }, { dtype: 'float32', shape: rowsBy(ctx, n) }];
    },
  },
];
