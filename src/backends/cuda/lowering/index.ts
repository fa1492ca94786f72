/** Every op the CUDA backend lowers, keyed by op type ('domain::OpType' outside the default ONNX domain). */
import { attentionLowerings } from './attention.js';
import { convLowerings } from './conv.js';
import { elementwiseLowerings } from './elementwise.js';
import { fusedLowerings } from './fused.js';
import { gemmEpilogueLowerings } from './gemm-epilogue.js';
import { matmulLowerings } from './matmul.js';
import { miscLowerings } from './misc.js';
import { nchwToNhwcLowerings } from './nchw-to-nhwc.js';
import { normLowerings } from './norm.js';
import { poolLowerings } from './pool.js';
import { reduceLowerings } from './reduce.js';
import { resizeLowerings } from './resize.js';
import { shapeLowerings } from './shape.js';
import type { Lowering } from './types.js';

export const LOWERINGS: Record<string, Lowering> = {};
for (const table of [elementwiseLowerings, reduceLowerings, shapeLowerings, matmulLowerings, convLowerings, poolLowerings, resizeLowerings, normLowerings, miscLowerings, attentionLowerings, fusedLowerings, gemmEpilogueLowerings, nchwToNhwcLowerings]) {
  for (const [op, l] of Object.entries(table)) {
    if (LOWERINGS[op]) throw new Error(`CUDA lowering for '${op}' registered twice`);
    LOWERINGS[op] = l;
  }
}
/** Ops evaluated on the host at plan time when all their inputs are known there (shape arithmetic). */
export const HOST_FOLDABLE = new Set(['Range', 'ConstantOfShape', 'Equal', 'Less', 'Greater', 'Not', 'And', 'Or', 'ReduceProd', 'Tile']);
