/**
 * cuBLASLt bindings: row-major matmul (batched, optional transposes) with bias / relu / gelu epilogues.
 * Row-major D[M,N] = A[M,K] B[K,N] is issued as column-major D^T = B^T A^T. `cublasCheck` throws E_CUBLAS.
 */
import { TensorJetError } from '../../../errors.js';
import { findLibrary } from './library.js';
import { tryOpen, type KoffiLib } from './koffi.js';

type Fn = (...args: unknown[]) => number;
const NAMES = {
  create: 'int cublasLtCreate(_Out_ uint64_t *h)',
  destroy: 'int cublasLtDestroy(uint64_t h)',
  statusName: 'const char *cublasLtGetStatusName(int s)',
  statusString: 'const char *cublasLtGetStatusString(int s)',
  version: 'size_t cublasLtGetVersion()',
  descCreate: 'int cublasLtMatmulDescCreate(_Out_ uint64_t *d, int computeType, int scaleType)',
  descDestroy: 'int cublasLtMatmulDescDestroy(uint64_t d)',
  descSet: 'int cublasLtMatmulDescSetAttribute(uint64_t d, int attr, const void *buf, size_t n)',
  layoutCreate: 'int cublasLtMatrixLayoutCreate(_Out_ uint64_t *l, int type, uint64_t rows, uint64_t cols, int64_t ld)',
  layoutDestroy: 'int cublasLtMatrixLayoutDestroy(uint64_t l)',
  layoutSet: 'int cublasLtMatrixLayoutSetAttribute(uint64_t l, int attr, const void *buf, size_t n)',
  prefCreate: 'int cublasLtMatmulPreferenceCreate(_Out_ uint64_t *p)',
  prefDestroy: 'int cublasLtMatmulPreferenceDestroy(uint64_t p)',
  prefSet: 'int cublasLtMatmulPreferenceSetAttribute(uint64_t p, int attr, const void *buf, size_t n)',
  heuristic:
    'int cublasLtMatmulAlgoGetHeuristic(uint64_t h, uint64_t op, uint64_t a, uint64_t b, uint64_t c, uint64_t d, uint64_t pref, int n, _Out_ uint8_t *results, _Out_ int *count)',
  matmul:
    'int cublasLtMatmul(uint64_t h, uint64_t op, const void *alpha, uint64_t A, uint64_t Ad, uint64_t B, uint64_t Bd, const void *beta, uint64_t C, uint64_t Cd, uint64_t D, uint64_t Dd, const void *algo, uint64_t ws, size_t wsBytes, uint64_t stream)',
} as const;
type Fns = { [K in keyof typeof NAMES]: Fn };

export const CUDA_R_32F = 0;
export const CUDA_R_16F = 2;
const CUBLAS_COMPUTE_32F = 68;
const CUBLAS_COMPUTE_32F_FAST_TF32 = 77;
const DESC = { TRANSA: 3, TRANSB: 4, EPILOGUE: 7, BIAS_POINTER: 8, BIAS_BATCH_STRIDE: 10 };
const LAYOUT = { BATCH_COUNT: 5, STRIDED_BATCH_OFFSET: 6 };
const PREF_MAX_WORKSPACE_BYTES = 1;
export const EPILOGUE = { none: 1, relu: 2, bias: 4, relu_bias: 6, gelu: 32, gelu_bias: 36 } as const;
export type Epilogue = keyof typeof EPILOGUE;
const HEURISTIC_RESULT_BYTES = 96; // cublasLtMatmulHeuristicResult_t: algo[64], workspaceSize, state, waves, reserved[4]

let fns: Fns | undefined;
let loadError: TensorJetError | undefined;

function load(): Fns {
  if (fns) return fns;
  if (loadError) throw loadError;
  try {
    let lib: KoffiLib | undefined;
    findLibrary('cuBLASLt (libcublasLt)', ['libcublasLt.so.13', 'libcublasLt.so.12', 'libcublasLt.so'], (p) => !!(lib = tryOpen(p)));
    const f = {} as Fns;
    for (const [k, sig] of Object.entries(NAMES)) (f as Record<string, Fn>)[k] = lib!.func(sig) as Fn;
    fns = f;
    return f;
  } catch (e) {
    loadError = e instanceof TensorJetError ? e : new TensorJetError('E_LIBRARY_NOT_FOUND', `cuBLASLt failed to load: ${(e as Error).message}`);
    throw loadError;
  }
}

/** Throws E_CUBLAS with cuBLASLt's own status name and string. */
export function cublasCheck(status: number, what: string): void {
  if (status === 0) return;
  const f = load();
  const name = (f.statusName as unknown as (s: number) => string)(status);
  const str = (f.statusString as unknown as (s: number) => string)(status);
  throw new TensorJetError('E_CUBLAS', `${what} failed: ${name}: ${str} (${status})`, { call: what, status });
}

function out(f: Fn, what: string, ...args: unknown[]): number {
  const o: [number] = [0];
  cublasCheck(f(o, ...args), what);
  return Number(o[0]);
}

const i32 = (v: number) => Buffer.from(new Int32Array([v]).buffer);
const i64 = (v: number) => Buffer.from(new BigInt64Array([BigInt(v)]).buffer);
const u64 = (v: number) => Buffer.from(new BigUint64Array([BigInt(v)]).buffer);

export function cublasLtCreate(): number {
  return out(load().create, 'cublasLtCreate');
}
export function cublasLtDestroy(h: number): void {
  cublasCheck(load().destroy(h), 'cublasLtDestroy');
}
export function cublasLtVersion(): number {
  return Number(load().version());
}

