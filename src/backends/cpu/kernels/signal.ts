/** CPU reference kernels for the 'signal' op family. */
import type { KernelTable } from '../kernel.js';

export const kernels: KernelTable = {};
