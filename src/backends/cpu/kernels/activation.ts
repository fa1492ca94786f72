/** CPU reference kernels for the 'activation' op family. */
import type { KernelTable } from '../kernel.js';

export const kernels: KernelTable = {};
