/** What a lowering sees (node, attributes, input metas) and returns (output metas and an enqueue step). */
import { TensorJetError } from '../../../errors.js';
import { strides as contiguousStrides } from '../../cpu/util.js';
import { AttributeReader } from '../../../ir/attributes.js';
import type { Node } from '../../../ir/graph.js';
import type { DType } from '../../../tensor/dtype.js';
import { DTYPES } from '../../../tensor/dtype.js';
import type { Tensor } from '../../../tensor/tensor.js';
import type { KernelFamily } from '../compile.js';
import type { MatmulSpec } from '../ffi/cublaslt.js';
import type { ConvSpec } from '../ffi/cudnn.js';
import type { SdpaSpec } from '../ffi/cudnn-sdpa.js';

/** A value at plan time: dtype and concrete dims; `host` when its value is known (weights, shape math). */
export interface ValMeta {
  dtype: DType;
  dims: number[];
  host?: Tensor;
  /** an NHWC channel view (channel-views.ts): elements from one pixel to the next (absent: contiguous) */
  rowStride?: number;
}

export interface OutMeta {
  dtype: DType;
  dims: number[];
  /** the output shares input `alias`'s device memory (Reshape, Squeeze, ...) */
  alias?: number;
  /** the output is known at plan time (Shape, Constant): no device work */
  host?: Tensor;
}

/** One kernel argument, packed into the launch parameter block. */
export type KArg = { ptr: number } | { i64: number } | { i32: number } | { u32: number } | { f32: number } | { idx: IdxStruct };
export interface IdxStruct {
  /** rank, then up to 3 stride lists (in elements); `pad` is a free int slot (reduce: kept-dim count) */
  dims: number[];
  s0?: number[];
  s1?: number[];
  s2?: number[];
  pad?: number;
}

/** Enqueue-side services for one step (all on the context's stream). */
export interface Launcher {
  /** 1-D grid-stride launch over n items */
  elementwise(family: KernelFamily, kernel: string, n: number, args: KArg[]): void;
  /** explicit grid (x) and block (x) */
  blocks(family: KernelFamily, kernel: string, grid: number, block: number, args: KArg[]): void;
  /** D = op(A) op(B) (+ bias) (+ beta C: C is D unless `c` is given), cuBLASLt */
  matmul(spec: MatmulSpec, a: number, b: number, d: number, bias: number, c?: number): void;
  copy(dst: number, src: number, bytes: number): void;
  /** Conv / ConvTranspose / FusedConv (cuDNN or the NVRTC fallback); b and z are 0 when absent */
  conv(spec: ConvSpec, x: number, w: number, b: number, z: number, y: number): void;
  /** FusedAttention on cuDNN's fused attention where the plan's tactics chose it for `spec`, else `ours()`; bias 0 when absent */
  attention(spec: SdpaSpec, q: number, k: number, v: number, bias: number, o: number, ours: () => void): void;
}

export interface Lowered {
  outputs: OutMeta[];
  /** enqueues the node's work; absent when every output is an alias or host value */
  emit?: (inputs: number[], outputs: number[], l: Launcher) => void;
  /** inputs (by index) that must be on the device even when known on the host */
  deviceInputs?: number[];
  /** a convolution whose algorithm is tuned at build time (tactics.ts) */
  conv?: ConvSpec;
  /** an attention cuDNN can also run, timed against ours at build time (attention-tactics.ts) */
  attention?: SdpaSpec;
}

