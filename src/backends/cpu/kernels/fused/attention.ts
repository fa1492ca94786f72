/**
 * FusedAttention = MatMul(Softmax(scale * MatMul(Q, K^T) [+ mask], axis=-1), V). With transpose_k = 1
 * input K is [..., Sk, d] (the node transposes it); with 0 it is already K^T [..., d, Sk].
 */
import type { Tensor } from '../../../../tensor/tensor.js';
import type { KernelContext } from '../../kernel.js';
import { callKernel, scalarOf } from './call.js';

export function fusedAttention(ctx: KernelContext): Tensor[] {
  const q = ctx.input(0);
  let k = ctx.input(1);
  const v = ctx.input(2);
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
  return [callKernel(ctx, 'MatMul', [p, v])];
}
