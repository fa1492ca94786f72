/** Tensor construction for API users: plain arrays are converted to the dtype's typed array. */
import { TensorJetError } from '../errors.js';
import { DTYPES, isDType, type DType, type TensorData } from '../tensor/dtype.js';
import { checkAllocation, type Tensor } from '../tensor/tensor.js';
import { float32ToBfloat16, float32ToFloat16 } from '../tensor/float16.js';

export type TensorInput = TensorData | ArrayLike<number> | readonly (number | bigint | boolean)[] | readonly string[];

/**
 * tensor('float32', [1, 5], [0, 1, 2, 3, 4]). A typed array of the dtype's storage type is used as is;
 * anything else is converted (float16/bfloat16 from numbers, int64 from numbers or bigints, bool from
 * booleans or 0/1). The data length must match the dims.
 */
export function tensor(dtype: DType, dims: readonly number[], data?: TensorInput): Tensor {
  if (!isDType(dtype)) throw new TensorJetError('E_USAGE', `unknown dtype '${dtype}'`);
  const n = checkAllocation(dtype, dims);
  const ctor = DTYPES[dtype].array;
  let out: TensorData;
  if (data === undefined) {
    out = ctor ? new ctor(n) : new Array<string>(n).fill('');
  } else if (ctor && data instanceof ctor) {
    out = data as TensorData;
  } else if (!ctor) {
    out = Array.from(data as ArrayLike<unknown>, String);
  } else {
    const src = Array.from(data as ArrayLike<number | bigint | boolean>);
    const conv: (v: number | bigint | boolean) => number | bigint =
      dtype === 'int64' || dtype === 'uint64' ? (v) => toBigInt(dtype, v)
        : dtype === 'float16' ? (v) => float32ToFloat16(Number(v))
          : dtype === 'bfloat16' ? (v) => float32ToBfloat16(Number(v))
            : (v) => Number(v);
    const arr = new ctor(src.length) as unknown as { [i: number]: number | bigint };
    src.forEach((v, i) => { arr[i] = conv(v); });
    out = arr as unknown as TensorData;
  }
  if (out.length !== n) {
    throw new TensorJetError('E_SHAPE', `tensor data has ${out.length} values, but dims [${dims.join(', ')}] need ${n}`);
  }
  return { dtype, dims: [...dims], data: out };
}

/** An int64/uint64 element from a number, bigint or boolean; a fractional or non-finite number is refused. */
function toBigInt(dtype: DType, v: number | bigint | boolean): bigint {
  if (typeof v === 'number' && !Number.isInteger(v)) {
    throw new TensorJetError('E_USAGE', `${dtype} tensor data must be integers, got ${v}`);
  }
  return BigInt(typeof v === 'boolean' ? Number(v) : v);
}
