/**
 * cuDNN's fused attention (flash SDPA forward, inference) through the graph API, fp16 in and out, fp32 math:
 * O = softmax(scale * Q K^T + bias) V. Two forms of the same graph:
 * - 'unified' (cuDNN >= 9.13.1, no bias): one SDPA_FWD operation.
 * - 'composite': the operations cuDNN's SDPA engine recognizes: matmul, scale, bias add, softmax as
 *   max / sub / exp / sum / div (plus the log-sum-exp stats the engine expects even when unread), matmul.
 * Strides address any [B, H, S, D] view (packed QKV included); the bias broadcasts along its size-1 dims.
 */
import { koffi } from './koffi.js';
import { A, BackendGraph, DATA, DESC, i32, ptrs, PW, REDUCE, T, type Attr } from './cudnn-backend.js';
import { cudnnVersion } from './cudnn.js';

export interface SdpaSpec {
  b: number;
  h: number;
  sq: number;
  sk: number;
  d: number;
  dv: number;
  /** element strides of Q [b, h, sq, d], K [b, h, sk, d], V [b, h, sk, dv] and O [b, h, sq, dv] */
  q: number[];
  k: number[];
  v: number[];
  o: number[];
  /** an fp16 additive bias: dims [b or 1, h or 1, sq or 1, sk] and element strides */
  bias?: { dims: number[]; strides: number[] };
  scale: number;
}
export type SdpaForm = 'unified' | 'composite';

const UID = { q: 1, k: 2, v: 3, o: 4, bias: 5, scale: 6 } as const;
/** the first cuDNN with the SDPA_FWD operation the frontend uses (9.13.1) */
const UNIFIED_SINCE = 91301;

/** Which engine config runs an attention (attention-tactics.ts): the graph form and its rank in cuDNN's heuristic list. */
export interface SdpaTactic {
  form: SdpaForm;
  rank: number;
}

/** An attention's identity for tactics: cuDNN's version and every field of the spec. */
export const sdpaKey = (s: SdpaSpec): string => `cudnn${cudnnVersion()}:${JSON.stringify(s)}`;

/** The forms this cuDNN can try for `s`, preferred first. */
export function sdpaForms(s: SdpaSpec): SdpaForm[] {
  if (process.env.TENSORJET_CUDNN_SDPA === '0') return [];
  if (s.d % 8 || s.dv % 8 || s.d !== s.dv || s.d > 128) return [];
  return !s.bias && cudnnVersion() >= UNIFIED_SINCE ? ['unified', 'composite'] : ['composite'];
}

export class CudnnSdpaGraph extends BackendGraph {
  /** host float the by-value scale tensor points at (read by cudnnBackendExecute) */
  private readonly scalePtr: unknown;
  private readonly scaleAddress: number;

  constructor(
    handle: number,
    readonly spec: SdpaSpec,
    readonly form: SdpaForm,
  ) {
    super(handle);
    const k = koffi();
    this.scalePtr = k.alloc('float', 1);
    k.encode(this.scalePtr, 'float', spec.scale);
    this.scaleAddress = Number(k.address(this.scalePtr));
    try {
      this.init(() => (form === 'unified' ? this.unified() : this.composite()));
    } catch (e) {
      k.free(this.scalePtr);
      throw e;
    }
  }

  private io(): { q: number; k: number; v: number; o: number; scale: number } {
    const s = this.spec;
    const half = DATA.float16;
    return {
      q: this.descs.tensor({ dims: [s.b, s.h, s.sq, s.d], strides: s.q, uid: UID.q, dtype: half }),
      // the composite graph's first matmul takes K^T [b, h, d, sk]: the same buffer with the last two strides swapped
      k: this.form === 'unified'
        ? this.descs.tensor({ dims: [s.b, s.h, s.sk, s.d], strides: s.k, uid: UID.k, dtype: half })
        : this.descs.tensor({ dims: [s.b, s.h, s.d, s.sk], strides: [s.k[0]!, s.k[1]!, s.k[3]!, s.k[2]!], uid: UID.k, dtype: half }),
      v: this.descs.tensor({ dims: [s.b, s.h, s.sk, s.dv], strides: s.v, uid: UID.v, dtype: half }),
      o: this.descs.tensor({ dims: [s.b, s.h, s.sq, s.dv], strides: s.o, uid: UID.o, dtype: half }),
      scale: this.descs.tensor({ dims: [1, 1, 1, 1], strides: [1, 1, 1, 1], uid: UID.scale, dtype: DATA.float32, byValue: true }),
    };
  }

