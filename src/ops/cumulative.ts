/** Op family 'cumulative': CumSum, CumProd keep their input's dtype and shape. */
import type { OpSchema } from './schema.js';
import { sameAsInput0 } from './schema.js';

export const schemas: OpSchema[] = ['CumSum', 'CumProd'].map((opType) => ({ opType, infer: sameAsInput0 }));
