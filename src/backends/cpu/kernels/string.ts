/** CPU reference kernels for the 'string' op family. */
import type { KernelTable } from '../kernel.js';

export const kernels: KernelTable = {};
