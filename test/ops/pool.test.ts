import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t } from '../helpers.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const x44 = t('float32', [1, 1, 4, 4], Array.from({ length: 16 }, (_, i) => i + 1));
const vals = (v: unknown) => Array.from((v as Tensor).data as ArrayLike<number>, Number);

test('MaxPool 2x2 stride 2 with indices (row- and column-major)', () => {
  const [y, i] = runNode('MaxPool', [x44], { kernel_shape: [2, 2], strides: [2, 2] }, { outputs: 2 });
  assert.deepEqual(vals(y), [6, 8, 14, 16]);
  assert.deepEqual(vals(i), [5, 7, 13, 15]);
  const [, ic] = runNode('MaxPool', [x44], { kernel_shape: [2, 2], strides: [2, 2], storage_order: 1 }, { outputs: 2 });
  assert.deepEqual(vals(ic), [5, 13, 7, 15]);
});

test('MaxPool ceil_mode adds a partial window', () => {
  const [y] = runNode('MaxPool', [x44], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 });
  assert.deepEqual((y as Tensor).dims, [1, 1, 2, 2]);
  assert.deepEqual(vals(y), [11, 12, 15, 16]);
});

test('AveragePool with pads: count_include_pad 0 vs 1', () => {
  const x = t('float32', [1, 1, 2, 2], [1, 2, 3, 4]);
  const [a] = runNode('AveragePool', [x], { kernel_shape: [2, 2], pads: [1, 1, 0, 0] });
  assert.deepEqual(vals(a), [1, 1.5, 2, 2.5]);
  const [b] = runNode('AveragePool', [x], { kernel_shape: [2, 2], pads: [1, 1, 0, 0], count_include_pad: 1 });
  assert.deepEqual(vals(b), [0.25, 0.75, 1, 2.5]);
});

test('LpPool p=2 and global pools', () => {
  const x = t('float32', [1, 1, 1, 2], [3, 4]);
  assert.deepEqual(vals(runNode('LpPool', [x], { kernel_shape: [1, 2], p: 2 })[0]), [5]);
  assert.deepEqual(vals(runNode('GlobalAveragePool', [x44])[0]), [8.5]);
  assert.deepEqual(vals(runNode('GlobalMaxPool', [x44])[0]), [16]);
  assert.deepEqual(vals(runNode('GlobalLpPool', [x])[0]), [5]);
});

test('MaxUnpool scatters values back to their indices', () => {
  const [y] = runNode('MaxUnpool', [t('float32', [1, 1, 1, 1], [9]), t('int64', [1, 1, 1, 1], [3])], { kernel_shape: [2, 2], strides: [2, 2] });
  assert.deepEqual(vals(y), [0, 0, 0, 9]);
});
