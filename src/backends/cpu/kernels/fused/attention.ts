/**
 * FusedAttention = MatMul(Softmax(scale * MatMul(Q, K^T) [+ mask], axis=-1), V). With transpose_k = 1
 * input K is [..., Sk, d] (the node transposes it); with 0 it is already K^T [..., d, Sk].
 * `bshd` (bit mask: 1 Q, 2 K, 4 V, 8 Y) marks rank-4 operands given (Y: produced) with axes 1 and 2
 * swapped, e.g. Q [B, S, H, D] for [B, H, S, D]: the head split/merge Transposes absorbed.
 * `qkv` = 1 (inputs QKV, mask?): QKV [B, S, 3*H*D] (H = `num_heads`) holds Q, K and V side by side on its
 * last axis, each [B, S, H, D]; bshd must mark all three (bits 1, 2, 4) and transpose_k be 1 (fuse-qkv.ts).
 */
import { makeTensor, type Tensor } from '../../../../tensor/tensor.js';
import type { KernelContext } from '../../kernel.js';
import { fromNumbers } from '../../util.js';
import { callKernel, scalarOf } from './call.js';
import { packedQkvDims } from '../../../../ops/fused.js';

const i64 = (v: number[]): Tensor => fromNumbers('int64', [v.length], v);

/** Q, K and V [B, S, H, D] from the packed operand [B, S, 3*H*D]. */
function unpackQkv(ctx: KernelContext): Tensor[] {
  const x = ctx.input(0);
  const h = ctx.attrs.int('num_heads', 0);
  if ((ctx.attrs.int('bshd', 0) & 7) !== 7 || ctx.attrs.int('transpose_k', 0) !== 1) throw ctx.error('qkv = 1 needs bshd bits 1, 2, 4 and transpose_k = 1');
  const dims = packedQkvDims(x.dims, h);
  if (!dims) throw ctx.error(`qkv = 1 needs input 0 [B, S, 3 * ${h} * D], got [${x.dims.join(', ')}]`);
  // [B, S, 3, H, D] -> [3, B, S, H, D]: Q, K and V are its three contiguous blocks
  const t = callKernel(ctx, 'Transpose', [callKernel(ctx, 'Reshape', [x, i64([dims[0], dims[1], 3, h, dims[3]])])], { perm: { type: 'ints', value: [2, 0, 1, 3, 4] } });
  const size = t.data.length / 3;
  return [0, 1, 2].map((j) => makeTensor(t.dtype, dims, (t.data as Float32Array).subarray(j * size, (j + 1) * size)));
}

export function fusedAttention(ctx: KernelContext): Tensor[] {
  const bshd = ctx.attrs.int('bshd', 0);
  const swap12 = (x: Tensor, bit: number, what: string): Tensor => {
    if (!(bshd & bit)) return x;
    if (x.dims.length !== 4) throw ctx.error(`bshd marks ${what} as [B, S, H, D], but it has rank ${x.dims.length}`);
    return callKernel(ctx, 'Transpose', [x], { perm: { type: 'ints', value: [0, 2, 1, 3] } });
  };
  const packed = ctx.attrs.int('qkv', 0) === 1;
  const [q0, k0, v0] = packed ? unpackQkv(ctx) : [ctx.input(0), ctx.input(1), ctx.input(2)];
  const q = swap12(q0, 1, 'Q');
  let k = swap12(k0, 2, 'K');
  const v = swap12(v0, 4, 'V');
  const mask = ctx.attrs.int('has_mask', 0) ? ctx.input(packed ? 1 : 3) : undefined;
  const scale = ctx.attrs.float('scale', 1);
  if (ctx.attrs.int('transpose_k', 0)) {
    const r = k.dims.length;
    if (r < 2) throw ctx.error(`K must have rank >= 2, got [${k.dims.join(', ')}]`);
    const perm = [...Array(r - 2).keys(), r - 1, r - 2];
    k = callKernel(ctx, 'Transpose', [k], { perm: { type: 'ints', value: perm } });
  }
  let s = callKernel(ctx, 'MatMul', [q, k]);
  if (scale !== 1) s = callKernel(ctx, 'Mul', [s, scalarOf(s.dtype, scale)]);
  if (mask) s = callKernel(ctx, 'Add', [s, mask]);
  const p = callKernel(ctx, 'Softmax', [s], { axis: { type: 'int', value: -1 } }, 13);
  return [swap12(callKernel(ctx, 'MatMul', [p, v]), 8, 'Y')];
}
