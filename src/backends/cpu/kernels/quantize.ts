/** CPU reference kernels for the 'quantize' op family (implementation in ./quantize/). */
import type { KernelTable } from '../kernel.js';
import { integerKernels } from './quantize/integer.js';
import { linearKernels } from './quantize/linear.js';

export const kernels: KernelTable = { ...linearKernels, ...integerKernels };