export class LowerCtx {
  readonly attrs: AttributeReader;
  constructor(
    readonly node: Node,
    readonly opset: number,
    readonly inputs: (ValMeta | undefined)[],
    /** row strides the planner gives outputs written into a concat buffer (channel-views.ts) */
    readonly outRowStrides: (number | undefined)[] = [],
  ) {
    this.attrs = new AttributeReader(node);
  }
  input(i: number): ValMeta {
    const v = this.inputs[i];
    if (!v) throw this.error(`input ${i} is required`);
    return v;
  }
  /** input i's value on the host (shape-like inputs: Reshape's shape, Slice's starts, ...) */
  hostInts(i: number, what: string): number[] | undefined {
    const v = this.inputs[i];
    if (!v) return undefined;
    if (!v.host) throw this.error(`${what} (input ${i}) must be known when the plan is built (a constant or computed from shapes)`);
    return Array.from(v.host.data as ArrayLike<number | bigint>, (x) => Number(x));
  }
  error(msg: string): TensorJetError {
    return new TensorJetError('E_KERNEL', `node '${this.node.name}' (${this.node.opType}) on CUDA: ${msg}`, { node: this.node.name, opType: this.node.opType });
  }
  unsupported(msg: string): TensorJetError {
    return new TensorJetError('E_UNSUPPORTED_OP', `node '${this.node.name}' (${this.node.opType}) cannot run on CUDA: ${msg}`, {
      node: this.node.name,
      opType: this.node.opType,
    });
  }
  /** 'f32' / 'f16' for float kernels; throws for other dtypes */
  floatSuffix(dtype: DType): 'f32' | 'f16' {
    if (dtype === 'float32') return 'f32';
    if (dtype === 'float16') return 'f16';
    throw this.unsupported(`dtype ${dtype} (CUDA kernels handle float32 and float16)`);
  }
}

export type Lowering = (c: LowerCtx) => Lowered;

export const byteSize = (dtype: DType): number => Math.max(1, DTYPES[dtype].bits / 8);
export const numelOf = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);
/** SMs of the GPUs we tune for (H100 / H200: 132): grids of fewer blocks leave SMs idle (small-grid kernels). */
export const SMS = 132;

/**
 * Small-grid launches for few rows / heads (batch 1; attention.ts, norm.ts): TENSORJET_SMALL_GRID=0 turns them
 * off, =1 forces them whatever the size (kernel checks of both paths, before/after timing); read at lowering time.
 */
export function smallGridMode(): 'off' | 'on' | 'auto' {
  const v = process.env.TENSORJET_SMALL_GRID;
  return v === '0' ? 'off' : v === '1' ? 'on' : 'auto';
}

/** Row-major strides (the CPU backend's helper). */
export { contiguousStrides };
/** Element strides of a value: row-major, or a channel view's (last axis contiguous, `rowStride` per row). */
export function valueStrides(v: ValMeta): number[] {
  if (v.rowStride === undefined) return contiguousStrides(v.dims);
  const s = v.dims.map(() => 1);
  for (let i = v.dims.length - 2; i >= 0; i--) s[i] = i === v.dims.length - 2 ? v.rowStride : s[i + 1] * v.dims[i + 1];
  return s;
}
/** Width suffix for dtype-agnostic copy kernels. */
export function widthSuffix(dtype: DType, c: LowerCtx): 'b1' | 'b2' | 'b4' | 'b8' {
  const b = DTYPES[dtype].bits;
  if (b === 8 || dtype === 'bool') return 'b1';
  if (b === 16) return 'b2';
  if (b === 32) return 'b4';
  if (b === 64) return 'b8';
  throw c.unsupported(`dtype ${dtype} has no CUDA storage`);
}
export function normAxis(axis: number, rank: number, c: LowerCtx): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= Math.max(rank, 1)) throw c.error(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}
/** Numpy broadcast of shapes; throws E_SHAPE-style kernel error when incompatible. */
export function broadcastDims(shapes: number[][], c: LowerCtx): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    let d = 1;
    for (const s of shapes) {
      const v = s[s.length - rank + i] ?? 1;
      if (v === 1) continue;
      if (d !== 1 && d !== v) throw new TensorJetError('E_SHAPE', `node '${c.node.name}' (${c.node.opType}): shapes ${shapes.map((x) => `[${x}]`).join(' and ')} do not broadcast`, { node: c.node.name });
      d = v;
    }
    out.push(d);
  }
  return out;
}
/** Strides of `dims` read as broadcast to `out` (0 along broadcast dims). */
export function broadcastStrides(dims: number[], out: number[]): number[] {
  const s = contiguousStrides(dims);
  return out.map((o, i) => {
    const j = i - (out.length - dims.length);
    return j < 0 || dims[j] === 1 ? 0 : s[j];
  });
}
