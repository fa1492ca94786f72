/**
 * tensorjet::FusedAttention (Q, K, V, mask?) -> one kernels/attention.cu launch: Q [..L, Sq, D],
 * K [..L, Sk, D] (transpose_k = 1) or K^T [..L, D, Sk] (transpose_k = 0), V [..L, Sk, Dv], mask
 * broadcast to [..L, Sq, Sk]; at most two leading dims L (viewed as [B, H]), D and Dv up to 128.
 * Operands marked by `bshd` are [B, S, H, D] (read and written by strides, no transposes). float16 runs the
 * tensor-core kernel (attn_mma*), float32 the FMA one (attn_d*).
 */
import { broadcastDims, contiguousStrides, numelOf, type LowerCtx, type Lowered, type Lowering } from './types.js';

const BQ = 64; // AT_BQ and TC_BQ in attention.cu: queries per block
const FMA_THREADS = 256; // AT_THREADS
const MMA_THREADS = 128; // TC_THREADS

/** `dims` right-aligned to `rank`, padded with 1s in front. */
const pad = (dims: number[], rank: number): number[] => [...Array<number>(Math.max(0, rank - dims.length)).fill(1), ...dims];

/** Strides of contiguous `dims` read as broadcast to `out` (same rank): 0 along size-1 dims. */
function bstrides(dims: number[], out: number[]): number[] {
  const s = contiguousStrides(dims);
  return dims.map((d, i) => (d === 1 && out[i] !== 1 ? 0 : s[i]));
}

/**
 * An operand's logical [B, H, rows, cols] view (rank <= 4, padded in front): dims and element strides of
 * its contiguous buffer, axes 1 and 2 swapped when it is stored as [B, S, H, D] (bshd); size-1 dims
 * (broadcast) get stride 0.
 */
function view4(dims: number[], bshd: boolean): { dims: number[]; strides: number[] } {
  const s = contiguousStrides(dims);
  const [d, st] = bshd ? [[dims[0], dims[2], dims[1], dims[3]], [s[0], s[2], s[1], s[3]]] : [pad(dims, 4), [...Array<number>(4 - dims.length).fill(0), ...s]];
  return { dims: d, strides: st.map((x, i) => (d[i] === 1 ? 0 : x)) };
}

const fusedAttention: Lowering = (c: LowerCtx): Lowered => {
  const bshd = c.attrs.int('bshd', 0);
  const [q, k, v] = [c.input(0), c.input(1), c.input(2)];
  const mask = c.attrs.int('has_mask', 0) ? c.input(3) : undefined;
  const sfx = c.floatSuffix(q.dtype);
  if (k.dtype !== q.dtype || v.dtype !== q.dtype) throw c.unsupported(`mixed dtypes Q ${q.dtype}, K ${k.dtype}, V ${v.dtype}`);
  const msfx = mask ? c.floatSuffix(mask.dtype) : sfx;
  const tk = c.attrs.int('transpose_k', 0) === 1;
  const scale = c.attrs.float('scale', 1);
  if (q.dims.length < 2 || k.dims.length < 2 || v.dims.length < 2) throw c.unsupported('Q, K and V need rank >= 2');
  const swapped = (x: { dims: number[] }, bit: number, what: string): boolean => {
    if (!(bshd & bit)) return false;
    if (x.dims.length !== 4) throw c.error(`bshd marks ${what} as [B, S, H, D], but it has rank ${x.dims.length}`);
    return true;
  };
  const [sq4, sk4, sv4] = [swapped(q, 1, 'Q'), swapped(k, 2, 'K'), swapped(v, 4, 'V')];
  // logical dims: [B, H, S, D] whatever the storage
  const ld4 = (dims: number[], sw: boolean) => (sw ? [dims[0], dims[2], dims[1], dims[3]] : dims);
  const [qd, kd, vd] = [ld4(q.dims, sq4), ld4(k.dims, sk4), ld4(v.dims, sv4)];
  const [sq, d] = qd.slice(-2);
  const [sk, dk] = tk ? kd.slice(-2) : kd.slice(-2).reverse();
  const [sv, dv] = vd.slice(-2);
  if (dk !== d) throw c.error(`Q [${q.dims}] and K [${k.dims}] (transpose_k=${+tk}, bshd=${bshd}) disagree on the head size`);
  if (sk === 0) throw c.unsupported('attention over zero keys');
  if (sv !== sk) throw c.error(`V [${v.dims}] needs ${sk} keys`);
  const dmax = Math.max(d, dv);
  if (dmax > 128) throw c.unsupported(`head size ${dmax} (CUDA FusedAttention handles up to 128)`);
  const lead = broadcastDims([qd.slice(0, -2), kd.slice(0, -2), vd.slice(0, -2)], c);
  const sDims = [...lead, sq, sk];
  if (mask) {
    const sm = broadcastDims([sDims, mask.dims], c);
    if (sm.join() !== sDims.join()) throw c.unsupported(`mask [${mask.dims}] widens the scores [${sDims}]`);
  }
  if (lead.length > 2) throw c.unsupported(`${lead.length} leading dims (CUDA FusedAttention handles [batch, heads, seq, dim])`);
  const yLogical = [...lead, sq, dv];
  const outDims = ld4(yLogical, swapped({ dims: yLogical }, 8, 'Y'));
  const L = pad(lead, 2);
  const [B, H] = L;
  const Q = view4(q.dims, sq4).strides, K = view4(k.dims, sk4).strides, V = view4(v.dims, sv4).strides;
  const Y = view4(outDims, (bshd & 8) !== 0).strides;
  // K: stride per key and per dim (K [.., Sk, D] with transpose_k, K^T [.., D, Sk] without)
  const [kS, kD] = tk ? [K[2], K[3]] : [K[3], K[2]];
  let mS = [0, 0, 0, 0];
  if (mask) mS = bstrides(pad(mask.dims, 4), [...L, sq, sk]);
  const mma = q.dtype === 'float16';
  const kernel = mma ? `attn_mma${dmax <= 64 ? 64 : 128}_f16_m${msfx}` : `attn_d${dmax <= 64 ? 64 : 128}_${sfx}_m${msfx}`;
  const grid = B * H * Math.ceil(sq / BQ);
  const empty = numelOf(outDims) === 0;
  return {
    outputs: [{ dtype: q.dtype, dims: outDims }],
    deviceInputs: mask ? [0, 1, 2, 3] : [0, 1, 2],
    emit: empty
      ? undefined
      : (ip, op, l) =>
          l.blocks('attention', kernel, grid, mma ? MMA_THREADS : FMA_THREADS, [
            { ptr: ip[0] }, { ptr: ip[1] }, { ptr: ip[2] }, { ptr: mask ? ip[3] : 0 }, { ptr: op[0] },
            { i32: H }, { i32: sq }, { i32: sk }, { i32: d }, { i32: dv }, { f32: scale },
            { i64: Q[0] }, { i64: Q[1] }, { i64: Q[2] }, { i64: K[0] }, { i64: K[1] }, { i64: kS }, { i64: kD },
            { i64: V[0] }, { i64: V[1] }, { i64: V[2] }, { i64: Y[0] }, { i64: Y[1] }, { i64: Y[2] },
            { i64: mS[0] }, { i64: mS[1] }, { i64: mS[2] }, { i64: mS[3] },
          ]),
  };
};

export const attentionLowerings: Record<string, Lowering> = { 'tensorjet::FusedAttention': fusedAttention };
