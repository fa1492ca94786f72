/**
 * tensorjet::FusedAttention (Q, K, V, mask?) -> one kernels/attention.cu launch: Q [..L, Sq, D],
 * K [..L, Sk, D] (transpose_k = 1) or K^T [..L, D, Sk] (transpose_k = 0), V [..L, Sk, Dv], mask
 * broadcast to [..L, Sq, Sk]; at most two leading dims L (viewed as [B, H]), D and Dv up to 128.
 * Operands marked by `bshd` are [B, S, H, D] (read and written by strides, no transposes). With qkv = 1
 * (QKV, mask?) Q, K and V are the three [B, S, H, D] column blocks of QKV [B, S, 3*H*D]: base pointers
 * 0, H*D and 2*H*D elements in, row stride 3*H*D. float16 runs the tensor-core kernel (attn_mma*: persistent,
 * a few blocks per SM walk the (batch, head, 64-query) items; attn_mma*q when the mask varies by query), float32
 * the FMA one (attn_d*); float16 with few (batch, head) pairs runs attn_mmas (16 queries per block, the keys
 * split over the block's warps) so that batch 1 still fills the SMs (TENSORJET_SMALL_GRID, see types.ts).
 * Where cuDNN's fused attention can express the node (`sdpaSpec`), build-time tuning times it against ours
 * (attention-tactics.ts) and the plan runs whichever was faster.
 */
import { packedQkvDims } from '../../../ops/fused.js';
import type { SdpaSpec } from '../ffi/cudnn-sdpa.js';
import { broadcastDims, byteSize, contiguousStrides, numelOf, smallGridMode, SMS, type Launcher, type LowerCtx, type Lowered, type Lowering } from './types.js';

const BQ = 64; // AT_BQ and TC_BQ in attention.cu: queries per block
const SPLIT_BQ = 16; // SP_BQ: queries per block of the small-grid kernel (attn_mmas)
const FMA_THREADS = 256; // AT_THREADS
const MMA_THREADS = 128; // TC_THREADS
/** resident blocks per SM of the persistent attn_mma kernels (their __launch_bounds__): 4 at head size 64, 2 at 128 */
const mmaBlocksPerSm = (dmax: number): number => (dmax <= 64 ? 4 : 2);

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

/**
 * Element strides cuDNN accepts for a [B, H, S, D] view: size-1 dims (ours use stride 0) step over the whole
 * tensor, as an outermost dim would; undefined when a larger dim is broadcast (stride 0), the last dim is not
 * contiguous or rows are not 16-byte aligned.
 */
function denseStrides(dims: number[], strides: number[]): number[] | undefined {
  const extent = Math.max(1, ...dims.map((n, i) => (n > 1 ? n * strides[i]! : 0)));
  const out = strides.map((x, i) => (dims[i] === 1 && x === 0 ? extent : x));
  if (out[3] !== 1 || out.some((x, i) => x === 0 || (i < 3 && x % 8 !== 0))) return undefined;
  return out;
}

/**
 * This attention as cuDNN's fused attention would take it (ffi/cudnn-sdpa.ts), where that can express it:
 * float16 operands and mask, equal head sizes, dense [B, H, S, D] views (K as [.., Sk, D]), a mask that is an
 * additive bias [B or 1, H or 1, Sq or 1, Sk] over keys a multiple of 8.
 */
function sdpaSpec(a: {
  dtype: string; maskDims?: number[]; maskDtype?: string; b: number; h: number; sq: number; sk: number; d: number; dv: number;
  q: number[]; k: number[]; v: number[]; o: number[]; scale: number;
}): SdpaSpec | undefined {
  if (a.dtype !== 'float16' || a.d !== a.dv || a.d % 8 !== 0) return undefined;
  const { b, h, sq, sk, d, dv } = a;
  const [q, k, v, o] = [denseStrides([b, h, sq, d], a.q), denseStrides([b, h, sk, d], a.k), denseStrides([b, h, sk, dv], a.v), denseStrides([b, h, sq, dv], a.o)];
  if (!q || !k || !v || !o) return undefined;
  if (!a.maskDims) return { b, h, sq, sk, d, dv, q, k, v, o, scale: a.scale };
  const m = pad(a.maskDims, 4);
  if (a.maskDtype !== 'float16' || m[3] !== sk || sk % 8 !== 0) return undefined;
  return { b, h, sq, sk, d, dv, q, k, v, o, scale: a.scale, bias: { dims: m, strides: contiguousStrides(m) } };
}

/** qkv = 1: the [B, S, H, D] dims of Q, K and V inside QKV [B, S, 3*H*D]. */
function qkvDims(c: LowerCtx): number[] {
  const x = c.input(0);
  const h = c.attrs.int('num_heads', 0);
  if ((c.attrs.int('bshd', 0) & 7) !== 7 || c.attrs.int('transpose_k', 0) !== 1) throw c.error('qkv = 1 needs bshd bits 1, 2, 4 and transpose_k = 1');
  const dims = packedQkvDims(x.dims, h);
  if (!dims) throw c.error(`qkv = 1 needs input 0 [B, S, 3 * ${h} * D], got [${x.dims}]`);
  return dims;
}

