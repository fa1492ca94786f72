/**
 * FusedAttention = MatMul(Softmax(scale * MatMul(Q, K^T) [+ mask], axis=-1), V). With transpose_k = 1
 * input K is [..., Sk, d] (the node transposes it); with 0 it is already K^T [..., d, Sk].
 * `bshd` (bit mask: 1 Q, 2 K, 4 V, 8 Y) marks rank-4 operands given (Y: produced) with axes 1 and 2
 * swapped, e.g. Q [B, S, H, D] for [B, H, S, D]: the head split/merge Transposes absorbed.
 */
import type { Tensor } from '../../../../tensor/tensor.js';
import type { KernelContext } from '../../kernel.js';
import { callKernel, scalarOf } from './call.js';

export function fusedAttention(ctx: KernelContext): Tensor[] {
  const bshd = ctx.attrs.int('bshd', 0);
  const swap12 = (x: Tensor, bit: number, what: string): Tensor => {
    if (!(bshd & bit)) return x;
    if (x.dims.length !== 4) throw ctx.error(`bshd marks ${what} as [B, S, H, D], but it has rank ${x.dims.length}`);
    return callKernel(ctx, 'Transpose', [x], { perm: { type: 'ints', value: [0, 2, 1, 3] } });
  };
  const q = swap12(ctx.input(0), 1, 'Q');
  let k = swap12(ctx.input(1), 2, 'K');
  const v = swap12(ctx.input(2), 4, 'V');
  const mask = ctx.attrs.int('has_mask', 0) ? ctx.input(3) : undefined;
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
