/** CPU reference kernels for the 'rnn' op family. */
import type { KernelTable } from '../kernel.js';

export const kernels: KernelTable = {};
