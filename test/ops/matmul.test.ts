import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t, f, assertClose } from '../helpers.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const vals = (v: unknown) => Array.from((v as Tensor).data as ArrayLike<number>, Number);

test('MatMul: 2-D, batched broadcast and 1-D operands', () => {
  const a = t('float32', [2, 3], [1, 2, 3, 4, 5, 6]);
  const b = t('float32', [3, 2], [7, 8, 9, 10, 11, 12]);
  assert.deepEqual(vals(runNode('MatMul', [a, b])[0]), [58, 64, 139, 154]);
  const batched = t('float32', [2, 1, 2, 3], [1, 2, 3, 4, 5, 6, 1, 0, 0, 0, 1, 0]);
  const [y] = runNode('MatMul', [batched, t('float32', [3, 3, 2], new Array(18).fill(1))]) as Tensor[];
  assert.deepEqual(y.dims, [2, 3, 2, 2]);
  const [v] = runNode('MatMul', [t('float32', [3], [1, 2, 3]), b]) as Tensor[];
  assert.deepEqual(v.dims, [2]);
  assert.deepEqual(vals(v), [58, 64]);
  const [s] = runNode('MatMul', [t('float32', [3], [1, 2, 3]), t('float32', [3], [4, 5, 6])]) as Tensor[];
  assert.deepEqual(s.dims, []);
  assert.deepEqual(vals(s), [32]);
  const [i] = runNode('MatMul', [t('int32', [1, 2], [2, 3]), t('int32', [2, 1], [4, 5])]);
  assert.deepEqual(vals(i), [23]);
});

test('Gemm: transA/transB, alpha, beta and broadcast C', () => {
  const a = t('float32', [3, 2], [1, 4, 2, 5, 3, 6]); // A^T = [[1,2,3],[4,5,6]]
  const b = t('float32', [2, 3], [7, 9, 11, 8, 10, 12]); // B^T = [[7,8],[9,10],[11,12]]
  const c = t('float32', [2], [1, -1]);
  const [y] = runNode('Gemm', [a, b, c], { transA: 1, transB: 1, alpha: 2, beta: f(1) });
  assertClose(y, t('float32', [2, 2], [117, 127, 279, 307]));
});

test('Einsum: transpose, batch matmul, trace, implicit output', () => {
  const m = t('float32', [2, 2], [1, 2, 3, 4]);
  assert.deepEqual(vals(runNode('Einsum', [m], { equation: 'ij->ji' })[0]), [1, 3, 2, 4]);
  assert.deepEqual(vals(runNode('Einsum', [m], { equation: 'ii' })[0]), [5]);
  assert.deepEqual(vals(runNode('Einsum', [m, m], { equation: 'ij,jk' })[0]), [7, 10, 15, 22]);
  const [bm] = runNode('Einsum', [t('float32', [2, 1, 2], [1, 2, 3, 4]), t('float32', [2, 2, 1], [1, 1, 2, 2])], { equation: '...ij,...jk->...ik' }) as Tensor[];
  assert.deepEqual(vals(bm), [3, 14]);
});

test('Det of 2x2 and 3x3 (with pivoting)', () => {
  const [d] = runNode('Det', [t('float32', [2, 2, 2], [1, 2, 3, 4, 0, 1, 1, 0])]);
  assertClose(d, t('float32', [2], [-2, -1]));
  const [d3] = runNode('Det', [t('float32', [3, 3], [0, 2, 1, 1, 1, 1, 2, 0, 3])]);
  assertClose(d3, t('float32', [], [-4]), { atol: 1e-5 });
});
