/** CPU reference kernels for the 'softmax' op family. */
import type { KernelTable } from '../kernel.js';

export const kernels: KernelTable = {};
