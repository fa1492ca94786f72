/** CPU reference kernels for the 'sequence' op family. */
import type { KernelTable } from '../kernel.js';

export const kernels: KernelTable = {};
