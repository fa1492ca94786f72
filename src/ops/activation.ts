/** Op family 'activation': every op keeps its input's dtype and shape (PRelu's slope broadcasts to X). */
import type { OpSchema } from './schema.js';
import { sameAsInput0 } from './schema.js';

const OPS = [
  'Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Celu', 'Gelu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Swish', 'Mish',
  'Softplus', 'Softsign', 'ThresholdedRelu', 'Shrink', 'Tanh',
];

export const schemas: OpSchema[] = OPS.map((opType) => ({ opType, infer: sameAsInput0 }));
