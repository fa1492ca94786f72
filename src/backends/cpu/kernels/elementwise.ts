/** CPU reference kernels for the 'elementwise' op family. */
import type { KernelTable } from '../kernel.js';

export const kernels: KernelTable = {};
