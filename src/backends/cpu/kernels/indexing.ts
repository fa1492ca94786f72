/** CPU reference kernels for the 'indexing' op family. */
import type { KernelTable } from '../kernel.js';

export const kernels: KernelTable = {};
