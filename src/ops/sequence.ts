/**
 * Op family 'sequence': declarations and shape inference. Sequence and optional values are not tensors,
 * so only ops with tensor outputs infer anything.
 */
import type { OpSchema } from './schema.js';

const none = () => [undefined];

export const schemas: OpSchema[] = [
  { opType: 'SequenceEmpty', infer: none },
  { opType: 'SequenceConstruct', infer: none },
  { opType: 'SequenceInsert', infer: none },
  { opType: 'SequenceErase', infer: none },
  { opType: 'SequenceAt', infer: none },
  { opType: 'SequenceLength', infer: () => [{ dtype: 'int64', shape: [] }] },
  { opType: 'SplitToSequence', infer: none },
  { opType: 'ConcatFromSequence', infer: none },
  { opType: 'SequenceMap' },
  { opType: 'Optional', infer: none },
  { opType: 'OptionalHasElement', infer: () => [{ dtype: 'bool', shape: [] }] },
  // a plain tensor input (opset 18) passes through unchanged
  { opType: 'OptionalGetElement', infer: (ctx) => [ctx.inputs[0] ? { ...ctx.inputs[0] } : undefined] },
];
