/** CPU reference kernels for the 'control' op family. */
import type { KernelTable } from '../kernel.js';

export const kernels: KernelTable = {};
