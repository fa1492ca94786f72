import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t, assertClose } from '../helpers.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { makeTensor } from '../../src/tensor/tensor.js';

const x = t('float32', [2, 3], [1, 2, 3, 4, 5, 6]);
const ax = (a: number) => t('int32', [], [a]);

test('CumSum along axes, exclusive and reverse', () => {
  assertClose(runNode('CumSum', [x, ax(1)])[0], t('float32', [2, 3], [1, 3, 6, 4, 9, 15]));
  assertClose(runNode('CumSum', [x, ax(0)])[0], t('float32', [2, 3], [1, 2, 3, 5, 7, 9]));
  assertClose(runNode('CumSum', [x, ax(-1)], { exclusive: 1 })[0], t('float32', [2, 3], [0, 1, 3, 0, 4, 9]));
  assertClose(runNode('CumSum', [x, ax(1)], { reverse: 1 })[0], t('float32', [2, 3], [6, 5, 3, 15, 11, 6]));
  assertClose(runNode('CumSum', [x, ax(1)], { reverse: 1, exclusive: 1 })[0], t('float32', [2, 3], [5, 3, 0, 11, 6, 0]));
});

test('CumProd and exact int64', () => {
  assertClose(runNode('CumProd', [x, ax(1)], {}, { opset: 26 })[0], t('float32', [2, 3], [1, 2, 6, 4, 20, 120]));
  assertClose(runNode('CumProd', [x, ax(1)], { exclusive: 1 }, { opset: 26 })[0], t('float32', [2, 3], [1, 1, 2, 1, 4, 20]));
  const big = makeTensor('int64', [2], new BigInt64Array([9007199254740993n, 2n]));
  const out = runNode('CumSum', [big, ax(0)])[0] as Tensor;
  assert.deepEqual([...(out.data as BigInt64Array)], [9007199254740993n, 9007199254740995n]);
});
