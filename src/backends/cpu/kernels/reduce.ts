/** CPU reference kernels for the 'reduce' op family. */
import type { KernelTable } from '../kernel.js';

export const kernels: KernelTable = {};
