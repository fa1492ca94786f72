/** CPU reference kernels for the 'slice' op family. */
import type { KernelTable } from '../kernel.js';

export const kernels: KernelTable = {};
