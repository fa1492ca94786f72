/** CPU reference kernels for the 'slice' op family (implementation in ./slice/). */
import type { KernelTable } from '../kernel.js';
import { padKernels } from './slice/pad.js';
import { sliceKernels } from './slice/slice.js';

export const kernels: KernelTable = { ...sliceKernels, ...padKernels };
