/**
 * TensorProto -> Tensor for every dtype. The data length is checked against the dims before anything
 * is allocated, so a tiny hostile model claiming a huge tensor fails fast with a clear error.
 */
import { TensorJetError } from '../errors.js';
import { DTYPES, dtypeFromOnnx, type DType, type TensorData } from '../tensor/dtype.js';
import { checkAllocation, type Tensor } from '../tensor/tensor.js';
import { readExternalData, type ExternalDataOptions } from './external-data.js';
import { elementsPerByte, unpackSubByte } from './packing.js';
import { bytesToString, has, toBigInt, toNumber, type TensorProto } from './proto.js';

const EXTERNAL = 1;

function invalid(name: string, message: string): never {
  throw new TensorJetError('E_MODEL_INVALID', `tensor '${name}': ${message}`, { tensor: name });
}

/** Bytes a tensor of `n` elements takes in raw_data / external data. */
export function rawByteLength(dtype: DType, n: number): number {
  const per = elementsPerByte(dtype);
  return per > 1 ? Math.ceil(n / per) : n * (DTYPES[dtype].bits / 8);
}

/** Decodes one TensorProto. `what` names it in errors when the proto has no name. */
export function tensorFromProto(tp: TensorProto, opts: ExternalDataOptions = {}, what = ''): Tensor {
  const name = tp.name || what || '(unnamed)';
  if (!has(tp, 'data_type') || tp.data_type === 0) invalid(name, 'data_type is missing (UNDEFINED)');
  let dtype: DType;
  try {
    dtype = dtypeFromOnnx(tp.data_type);
  } catch (e) {
    throw new TensorJetError('E_UNSUPPORTED_DTYPE', `tensor '${name}': ${(e as Error).message}`, { tensor: name });
  }
  if (tp.segment) invalid(name, 'segmented tensors are not supported');
  const dims = tp.dims.map((d) => toNumber(d, `tensor '${name}' dims`));
  for (const d of dims) if (d < 0) invalid(name, `negative dimension in shape [${dims.join(', ')}]`);
  const n = dims.reduce((a, b) => a * b, 1);
  const shape = `[${dims.join(', ')}]`;

  if (tp.data_location === EXTERNAL) {
    if (dtype === 'string') invalid(name, 'string tensors cannot use external data');
    checkAllocation(dtype, dims, `tensor '${name}'`);
    const bytes = readExternalData(name, tp.external_data, rawByteLength(dtype, n), opts);
    return { dtype, dims, data: fromRaw(dtype, bytes, n) };
  }

  if (has(tp, 'raw_data') && tp.raw_data.length > 0 || (n === 0 && has(tp, 'raw_data'))) {
    if (dtype === 'string') invalid(name, 'string tensors cannot use raw_data');
    const need = rawByteLength(dtype, n);
    if (tp.raw_data.length !== need) {
      invalid(name, `shape ${shape} (${dtype}) needs ${need} bytes of raw_data but ${tp.raw_data.length} are present`);
    }
    checkAllocation(dtype, dims, `tensor '${name}'`);
    return { dtype, dims, data: fromRaw(dtype, tp.raw_data, n) };
  }

  // typed fields: check the count present before allocating anything
  const [field, values] = typedField(dtype, tp);
  const per = field === 'int32_data' ? elementsPerByte(dtype) : 1;
  const need = per > 1 ? Math.ceil(n / per) : n;
  if (values.length !== need) {
    invalid(name, `shape ${shape} (${dtype}) needs ${need} values in ${field} but ${values.length} are present${values.length === 0 ? ' (no data)' : ''}`);
  }
  checkAllocation(dtype, dims, `tensor '${name}'`);
  return { dtype, dims, data: fromTyped(dtype, values, n) };
}

type Field = 'float_data' | 'int32_data' | 'int64_data' | 'uint64_data' | 'double_data' | 'string_data';

function typedField(dtype: DType, tp: TensorProto): [Field, ArrayLike<unknown>] {
  switch (dtype) {
    case 'float32': return ['float_data', tp.float_data];
    case 'float64': return ['double_data', tp.double_data];
    case 'int64': return ['int64_data', tp.int64_data];
    case 'uint32': case 'uint64': return ['uint64_data', tp.uint64_data];
    case 'string': return ['string_data', tp.string_data];
    default: return ['int32_data', tp.int32_data];
  }
}

function fromTyped(dtype: DType, values: ArrayLike<unknown>, n: number): TensorData {
  switch (dtype) {
    case 'string': return Array.from(values as Uint8Array[], bytesToString);
    case 'int64': return BigInt64Array.from(values as ArrayLike<never>, (v) => toBigInt(v));
    case 'uint64': return BigUint64Array.from(values as ArrayLike<never>, (v) => BigInt.asUintN(64, toBigInt(v)));
    case 'uint32': return Uint32Array.from(values as ArrayLike<never>, (v) => Number(BigInt.asUintN(32, toBigInt(v))));
    case 'bool': return Uint8Array.from(values as ArrayLike<number>, (v) => (v ? 1 : 0));
    case 'int4': case 'uint4': case 'float4e2m1': case 'int2': case 'uint2':
      return unpackSubByte(dtype, values as ArrayLike<number>, n);
    default: {
      const C = DTYPES[dtype].array as unknown as { from(v: ArrayLike<number>): TensorData };
      return C.from(values as ArrayLike<number>); // typed-array conversion wraps int32 to the narrower type
    }
  }
}

/** raw_data is little-endian; copy into an aligned buffer (JS typed arrays use host order, LE on every supported host). */
function fromRaw(dtype: DType, raw: Uint8Array, n: number): TensorData {
  const per = elementsPerByte(dtype);
  if (per > 1) return unpackSubByte(dtype, raw, n);
  const copy = new Uint8Array(raw.length);
  copy.set(raw);
  const C = DTYPES[dtype].array as unknown as new (b: ArrayBuffer, o: number, n: number) => TensorData;
  const data = new C(copy.buffer, 0, n);
  if (dtype === 'bool') {
    const b = data as Uint8Array;
    for (let i = 0; i < n; i++) b[i] = b[i] ? 1 : 0;
  }
  return data;
}
