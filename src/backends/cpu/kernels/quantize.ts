/** CPU reference kernels for the 'quantize' op family. */
import type { KernelTable } from '../kernel.js';

export const kernels: KernelTable = {};
