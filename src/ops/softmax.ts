/** Op family 'softmax': Softmax, LogSoftmax, Hardmax keep their input's dtype and shape. */
import type { OpSchema } from './schema.js';
import { sameAsInput0 } from './schema.js';

export const schemas: OpSchema[] = ['Softmax', 'LogSoftmax', 'Hardmax'].map((opType) => ({ opType, infer: sameAsInput0 }));
