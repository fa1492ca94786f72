/** CPU reference kernels for the 'shape' op family. */
import type { KernelTable } from '../kernel.js';

export const kernels: KernelTable = {};
