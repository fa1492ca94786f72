/** Op family 'string': declarations and shape inference. */
import type { OpSchema } from './schema.js';

export const schemas: OpSchema[] = [
  { opType: 'StringConcat', infer: () => [{ dtype: 'string' }] },
  { opType: 'StringSplit', infer: (ctx) => [{ dtype: 'string' }, { dtype: 'int64', shape: ctx.inputs[0]?.shape }] },
  { opType: 'RegexFullMatch', infer: (ctx) => [{ dtype: 'bool', shape: ctx.inputs[0]?.shape }] },
  { opType: 'StringNormalizer', infer: () => [{ dtype: 'string' }] },
  { opType: 'TfIdfVectorizer', infer: () => [{ dtype: 'float32' }] },
];
