/** CPU reference kernels for the 'indexing' op family (implementation in ./indexing/). */
import type { KernelTable } from '../kernel.js';
import { gatherKernels } from './indexing/gather.js';
import { nmsKernels } from './indexing/nms.js';
import { scatterKernels } from './indexing/scatter.js';
import { selectKernels } from './indexing/select.js';

export const kernels: KernelTable = { ...gatherKernels, ...scatterKernels, ...selectKernels, ...nmsKernels };
