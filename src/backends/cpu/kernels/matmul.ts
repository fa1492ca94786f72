/** CPU reference kernels for the 'matmul' op family. */
import type { KernelTable } from '../kernel.js';

export const kernels: KernelTable = {};
