/** CPU reference kernels for the 'resize' op family. */
import type { KernelTable } from '../kernel.js';

export const kernels: KernelTable = {};
