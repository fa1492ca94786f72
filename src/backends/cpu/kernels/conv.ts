/** CPU reference kernels for the 'conv' op family. */
import type { KernelTable } from '../kernel.js';

export const kernels: KernelTable = {};
