/**
 * cuBLASLt bindings: row-major matmul (batched, optional transposes) with bias / relu / gelu epilogues.
 * Row-major D[M,N] = A[M,K] B[K,N] is issued as column-major D^T = B^T A^T. `cublasCheck` throws E_CUBLAS.
 * An algorithm is one of the heuristic's list, optionally with split-K set on a copy of it (checked with
 * cublasLtMatmulAlgoCheck, which also gives its workspace).
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
  algoCheck:
    'int cublasLtMatmulAlgoCheck(uint64_t h, uint64_t op, uint64_t a, uint64_t b, uint64_t c, uint64_t d, const uint8_t *algo, _Out_ uint8_t *result)',
  configSet: 'int cublasLtMatmulAlgoConfigSetAttribute(_Inout_ uint8_t *algo, int attr, const void *buf, size_t n)',
  configGet: 'int cublasLtMatmulAlgoConfigGetAttribute(const uint8_t *algo, int attr, _Out_ uint8_t *buf, size_t n, _Out_ uint64_t *written)',
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
/** cublasLtMatmulAlgoConfigAttributes_t with each value's size in bytes */
const CONFIG = { id: [0, 4], tile: [1, 4], splitK: [2, 4], reduction: [3, 4], swizzle: [4, 4], custom: [5, 4], stages: [6, 4], inner: [7, 2], cluster: [8, 2] } as const;
/** cublasLtReductionScheme_t: how split-K parts are summed (in D itself, or in workspace in the compute / output type) */
export const REDUCTION = { inplace: 1, compute: 2, output: 4 } as const;

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

/**
 * Which algorithm to use (gemm-tactics.ts): entry `rank` of the heuristic's first `of`, with `splitK` parts of K
 * summed by `reduction` (REDUCTION) when splitK > 1. A split the algorithm refuses falls back to it unsplit, or
 * throws when `strict`; a strict pick without a rank takes the first of the `of` that accepts the split.
 */
export interface AlgoPick {
  rank: number;
  of: number;
  splitK?: number;
  reduction?: number;
  strict?: boolean | 'any-rank';
}

/** An algorithm's configuration (cublasLtMatmulAlgoConfigGetAttribute), for reports. */
export type AlgoConfig = Record<keyof typeof CONFIG, number>;

/** A planned matmul: descriptors and the chosen algorithm; `run` enqueues it on a stream. */
export class LtMatmul {
  private readonly desc: number;
  private readonly layouts: number[];
  private readonly algo: Buffer;
  readonly workspaceBytes: number;
  /** how many algorithms the heuristic offered (at most `pick.of`) */
  readonly algoCount: number;
  /** the heuristic rank used and the split in effect (1: the algorithm as the heuristic gave it) */
  readonly rank: number;
  readonly splitK: number;
  /** the heuristic's predicted waves for the chosen base algorithm */
  readonly waves: number;
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
      let rank = pick.rank < count[0] ? pick.rank : 0;
      const base = (r: number) => Buffer.from(results.subarray(r * HEURISTIC_RESULT_BYTES, r * HEURISTIC_RESULT_BYTES + 64));
      let algo: Buffer = base(rank);
      let workspace = Number(results.readBigUInt64LE(rank * HEURISTIC_RESULT_BYTES + 64));
      let splitK = 1;
      if ((pick.splitK ?? 1) > 1) {
        const reduction = pick.reduction ?? REDUCTION.compute;
        const ranks = pick.strict === 'any-rank' ? Array.from({ length: count[0] }, (_, i) => i) : [rank];
        for (const r of ranks) {
          const split = this.withSplit(base(r), pick.splitK!, reduction, maxWorkspace);
          if (!split) continue;
          [rank, algo, workspace, splitK] = [r, split.algo, split.workspace, pick.splitK!];
          break;
        }
        if (splitK === 1 && pick.strict) {
          throw new TensorJetError('E_CUBLAS', `cuBLASLt refuses split-K ${pick.splitK} (reduction ${reduction}) on ${pick.strict === 'any-rank' ? `all ${count[0]} heuristic algorithms` : `heuristic algorithm ${rank}`} for ${JSON.stringify(spec)}`);
        }
      }
      this.rank = rank;
      this.algo = algo;
      this.workspaceBytes = workspace;
      this.splitK = splitK;
      this.waves = results.readFloatLE(rank * HEURISTIC_RESULT_BYTES + 76);
    } finally {
      f.prefDestroy(pref);
    }
  }

  /** `algo` with split-K set and its workspace, or undefined when cuBLASLt refuses it (or it needs more workspace). */
  private withSplit(algo: Buffer, splitK: number, reduction: number, maxWorkspace: number): { algo: Buffer; workspace: number } | undefined {
    const f = load();
    if (f.configSet(algo, CONFIG.splitK[0], i32(splitK), 4) || f.configSet(algo, CONFIG.reduction[0], i32(reduction), 4)) return undefined;
    const result = Buffer.alloc(HEURISTIC_RESULT_BYTES);
    const [a, b, d] = this.layouts;
    if (f.algoCheck(this.handle, this.desc, a, b, d, d, algo, result) !== 0 || result.readInt32LE(72) !== 0) return undefined;
    const workspace = Number(result.readBigUInt64LE(64));
    return workspace <= maxWorkspace ? { algo, workspace } : undefined;
  }

  /** The chosen algorithm's configuration (-1 where cuBLASLt does not report one). */
  config(): AlgoConfig {
    const f = load();
    const out = {} as AlgoConfig;
    for (const [name, [attr, size]] of Object.entries(CONFIG)) {
      const buf = Buffer.alloc(4);
      const written: [number] = [0];
      const ok = f.configGet(this.algo, attr, buf, size, written) === 0;
      out[name as keyof AlgoConfig] = !ok ? -1 : size === 2 ? buf.readUInt16LE(0) : name === 'id' ? buf.readInt32LE(0) : buf.readUInt32LE(0);
    }
    return out;
  }

  /**
   * Enqueues D = act(alpha op(A) op(B) + beta C + bias). bias: device pointer of n elements (0 when none); C is
   * D unless `c` is given (same layout).
   */
  run(a: number, b: number, d: number, bias: number, workspace: number, stream: number, c = d): void {
    const f = load();
    if (this.spec.epilogue.includes('bias')) {
      cublasCheck(f.descSet(this.desc, DESC.BIAS_POINTER, u64(bias), 8), 'cublasLtMatmulDescSetAttribute(BIAS_POINTER)');
    }
    const [la, lb, ld] = this.layouts;
    cublasCheck(
      f.matmul(this.handle, this.desc, this.alpha, b, la, a, lb, this.beta, c, ld, d, ld, this.algo, workspace, this.workspaceBytes, stream),
      'cublasLtMatmul',
    );
  }

  dispose(): void {
    const f = load();
    for (const l of this.layouts) f.layoutDestroy(l);
    f.descDestroy(this.desc);
  }
}
