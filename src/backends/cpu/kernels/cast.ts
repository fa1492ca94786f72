/** CPU reference kernels for the 'cast' op family. */
import type { KernelTable } from '../kernel.js';

export const kernels: KernelTable = {};
