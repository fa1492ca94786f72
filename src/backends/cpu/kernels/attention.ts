/** CPU reference kernels for the 'attention' op family. */
import type { KernelTable } from '../kernel.js';

export const kernels: KernelTable = {};
