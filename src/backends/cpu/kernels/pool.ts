/** CPU reference kernels for the 'pool' op family. */
import type { KernelTable } from '../kernel.js';

export const kernels: KernelTable = {};
