/** CPU reference kernels for the 'normalization' op family. */
import type { KernelTable } from '../kernel.js';

export const kernels: KernelTable = {};
