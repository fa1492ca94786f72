/** ai.onnx.ml preprocessing kernels: Binarizer, ArrayFeatureExtractor, LabelEncoder, Scaler, Normalizer, OneHotEncoder, Imputer. */
import type { KernelContext, KernelTable } from '../../kernel.js';
import { allocTensor, makeTensor, type Tensor } from '../../../../tensor/tensor.js';
import type { DType } from '../../../../tensor/dtype.js';
import { fromNumbers, readNumbers } from '../../util.js';

const ML = 'ai.onnx.ml::';

/** Y = X > threshold ? 1 : 0, same dtype as X. */
function binarizer(ctx: KernelContext): Tensor[] {
  const x = ctx.input(0);
  const thr = ctx.attrs.float('threshold', 0);
  const v = readNumbers(x);
  const out = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i] > thr ? 1 : Number.isNaN(v[i]) ? NaN : 0;
  return [fromNumbers(x.dtype, x.dims, out)];
}

/** Selects elements of the last axis of X at the indices in Y (1-D X gives shape [1, len(Y)]). */
function arrayFeatureExtractor(ctx: KernelContext): Tensor[] {
  const x = ctx.input(0);
  const idx = Array.from(readNumbers(ctx.input(1)));
  const dims = x.dims.length === 0 ? [1] : x.dims;
  const last = dims[dims.length - 1];
  for (const i of idx) if (!Number.isInteger(i) || i < 0 || i >= last) throw ctx.error(`index ${i} is out of range for last dimension ${last}`);
  const outer = dims.slice(0, -1).reduce((a, b) => a * b, 1);
  const outDims = dims.length === 1 ? [1, idx.length] : [...dims.slice(0, -1), idx.length];
  const out = allocTensor(x.dtype, outDims);
  const src = x.data as ArrayLike<unknown>;
  const dst = out.data as unknown as unknown[];
  for (let o = 0; o < outer; o++) for (let j = 0; j < idx.length; j++) dst[o * idx.length + j] = src[o * last + idx[j]];
  return [out];
}

type Key = string | number;
const asKey = (v: unknown): Key => (typeof v === 'bigint' ? Number(v) : (v as Key));
/** Map key that makes NaN match NaN (float keys). */
const keyOf = (k: Key): Key => (typeof k === 'number' && Number.isNaN(k) ? 'NaN#' : k);

function tensorValues(t: Tensor): Key[] {
  if (t.dtype === 'string') return [...(t.data as string[])];
  return Array.from(readNumbers(t));
}

/** LabelEncoder (opset 1: classes_strings; 2+: keys_X and values_X lists; 4: keys_tensor/values_tensor/default_tensor). */
function labelEncoder(ctx: KernelContext): Tensor[] {
  const x = ctx.input(0);
  const a = ctx.attrs;
  let keys: Key[];
  let values: Key[];
  let outType: DType;
  let def: Key;
  if (ctx.opset < 2) {
    const classes = a.strings('classes_strings', []);
    if (x.dtype === 'string') {
      keys = classes; values = classes.map((_, i) => i); outType = 'int64'; def = a.int('default_int64', -1);
    } else {
      keys = classes.map((_, i) => i); values = classes; outType = 'string'; def = a.string('default_string', '_Unused');
    }
  } else {
    if (a.has('keys_tensor')) keys = tensorValues(a.tensor('keys_tensor'));
    else if (a.has('keys_strings')) keys = a.strings('keys_strings');
    else if (a.has('keys_int64s')) keys = a.ints('keys_int64s');
    else if (a.has('keys_floats')) keys = a.floats('keys_floats');
    else throw ctx.error('no keys attribute (keys_strings, keys_int64s, keys_floats or keys_tensor)');
    if (a.has('values_tensor')) {
      const vt = a.tensor('values_tensor');
      values = tensorValues(vt); outType = vt.dtype;
    } else if (a.has('values_strings')) { values = a.strings('values_strings'); outType = 'string'; }
    else if (a.has('values_int64s')) { values = a.ints('values_int64s'); outType = 'int64'; }
    else if (a.has('values_floats')) { values = a.floats('values_floats'); outType = 'float32'; }
    else throw ctx.error('no values attribute (values_strings, values_int64s, values_floats or values_tensor)');
    if (a.has('default_tensor')) def = tensorValues(a.tensor('default_tensor'))[0];
    else if (outType === 'string') def = a.string('default_string', '_Unused');
    else if (outType === 'int64') def = a.int('default_int64', -1);
    else if (outType === 'float32') def = a.float('default_float', -0);
    else def = 0;
  }
  if (keys.length !== values.length) throw ctx.error(`keys (${keys.length}) and values (${values.length}) differ in length`);
  const map = new Map<Key, Key>();
  keys.forEach((k, i) => map.set(keyOf(k), values[i]));
  const src = x.data as ArrayLike<unknown>;
  const res: Key[] = new Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const k = x.dtype === 'float16' || x.dtype === 'bfloat16' ? readNumbers(x)[i] : asKey(src[i]);
    res[i] = map.get(keyOf(k)) ?? def;
  }
  if (outType === 'string') return [makeTensor('string', x.dims, res.map(String))];
  return [fromNumbers(outType, x.dims, res as number[])];
}

