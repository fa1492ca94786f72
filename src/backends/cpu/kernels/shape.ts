/** CPU reference kernels for the 'shape' op family (implementation in ./shape/). */
import type { KernelTable } from '../kernel.js';
import { constructKernels } from './shape/construct.js';
import { reshapeKernels } from './shape/reshape.js';

export const kernels: KernelTable = { ...reshapeKernels, ...constructKernels };
