/** Op family 'activation': every op keeps its input's dtype and shape (PRelu's slope broadcasts to X; SwiGLU broadcasts a and b). */
import type { OpSchema } from './schema.js';
import { sameAsInput0 } from './schema.js';
import { broadcastInfer } from './elementwise.js';

const OPS = [
  'Relu', 'LeakyRelu', 'PRelu', 'Elu', 'Selu', 'Celu', 'Gelu', 'Sigmoid', 'HardSigmoid', 'HardSwish', 'Swish', 'Mish',
  'Softplus', 'Softsign', 'ThresholdedRelu', 'Shrink', 'Tanh',
];

export const schemas: OpSchema[] = [
  ...OPS.map((opType) => ({ opType, infer: sameAsInput0 })),
  { opType: 'SwiGLU', infer: broadcastInfer(undefined, 0, [0, 1]) },
];
