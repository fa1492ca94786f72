/** Every op family's schemas. A family is one file here, one CPU kernel file, one CUDA kernel file, one test. */
import type { OpSchema } from './schema.js';
import { schemas as elementwise } from './elementwise.js';
import { schemas as activation } from './activation.js';
import { schemas as cast } from './cast.js';
import { schemas as reduce } from './reduce.js';
import { schemas as softmax } from './softmax.js';
import { schemas as cumulative } from './cumulative.js';
import { schemas as loss } from './loss.js';
import { schemas as conv } from './conv.js';
import { schemas as pool } from './pool.js';
import { schemas as matmul } from './matmul.js';
import { schemas as normalization } from './normalization.js';
import { schemas as rnn } from './rnn.js';
import { schemas as attention } from './attention.js';
import { schemas as resize } from './resize.js';
import { schemas as shape } from './shape.js';
import { schemas as slice } from './slice.js';
import { schemas as indexing } from './indexing.js';
import { schemas as sequence } from './sequence.js';
import { schemas as control } from './control.js';
import { schemas as string } from './string.js';
import { schemas as quantize } from './quantize.js';
import { schemas as signal } from './signal.js';
import { schemas as ml } from './ml.js';
import { schemas as gradient } from './gradient.js';
import { schemas as image } from './image.js';
import { schemas as attentionVariants } from './attention-variants.js';
import { schemas as fused } from './fused.js';

export const OP_FAMILIES: Record<string, OpSchema[]> = {
  elementwise,
  activation,
  cast,
  reduce,
  softmax,
  cumulative,
  loss,
  conv,
  pool,
  matmul,
  normalization,
  rnn,
  attention,
  resize,
  shape,
  slice,
  indexing,
  sequence,
  control,
  string,
  quantize,
  signal,
  ml,
  gradient,
  image,
  'attention-variants': attentionVariants,
  fused,
};