export interface MatmulSpec {
  /** rows of op(A) and of D */
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** matrices in the batch (1 = plain); a stride of 0 broadcasts that operand */
  batch: number;
  strideA: number;
  strideB: number;
  strideD: number;
  dtype: 'float32' | 'float16';
  epilogue: Epilogue;
  /** allow TF32 tensor cores for float32 */
  tf32?: boolean;
  /** D = alpha op(A) op(B) + beta D (D then holds C on entry) */
  alpha?: number;
  beta?: number;
}

/** Which of cuBLASLt's heuristic algorithms to use: entry `rank` of its first `of` (gemm-tactics.ts). */
export interface AlgoPick {
  rank: number;
  of: number;
}

/** A planned matmul: descriptors and the chosen algorithm; `run` enqueues it on a stream. */
export class LtMatmul {
  private readonly desc: number;
  private readonly layouts: number[];
  private readonly algo: Buffer;
  readonly workspaceBytes: number;
  /** how many algorithms the heuristic offered (at most `pick.of`) */
  readonly algoCount: number;
  private readonly alpha: Buffer;
  private readonly beta: Buffer;

  constructor(
    private readonly handle: number,
    readonly spec: MatmulSpec,
    maxWorkspace: number,
    pick: AlgoPick = { rank: 0, of: 1 },
  ) {
    const f = load();
    const { m, n, k, transA, transB, batch } = spec;
    this.alpha = Buffer.from(new Float32Array([spec.alpha ?? 1]).buffer);
    this.beta = Buffer.from(new Float32Array([spec.beta ?? 0]).buffer);
    const type = spec.dtype === 'float16' ? CUDA_R_16F : CUDA_R_32F;
    const compute = spec.dtype === 'float32' && spec.tf32 ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
    this.desc = out(f.descCreate, 'cublasLtMatmulDescCreate', compute, CUDA_R_32F);
    // column-major view: op "A" is our B, op "B" is our A (see file comment)
    cublasCheck(f.descSet(this.desc, DESC.TRANSA, i32(transB ? 1 : 0), 4), 'cublasLtMatmulDescSetAttribute(TRANSA)');
    cublasCheck(f.descSet(this.desc, DESC.TRANSB, i32(transA ? 1 : 0), 4), 'cublasLtMatmulDescSetAttribute(TRANSB)');
    cublasCheck(f.descSet(this.desc, DESC.EPILOGUE, i32(EPILOGUE[spec.epilogue]), 4), 'cublasLtMatmulDescSetAttribute(EPILOGUE)');
    const la = transB ? [k, n, k] : [n, k, n];
    const lb = transA ? [m, k, m] : [k, m, k];
    const ld = [n, m, n];
    this.layouts = [la, lb, ld].map((l) => out(f.layoutCreate, 'cublasLtMatrixLayoutCreate', type, l[0], l[1], l[2]));
    if (batch > 1) {
      const strides = [spec.strideB, spec.strideA, spec.strideD];
      this.layouts.forEach((l, i) => {
        cublasCheck(f.layoutSet(l, LAYOUT.BATCH_COUNT, i32(batch), 4), 'cublasLtMatrixLayoutSetAttribute(BATCH_COUNT)');
        cublasCheck(f.layoutSet(l, LAYOUT.STRIDED_BATCH_OFFSET, i64(strides[i]), 8), 'cublasLtMatrixLayoutSetAttribute(STRIDED_BATCH_OFFSET)');
      });
    }
    const pref = out(f.prefCreate, 'cublasLtMatmulPreferenceCreate');
    try {
      cublasCheck(f.prefSet(pref, PREF_MAX_WORKSPACE_BYTES, u64(maxWorkspace), 8), 'cublasLtMatmulPreferenceSetAttribute');
      const of = Math.max(1, pick.of);
      const results = Buffer.alloc(HEURISTIC_RESULT_BYTES * of);
      const count: [number] = [0];
      const [a, b, d] = this.layouts;
      cublasCheck(f.heuristic(handle, this.desc, a, b, d, d, pref, of, results, count), 'cublasLtMatmulAlgoGetHeuristic');
      if (count[0] < 1) {
        throw new TensorJetError('E_CUBLAS', `cublasLtMatmulAlgoGetHeuristic found no algorithm for ${JSON.stringify(spec)}`);
      }
      this.algoCount = count[0];
      // a tuned rank the heuristic no longer offers (another cuBLASLt) falls back to its first choice
      const at = (pick.rank < count[0] ? pick.rank : 0) * HEURISTIC_RESULT_BYTES;
      this.algo = Buffer.from(results.subarray(at, at + 64));
      this.workspaceBytes = Number(results.readBigUInt64LE(at + 64));
    } finally {
      f.prefDestroy(pref);
    }
  }

  /** Enqueues D = op(A) op(B) (+ bias, activation). bias: device pointer of n elements (0 when none). */
  run(a: number, b: number, d: number, bias: number, workspace: number, stream: number): void {
    const f = load();
    if (this.spec.epilogue.includes('bias')) {
      cublasCheck(f.descSet(this.desc, DESC.BIAS_POINTER, u64(bias), 8), 'cublasLtMatmulDescSetAttribute(BIAS_POINTER)');
    }
    const [la, lb, ld] = this.layouts;
    cublasCheck(
      f.matmul(this.handle, this.desc, this.alpha, b, la, a, lb, this.beta, d, ld, d, ld, this.algo, workspace, this.workspaceBytes, stream),
      'cublasLtMatmul',
    );
  }

  dispose(): void {
    const f = load();
    for (const l of this.layouts) f.layoutDestroy(l);
    f.descDestroy(this.desc);
  }
}
