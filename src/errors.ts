/**
 * One catalogue of typed errors. Every error TensorJet throws on purpose is a TensorJetError with a
 * stable `code` and structured `fields` (node name, op type, path, ...). The CLI prints `message` as one
 * line; a server maps `code` to an HTTP status.
 */
export const ERROR_CODES = {
  E_USAGE: 'bad command-line or API usage',
  E_IO: 'a file could not be read or written',
  E_MODEL_DECODE: 'the model file is not a valid ONNX protobuf (malformed or truncated)',
  E_MODEL_INVALID: 'the model is well-formed protobuf but not a valid graph',
  E_EXTERNAL_DATA: 'external tensor data is missing, out of bounds, or outside the model folder',
  E_UNSUPPORTED_OP: 'one or more nodes use ops this backend cannot run',
  E_UNSUPPORTED_DTYPE: 'a tensor uses a data type TensorJet does not support',
  E_ALLOCATION_LIMIT: 'a tensor would exceed the allocation limit',
  E_SHAPE: 'a shape is invalid or incompatible',
  E_ATTRIBUTE: 'a node attribute is missing or invalid',
  E_KERNEL: 'a kernel failed while executing a node',
  E_INPUT: 'inference inputs are missing, extra, of the wrong dtype or outside the profile',
  E_PLAN_CORRUPT: 'the plan file is truncated or corrupted',
  E_PLAN_VERSION: 'the plan was written by an incompatible format version',
  E_PLAN_TARGET: 'the plan was built for another backend or device architecture',
  E_DEVICE: 'the requested device is not available',
  E_LIBRARY_NOT_FOUND: 'a native library (CUDA driver, NVRTC, cuBLASLt) could not be found',
  E_CUDA: 'a CUDA driver call failed',
  E_NVRTC: 'NVRTC failed to compile a kernel',
  E_CUBLAS: 'a cuBLASLt call failed',
  E_CUDNN: 'a cuDNN call failed',
  E_DISPOSED: 'the object was already disposed',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorFields {
  node?: string;
  opType?: string;
  path?: string;
  input?: string;
  [key: string]: unknown;
}

export class TensorJetError extends Error {
  readonly code: ErrorCode;
  readonly fields: ErrorFields;

  constructor(code: ErrorCode, message: string, fields: ErrorFields = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'TensorJetError';
    this.code = code;
    this.fields = fields;
  }
}

/** Throws a TensorJetError of `code` unless `cond` holds. */
export function check(cond: unknown, code: ErrorCode, message: string | (() => string), fields?: ErrorFields): asserts cond {
  if (!cond) throw new TensorJetError(code, typeof message === 'function' ? message() : message, fields);
}

export function isTensorJetError(e: unknown): e is TensorJetError {
  return e instanceof TensorJetError;
}