/** Y = (X - offset) * scale, float32 output; offset/scale broadcast per feature (last axis). */
function scaler(ctx: KernelContext): Tensor[] {
  const x = ctx.input(0);
  const offset = ctx.attrs.floats('offset', [0]);
  const scale = ctx.attrs.floats('scale', [1]);
  const v = readNumbers(x);
  const c = x.dims.length ? x.dims[x.dims.length - 1] : 1;
  const out = allocTensor('float32', x.dims);
  const o = out.data as Float32Array;
  for (let i = 0; i < v.length; i++) {
    const f = i % c;
    o[i] = (v[i] - (offset.length === 1 ? offset[0] : offset[f])) * (scale.length === 1 ? scale[0] : scale[f]);
  }
  return [out];
}

/** Row-wise MAX / L1 / L2 normalization of [N, C] (or [C]) input, float32 output. */
function normalizer(ctx: KernelContext): Tensor[] {
  const x = ctx.input(0);
  const norm = ctx.attrs.string('norm', 'MAX');
  if (!['MAX', 'L1', 'L2'].includes(norm)) throw ctx.attrs.error(`norm '${norm}' must be MAX, L1 or L2`);
  const v = readNumbers(x);
  const c = x.dims.length ? x.dims[x.dims.length - 1] : 1;
  const out = allocTensor('float32', x.dims);
  const o = out.data as Float32Array;
  for (let r = 0; r * c < v.length; r++) {
    let s = norm === 'MAX' ? -Infinity : 0;
    for (let j = 0; j < c; j++) {
      const e = v[r * c + j];
      if (norm === 'MAX') s = Math.max(s, e);
      else if (norm === 'L1') s += Math.abs(e);
      else s += e * e;
    }
    if (norm === 'L2') s = Math.sqrt(s);
    for (let j = 0; j < c; j++) o[r * c + j] = s === 0 ? v[r * c + j] : v[r * c + j] / s;
  }
  return [out];
}

/** One-hot over a category list: output shape [...X.dims, ncats], float32. */
function oneHotEncoder(ctx: KernelContext): Tensor[] {
  const x = ctx.input(0);
  const cats: Key[] = x.dtype === 'string' ? ctx.attrs.strings('cats_strings', []) : ctx.attrs.ints('cats_int64s', []);
  const zeros = ctx.attrs.int('zeros', 1);
  const index = new Map<Key, number>();
  cats.forEach((c, i) => index.set(c, i));
  const src: Key[] = x.dtype === 'string' ? (x.data as string[]) : Array.from(readNumbers(x));
  const out = allocTensor('float32', [...x.dims, cats.length]);
  const o = out.data as Float32Array;
  for (let i = 0; i < src.length; i++) {
    const j = index.get(typeof src[i] === 'number' ? Math.trunc(src[i] as number) : src[i]);
    if (j === undefined) {
      if (!zeros) throw ctx.error(`value '${src[i]}' is not a known category and zeros=0`);
    } else o[i * cats.length + j] = 1;
  }
  return [out];
}

/** Replaces `replaced_value_*` (NaN matches NaN) with per-feature imputed values. */
function imputer(ctx: KernelContext): Tensor[] {
  const x = ctx.input(0);
  const isInt = x.dtype === 'int64' || x.dtype === 'int32';
  const imputed = isInt ? ctx.attrs.ints('imputed_value_int64s', []) : ctx.attrs.floats('imputed_value_floats', []);
  if (imputed.length === 0) throw ctx.attrs.error('imputed_value_floats or imputed_value_int64s is required');
  const replaced = isInt ? ctx.attrs.int('replaced_value_int64', 0) : ctx.attrs.float('replaced_value_float', 0);
  const v = readNumbers(x);
  const c = x.dims.length ? x.dims[x.dims.length - 1] : 1;
  const res = new Float64Array(v.length);
  for (let i = 0; i < v.length; i++) {
    const hit = Number.isNaN(replaced) ? Number.isNaN(v[i]) : v[i] === replaced;
    res[i] = hit ? (imputed.length === 1 ? imputed[0] : imputed[i % c]) : v[i];
  }
  return [fromNumbers(x.dtype, x.dims, res)];
}

export const basicKernels: KernelTable = {
  [`${ML}Binarizer`]: binarizer,
  [`${ML}ArrayFeatureExtractor`]: arrayFeatureExtractor,
  [`${ML}LabelEncoder`]: labelEncoder,
  [`${ML}Scaler`]: scaler,
  [`${ML}Normalizer`]: normalizer,
  [`${ML}OneHotEncoder`]: oneHotEncoder,
  [`${ML}Imputer`]: imputer,
};
