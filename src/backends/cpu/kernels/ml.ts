/** Op family 'ml' (domain ai.onnx.ml): CPU kernels. */
import type { KernelTable } from '../kernel.js';
import { basicKernels } from './ml/basic.js';
import { treeKernels } from './ml/trees.js';

export const kernels: KernelTable = { ...basicKernels, ...treeKernels };
