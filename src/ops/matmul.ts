/** Op family 'matmul': declarations and shape inference. */
import type { OpSchema } from './schema.js';

export const schemas: OpSchema[] = [];
