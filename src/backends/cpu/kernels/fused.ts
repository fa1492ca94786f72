/** CPU reference kernels for the 'fused' op family (domain 'tensorjet'); see src/ops/fused.ts. */
import type { KernelTable } from '../kernel.js';
import { callKernel } from './fused/call.js';
import { fusedConv, fusedGemm } from './fused/conv-gemm.js';
import { fusedElementwise } from './fused/elementwise.js';
import { fusedAttention } from './fused/attention.js';
import { skipLayerNorm } from './fused/skip-layernorm.js';
import { nchwToNhwc } from './fused/nchw-to-nhwc.js';
import { embedLayerNorm } from './fused/embed-layernorm.js';

export const kernels: KernelTable = {
  'tensorjet::FusedConv': fusedConv,
  'tensorjet::FusedGemm': fusedGemm,
  'tensorjet::FusedElementwise': fusedElementwise,
  'tensorjet::FusedAttention': fusedAttention,
  'tensorjet::SkipLayerNorm': skipLayerNorm,
  'tensorjet::NchwToNhwc': nchwToNhwc,
  'tensorjet::EmbedLayerNorm': embedLayerNorm,
  'tensorjet::Gelu': (ctx) => [callKernel(ctx, 'Gelu', [ctx.input(0)], ctx.node.attributes, 20)],
};