  private unified(): { ops: number[]; uids: number[] } {
    const t = this.io();
    const op = this.descs.make(DESC.opSdpaFwd, [
      [A.sdpaQ, T.descriptor, 1, ptrs([t.q])],
      [A.sdpaK, T.descriptor, 1, ptrs([t.k])],
      [A.sdpaV, T.descriptor, 1, ptrs([t.v])],
      [A.sdpaO, T.descriptor, 1, ptrs([t.o])],
      [A.sdpaScale, T.descriptor, 1, ptrs([t.scale])],
    ]);
    return { ops: [op], uids: [UID.q, UID.k, UID.v, UID.o, UID.scale] };
  }

  private composite(): { ops: number[]; uids: number[] } {
    const s = this.spec;
    const t = this.io();
    let uid = 100;
    const scores = () => this.descs.tensor({ dims: [s.b, s.h, s.sq, s.sk], strides: [s.h * s.sq * s.sk, s.sq * s.sk, s.sk, 1], uid: uid++, dtype: DATA.float32, virtual: true });
    const rows = () => this.descs.tensor({ dims: [s.b, s.h, s.sq, 1], strides: [s.h * s.sq, s.sq, 1, 1], uid: uid++, dtype: DATA.float32, virtual: true });
    const ops: number[] = [];
    const matmulDesc = this.descs.make(DESC.matmul, [[A.matmulCompType, T.dataType, 1, i32(DATA.float32)]]);
    const matmul = (a: number, b: number, c: number) =>
      ops.push(this.descs.make(DESC.opMatmul, [
        [A.opMatmulA, T.descriptor, 1, ptrs([a])],
        [A.opMatmulB, T.descriptor, 1, ptrs([b])],
        [A.opMatmulC, T.descriptor, 1, ptrs([c])],
        [A.opMatmulDesc, T.descriptor, 1, ptrs([matmulDesc])],
      ]));
    const pointwise = (mode: number, x: number, y: number, b?: number) => {
      const pw = this.descs.make(DESC.pointwise, [[A.pwMode, T.pointwiseMode, 1, i32(mode)], [A.pwMathPrec, T.dataType, 1, i32(DATA.float32)]]);
      const attrs: Attr[] = [[A.opPwDesc, T.descriptor, 1, ptrs([pw])], [A.opPwX, T.descriptor, 1, ptrs([x])], [A.opPwY, T.descriptor, 1, ptrs([y])]];
      if (b !== undefined) attrs.push([A.opPwB, T.descriptor, 1, ptrs([b])]);
      ops.push(this.descs.make(DESC.opPointwise, attrs));
      return y;
    };
    const reduce = (op: number, x: number) => {
      const desc = this.descs.make(DESC.reduction, [[A.reduceOp, T.reduceOp, 1, i32(op)], [A.reduceCompType, T.dataType, 1, i32(DATA.float32)]]);
      const y = rows();
      ops.push(this.descs.make(DESC.opReduction, [[A.opReduceX, T.descriptor, 1, ptrs([x])], [A.opReduceY, T.descriptor, 1, ptrs([y])], [A.opReduceDesc, T.descriptor, 1, ptrs([desc])]]));
      return y;
    };
    const uids: number[] = [UID.q, UID.k, UID.v, UID.o, UID.scale];
    const qk = scores();
    matmul(t.q, t.k, qk);
    let x = pointwise(PW.mul, qk, scores(), t.scale);
    if (s.bias) {
      const bias = this.descs.tensor({ dims: s.bias.dims, strides: s.bias.strides, uid: UID.bias, dtype: DATA.float16 });
      uids.push(UID.bias);
      x = pointwise(PW.add, x, scores(), bias);
    }
    const max = reduce(REDUCE.max, x);
    const e = pointwise(PW.exp, pointwise(PW.sub, x, scores(), max), scores());
    const sum = reduce(REDUCE.add, e);
    // log-sum-exp stats: unread, but part of the pattern the SDPA engine matches
    pointwise(PW.add, max, rows(), pointwise(PW.log, sum, rows()));
    const p = this.descs.tensor({ dims: [s.b, s.h, s.sq, s.sk], strides: [s.h * s.sq * s.sk, s.sq * s.sk, s.sk, 1], uid: uid++, dtype: DATA.float16, virtual: true });
    pointwise(PW.div, e, p, sum);
    matmul(p, t.v, t.o);
    return { ops, uids };
  }

  /** Enqueues attention on the handle's stream; `bias` is 0 when the spec has none. */
  run(q: number, k: number, v: number, o: number, bias: number, ws: number): void {
    const byUid: Record<number, number> = { [UID.q]: q, [UID.k]: k, [UID.v]: v, [UID.o]: o, [UID.bias]: bias, [UID.scale]: this.scaleAddress };
    this.execute(this.uids.map((u) => byUid[u]!), ws);
  }

  override dispose(): void {
    super.dispose();
    koffi().free(this.scalePtr);
  }
}
