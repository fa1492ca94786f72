/**
 * tensorjet::FusedAttention (Q, K, V, mask?) -> one kernels/attention.cu launch: Q [..L, Sq, D],
 * K [..L, Sk, D] (transpose_k = 1) or K^T [..L, D, Sk] (transpose_k = 0), V [..L, Sk, Dv], mask
 * broadcast to [..L, Sq, Sk]; at most two leading dims L (viewed as [B, H]), D and Dv up to 128.
 */
import { broadcastDims, contiguousStrides, numelOf, type LowerCtx, type Lowered, type Lowering } from './types.js';

const BQ = 64; // AT_BQ in attention.cu
const THREADS = 256; // AT_THREADS

/** `dims` right-aligned to `rank`, padded with 1s in front. */
const pad = (dims: number[], rank: number): number[] => [...Array<number>(Math.max(0, rank - dims.length)).fill(1), ...dims];

/** Strides of contiguous `dims` read as broadcast to `out` (same rank): 0 along size-1 dims. */
function bstrides(dims: number[], out: number[]): number[] {
  const s = contiguousStrides(dims);
  return dims.map((d, i) => (d === 1 && out[i] !== 1 ? 0 : s[i]));
}

const fusedAttention: Lowering = (c: LowerCtx): Lowered => {
  const [q, k, v] = [c.input(0), c.input(1), c.input(2)];
  const mask = c.attrs.int('has_mask', 0) ? c.input(3) : undefined;
  const sfx = c.floatSuffix(q.dtype);
  if (k.dtype !== q.dtype || v.dtype !== q.dtype) throw c.unsupported(`mixed dtypes Q ${q.dtype}, K ${k.dtype}, V ${v.dtype}`);
  const msfx = mask ? c.floatSuffix(mask.dtype) : sfx;
  const tk = c.attrs.int('transpose_k', 0) === 1;
  const scale = c.attrs.float('scale', 1);
  if (q.dims.length < 2 || k.dims.length < 2 || v.dims.length < 2) throw c.unsupported('Q, K and V need rank >= 2');
  const [sq, d] = q.dims.slice(-2);
  const [sk, dk] = tk ? k.dims.slice(-2) : k.dims.slice(-2).reverse();
  const [sv, dv] = v.dims.slice(-2);
  if (dk !== d) throw c.error(`Q [${q.dims}] and K [${k.dims}] (transpose_k=${+tk}) disagree on the head size`);
  if (sk === 0) throw c.unsupported('attention over zero keys');
  if (sv !== sk) throw c.error(`V [${v.dims}] needs ${sk} keys`);
  const dmax = Math.max(d, dv);
  if (dmax > 128) throw c.unsupported(`head size ${dmax} (CUDA FusedAttention handles up to 128)`);
  const lead = broadcastDims([q.dims.slice(0, -2), k.dims.slice(0, -2), v.dims.slice(0, -2)], c);
  const sDims = [...lead, sq, sk];
  if (mask) {
    const sm = broadcastDims([sDims, mask.dims], c);
    if (sm.join() !== sDims.join()) throw c.unsupported(`mask [${mask.dims}] widens the scores [${sDims}]`);
  }
  if (lead.length > 2) throw c.unsupported(`${lead.length} leading dims (CUDA FusedAttention handles [batch, heads, seq, dim])`);
  const outDims = [...lead, sq, dv];
  const L = pad(lead, 2);
  const [B, H] = L;
  // per-operand (b, h) strides; 0 where the operand broadcasts
  const leadStrides = (dims: number[]): [number, number] => {
    const full = pad(dims, 4);
    const s = bstrides(full, [...L, 1, 1]);
    return [s[0], s[1]];
  };
  const [qB, qH] = leadStrides(q.dims);
  const [kB, kH] = leadStrides(k.dims);
  const [vB, vH] = leadStrides(v.dims);
  const [kS, kD] = tk ? [d, 1] : [1, sk];
  let mS = [0, 0, 0, 0];
  if (mask) mS = bstrides(pad(mask.dims, 4), [...L, sq, sk]);
  const kernel = `attn_d${dmax <= 64 ? 64 : 128}_${sfx}_m${msfx}`;
  const grid = B * H * Math.ceil(sq / BQ);
  const empty = numelOf(outDims) === 0;
  return {
    outputs: [{ dtype: q.dtype, dims: outDims }],
    deviceInputs: mask ? [0, 1, 2, 3] : [0, 1, 2],
    emit: empty
      ? undefined
      : (ip, op, l) =>
          l.blocks('attention', kernel, grid, THREADS, [
            { ptr: ip[0] }, { ptr: ip[1] }, { ptr: ip[2] }, { ptr: mask ? ip[3] : 0 }, { ptr: op[0] },
            { i32: H }, { i32: sq }, { i32: sk }, { i32: d }, { i32: dv }, { f32: scale },
            { i64: qB }, { i64: qH }, { i64: kB }, { i64: kH }, { i64: kS }, { i64: kD }, { i64: vB }, { i64: vH },
            { i64: mS[0] }, { i64: mS[1] }, { i64: mS[2] }, { i64: mS[3] },
          ]),
  };
};

export const attentionLowerings: Record<string, Lowering> = { 'tensorjet::FusedAttention': fusedAttention };
