/** The `activation` attribute shared by FusedConv and FusedGemm, applied through the standard kernels. */
import type { Tensor } from '../../../../tensor/tensor.js';
import type { KernelContext } from '../../kernel.js';
import { callKernel, scalarOf } from './call.js';

/** Activations a fused node may carry ('' = none) and their `activation_params`. */
export const ACTIVATIONS = ['', 'Relu', 'LeakyRelu', 'Sigmoid', 'SiLU', 'HardSwish', 'Clip', 'Gelu'] as const;

export function applyActivation(ctx: KernelContext, x: Tensor): Tensor {
  const act = ctx.attrs.string('activation', '');
  const p = ctx.attrs.floats('activation_params', []);
  switch (act) {
    case '':
      return x;
    case 'Relu':
    case 'Sigmoid':
    case 'HardSwish':
      return callKernel(ctx, act, [x]);
    case 'Gelu':
      return callKernel(ctx, 'Gelu', [x], {}, 20);
    case 'LeakyRelu':
      return callKernel(ctx, 'LeakyRelu', [x], { alpha: { type: 'float', value: p[0] ?? 0.01 } });
    case 'SiLU':
      return callKernel(ctx, 'Mul', [x, callKernel(ctx, 'Sigmoid', [x])]);
    case 'Clip': {
      const [lo = -Infinity, hi = Infinity] = p;
      return callKernel(ctx, 'Clip', [x, scalarOf(x.dtype, lo), scalarOf(x.dtype, hi)], {}, 13);
    }
    default:
      throw ctx.error(`unknown activation '${act}' (expected one of ${ACTIVATIONS.filter(Boolean).join(', ')})`);
  }
}

/** Names of attributes a fused node adds on top of the op it wraps (stripped before calling that op). */
export const FUSED_ATTRS = new Set(['activation', 'activation_params', 'residual_before_activation']);
