/** NumPy .npy files (format versions 1-3, C order, little-endian or byte-sized dtypes). */
import { TensorJetError } from '../errors.js';
import type { DType, TensorData } from '../tensor/dtype.js';
import { DTYPES } from '../tensor/dtype.js';
import { checkAllocation, type Tensor } from '../tensor/tensor.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const DESCR: Partial<Record<DType, string>> = {
  float32: '<f4', float64: '<f8', float16: '<f2', int8: '|i1', int16: '<i2', int32: '<i4', int64: '<i8',
  uint8: '|u1', uint16: '<u2', uint32: '<u4', uint64: '<u8', bool: '|b1',
};
const BY_DESCR = new Map<string, DType>(Object.entries(DESCR).map(([d, s]) => [s!, d as DType]));
for (const [d, s] of Object.entries(DESCR)) if (s!.startsWith('<')) BY_DESCR.set(`=${s!.slice(1)}`, d as DType);
BY_DESCR.set('<i1', 'int8').set('<u1', 'uint8').set('<b1', 'bool').set('|i1', 'int8');

const bad = (path: string, message: string) => new TensorJetError('E_INPUT', `${path}: ${message}`, { path });

export function readNpy(bytes: Uint8Array, path = '.npy'): Tensor {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) throw bad(path, 'not a .npy file (bad magic)');
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [lenBytes, headerLen] = major === 1 ? [2, view.getUint16(8, true)] : major <= 3 ? [4, bytes.length >= 12 ? view.getUint32(8, true) : Infinity] : [0, Infinity];
  if (!lenBytes) throw bad(path, `unsupported .npy version ${major}`);
  const start = 8 + lenBytes + headerLen;
  if (start > bytes.length) throw bad(path, `truncated .npy header (${bytes.length} bytes)`);
  const header = Buffer.from(bytes.buffer, bytes.byteOffset + 8 + lenBytes, headerLen).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw bad(path, 'malformed .npy header');
  if (fortran === 'True') throw bad(path, 'Fortran-ordered arrays are not supported; save with np.ascontiguousarray');
  const dtype = BY_DESCR.get(descr);
  if (!dtype) throw bad(path, `unsupported .npy dtype '${descr}'`);
  const dims = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (!dims.every((d) => Number.isInteger(d) && d >= 0)) throw bad(path, `invalid shape (${shapeText})`);
  const n = checkAllocation(dtype, dims, path);
  const elem = DTYPES[dtype].bits / 8;
  if (bytes.length - start < n * elem) throw bad(path, `truncated data: ${bytes.length - start} bytes, shape [${dims.join(', ')}] needs ${n * elem}`);
  const ctor = DTYPES[dtype].array as unknown as new (b: ArrayBufferLike) => TensorData;
  const copy = bytes.buffer.slice(bytes.byteOffset + start, bytes.byteOffset + start + n * elem);
  return { dtype, dims, data: new ctor(copy) };
}

export function writeNpy(t: Tensor): Uint8Array {
  const descr = DESCR[t.dtype];
  if (!descr) throw new TensorJetError('E_UNSUPPORTED_DTYPE', `cannot write ${t.dtype} tensors as .npy`);
  const shape = t.dims.length === 1 ? `(${t.dims[0]},)` : `(${t.dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const data = t.data as Exclude<TensorData, string[]>;
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
