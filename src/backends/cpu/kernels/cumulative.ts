/** CPU reference kernels for the 'cumulative' op family. */
import type { KernelTable } from '../kernel.js';

export const kernels: KernelTable = {};
