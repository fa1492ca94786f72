/** CPU reference kernels for the 'loss' op family. */
import type { KernelTable } from '../kernel.js';

export const kernels: KernelTable = {};
