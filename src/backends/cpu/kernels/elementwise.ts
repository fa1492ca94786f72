/** CPU reference kernels for the 'elementwise' op family (arithmetic, unary math, logic, Where, Clip). */
import type { KernelTable } from '../kernel.js';
import { arithKernels } from './elementwise/arith.js';
import { logicKernels } from './elementwise/logic.js';
import { unaryKernels } from './elementwise/unary.js';

export const kernels: KernelTable = { ...arithKernels, ...logicKernels, ...unaryKernels };
