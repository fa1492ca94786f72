/**
 * FusedConv = act(Conv(X, W, B) [+ Z]) or act(Conv(X, W, B)) + Z, and FusedGemm = act(Gemm(A, B, C)) with
 * A of any rank >= 1 (MatMul semantics over leading dims), both composed from the standard kernels.
 */
import type { Attribute } from '../../../../ir/graph.js';
import type { Tensor } from '../../../../tensor/tensor.js';
import type { KernelContext } from '../../kernel.js';
import { applyActivation, FUSED_ATTRS } from './activation.js';
import { callKernel } from './call.js';
import { channelLast } from '../layout.js';

const innerAttrs = (ctx: KernelContext): Map<string, Attribute> =>
  new Map([...ctx.node.attributes].filter(([k]) => !FUSED_ATTRS.has(k)));

/** layout 'NHWC': X, W (KRSC) and Z channel-last (layout.ts) */
export const fusedConv = channelLast(fusedConvNchw, [0, 1, 3]);

function fusedConvNchw(ctx: KernelContext): Tensor[] {
  const y = callKernel(ctx, 'Conv', [ctx.input(0), ctx.input(1), ctx.optionalInput(2)], innerAttrs(ctx), 11);
  const z = ctx.optionalInput(3);
  if (!z) return [applyActivation(ctx, y)];
  if (ctx.attrs.int('residual_before_activation', 1)) return [applyActivation(ctx, callKernel(ctx, 'Add', [y, z]))];
  return [callKernel(ctx, 'Add', [applyActivation(ctx, y), z])];
}

export function fusedGemm(ctx: KernelContext): Tensor[] {
  const a = ctx.input(0);
  const b = ctx.input(1);
  const transA = ctx.attrs.int('transA', 0);
  if (b.dims.length !== 2) throw ctx.error(`weight must be 2-D, got [${b.dims.join(', ')}]`);
  let a2 = a;
  let outLead: number[] | undefined;
  if (a.dims.length !== 2) {
    if (transA) throw ctx.error(`transA needs a 2-D A, got [${a.dims.join(', ')}]`);
    if (a.dims.length < 1) throw ctx.error('A must have rank >= 1');
    const k = a.dims[a.dims.length - 1];
    outLead = a.dims.slice(0, -1);
    a2 = { ...a, dims: [outLead.reduce((x, y) => x * y, 1), k] };
  }
  let y = callKernel(ctx, 'Gemm', [a2, b, ctx.optionalInput(2)], innerAttrs(ctx), 13);
  if (outLead) y = { ...y, dims: [...outLead, y.dims[1]] };
  return [applyActivation(ctx, y)];
}