const fusedAttention: Lowering = (c: LowerCtx): Lowered => {
  const bshd = c.attrs.int('bshd', 0);
  const packed = c.attrs.int('qkv', 0) === 1;
  const pd = packed ? qkvDims(c) : [];
  const [q, k, v] = packed ? [0, 1, 2].map(() => ({ dtype: c.input(0).dtype, dims: pd })) : [c.input(0), c.input(1), c.input(2)];
  const mask = c.attrs.int('has_mask', 0) ? c.input(packed ? 1 : 3) : undefined;
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
  // packed: the [B, H, S, D] strides of a column block of QKV (rows 3*H*D long); K and V start H*D and
  // 2*H*D elements in
  const hd = packed ? pd[2] * pd[3] : 0;
  const block = (): number[] => [pd[1] * 3 * hd, pd[3], 3 * hd, 1].map((x, i) => ([pd[0], pd[2], pd[1], pd[3]][i] === 1 ? 0 : x));
  const [Q, K, V] = packed ? [block(), block(), block()] : [view4(q.dims, sq4).strides, view4(k.dims, sk4).strides, view4(v.dims, sv4).strides];
  const off = [0, 1, 2].map((j) => j * hd * byteSize(q.dtype));
  const Y = view4(outDims, (bshd & 8) !== 0).strides;
  // K: stride per key and per dim (K [.., Sk, D] with transpose_k, K^T [.., D, Sk] without)
  const [kS, kD] = tk ? [K[2], K[3]] : [K[3], K[2]];
  let mS = [0, 0, 0, 0];
  if (mask) mS = bstrides(pad(mask.dims, 4), [...L, sq, sk]);
  const mma = q.dtype === 'float16';
  // few (batch, head, 64-query) blocks (BERT at batch 1: 24): 16 queries per block, the warps split the keys
  const mode = smallGridMode();
  const split = mma && mode !== 'off' && (mode === 'on' || B * H * Math.ceil(sq / BQ) < SMS);
  const dn = dmax <= 64 ? 64 : 128;
  const persistent = mma && !split;
  const kernel = !mma ? `attn_d${dn}_${sfx}_m${msfx}` : split ? `attn_mmas${dn}_f16_m${msfx}` : `attn_mma${dn}${mS[2] !== 0 ? 'q' : ''}_f16_m${msfx}`;
  const items = B * H * Math.ceil(sq / (split ? SPLIT_BQ : BQ));
  if (items >= 2 ** 31) throw c.unsupported(`${items} attention blocks (batch ${B} x heads ${H} x query tiles)`);
  const grid = persistent ? Math.min(items, SMS * mmaBlocksPerSm(dmax)) : items;
  const empty = numelOf(outDims) === 0;
  const ptrs = (ip: number[]) => [0, 1, 2].map((j) => ip[packed ? 0 : j] + off[j]);
  const maskPtr = (ip: number[]) => (mask ? ip[packed ? 1 : 3] : 0);
  const ours = (ip: number[], op: number[], l: Launcher) =>
    l.blocks('attention', kernel, grid, mma ? MMA_THREADS : FMA_THREADS, [
      ...ptrs(ip).map((ptr) => ({ ptr })), { ptr: maskPtr(ip) }, { ptr: op[0] },
      { i32: H }, { i32: sq }, { i32: sk }, { i32: d }, { i32: dv }, { f32: scale },
      { i64: Q[0] }, { i64: Q[1] }, { i64: Q[2] }, { i64: K[0] }, { i64: K[1] }, { i64: kS }, { i64: kD },
      { i64: V[0] }, { i64: V[1] }, { i64: V[2] }, { i64: Y[0] }, { i64: Y[1] }, { i64: Y[2] },
      { i64: mS[0] }, { i64: mS[1] }, { i64: mS[2] }, { i64: mS[3] },
      ...(persistent ? [{ i32: B }] : []),
    ]);
  const cudnn = sdpaSpec({
    dtype: q.dtype, maskDims: mask?.dims, maskDtype: mask?.dtype, b: B, h: H, sq, sk, d, dv,
    q: Q, k: [K[0], K[1], kS, kD], v: V, o: Y, scale,
  });
  return {
    outputs: [{ dtype: q.dtype, dims: outDims }],
    deviceInputs: packed ? (mask ? [0, 1] : [0]) : mask ? [0, 1, 2, 3] : [0, 1, 2],
    attention: empty ? undefined : cudnn,
    emit: empty
      ? undefined
      : cudnn
        ? (ip, op, l) => {
            const [pq, pk, pv] = ptrs(ip);
            l.attention(cudnn, pq, pk, pv, maskPtr(ip), op[0], () => ours(ip, op, l));
          }
        : ours,
  };
};

export const attentionLowerings: Record<string, Lowering> = { 'tensorjet::FusedAttention': fusedAttention };
