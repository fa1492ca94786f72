import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t, assertClose } from '../helpers.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { schemas } from '../../src/ops/indexing.js';
import { makeInferContext } from '../../src/ops/schema.js';
import type { Node } from '../../src/ir/graph.js';
import { int64Tensor } from '../../src/backends/cpu/kernels/shape/raw.js';

const out = (v: unknown) => v as Tensor;
const big = (v: unknown) => [...(out(v).data as BigInt64Array)].map(Number);

test('Gather (negative indices, strings), GatherElements, GatherND batch_dims', () => {
  const x = t('float32', [3, 2], [1, 2, 3, 4, 5, 6]);
  assertClose(runNode('Gather', [x, t('int64', [2], [-1, 0])])[0], t('float32', [2, 2], [5, 6, 1, 2]));
  assertClose(runNode('Gather', [x, t('int32', [], [1])], { axis: 1 })[0], t('float32', [3], [2, 4, 6]));
  assert.deepEqual(out(runNode('Gather', [makeTensor('string', [3], ['a', 'b', 'c']), t('int64', [2, 1], [2, 2])])[0]).data, ['c', 'c']);
  assert.throws(() => runNode('Gather', [x, t('int64', [1], [3])]), /out of range/);
  assertClose(runNode('GatherElements', [t('float32', [2, 2], [1, 2, 3, 4]), t('int64', [2, 2], [0, 0, 1, 0])], { axis: 1 })[0], t('float32', [2, 2], [1, 1, 4, 3]));
  const d = t('int32', [2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]);
  assertClose(runNode('GatherND', [d, t('int64', [2, 1], [1, 0])], { batch_dims: 1 })[0], t('int32', [2, 2], [2, 3, 4, 5]));
  assertClose(runNode('GatherND', [d, t('int64', [2, 2], [0, 1, 1, 0])])[0], t('int32', [2, 2], [2, 3, 4, 5]));
});

test('ScatterElements reductions, ScatterND, TensorScatter circular', () => {
  const data = t('float32', [1, 3], [1, 2, 3]);
  const idx = t('int64', [1, 2], [1, 1]);
  const up = t('float32', [1, 2], [10, 20]);
  assertClose(runNode('ScatterElements', [data, idx, up], { axis: 1, reduction: 'add' })[0], t('float32', [1, 3], [1, 32, 3]));
  assertClose(runNode('ScatterElements', [data, idx, up], { axis: 1, reduction: 'max' })[0], t('float32', [1, 3], [1, 20, 3]));
  assertClose(runNode('ScatterElements', [data, t('int64', [1, 1], [-1]), t('float32', [1, 1], [7])], { axis: 1 })[0], t('float32', [1, 3], [1, 2, 7]));
  const nd = t('int64', [4], [1, 2, 3, 4]);
  assert.deepEqual(big(runNode('ScatterND', [nd, t('int64', [2, 1], [0, 0]), t('int64', [2], [5, 6])], { reduction: 'mul' })[0]), [30, 2, 3, 4]);
  const cache = t('float32', [1, 1, 3, 1], [0, 0, 0]);
  assertClose(runNode('TensorScatter', [cache, t('float32', [1, 1, 2, 1], [8, 9]), t('int64', [1], [2])], { mode: 'circular' })[0], t('float32', [1, 1, 3, 1], [9, 0, 8]));
});

test('OneHot, Compress, NonZero', () => {
  assertClose(runNode('OneHot', [t('int64', [2], [1, -1]), t('float32', [], [3]), t('float32', [2], [0, 5])])[0], t('float32', [2, 3], [0, 5, 0, 0, 0, 5]));
  assertClose(runNode('OneHot', [t('int64', [2], [0, 7]), t('int64', [], [2]), t('int32', [2], [-1, 1])], { axis: 0 })[0], t('int32', [2, 2], [1, -1, -1, -1]));
  assertClose(runNode('Compress', [t('float32', [2, 2], [1, 2, 3, 4]), t('bool', [2], [0, 1])], { axis: 1 })[0], t('float32', [2, 1], [2, 4]));
  assertClose(runNode('Compress', [t('float32', [2, 2], [1, 2, 3, 4]), t('bool', [3], [1, 0, 1])])[0], t('float32', [2], [1, 3]));
  assert.deepEqual(big(runNode('NonZero', [t('float32', [2, 2], [1, 0, 0, 3])])[0]), [0, 1, 0, 1]);
});

test('Unique sorted/unsorted with all four outputs, and along an axis', () => {
  const x = t('float32', [6], [2, 1, 1, 3, 4, 3]);
  const [y, i, inv, c] = runNode('Unique', [x], { sorted: 0 }, { outputs: 4 });
  assert.deepEqual([...out(y).data], [2, 1, 3, 4]);
  assert.deepEqual(big(i), [0, 1, 3, 4]);
  assert.deepEqual(big(inv), [0, 1, 1, 2, 3, 2]);
  assert.deepEqual(big(c), [1, 2, 2, 1]);
  const [ys, is, invs, cs] = runNode('Unique', [x], {}, { outputs: 4 });
  assert.deepEqual([...out(ys).data], [1, 2, 3, 4]);
  assert.deepEqual(big(is), [1, 0, 3, 4]);
  assert.deepEqual(big(invs), [1, 0, 0, 2, 3, 2]);
  assert.deepEqual(big(cs), [2, 1, 2, 1]);
  const m = t('int32', [3, 2], [1, 0, 0, 1, 1, 0]);
  assertClose(runNode('Unique', [m], { axis: 0 }, { outputs: 4 })[0], t('int32', [2, 2], [0, 1, 1, 0]));
});

test('TopK: largest/smallest, stable ties, uint64', () => {
  const x = t('float32', [1, 5], [3, 1, 3, 2, 3]);
  const [v, i] = runNode('TopK', [x, t('int64', [1], [2])], {}, { outputs: 2 });
  assertClose(v, t('float32', [1, 2], [3, 3]));
  assert.deepEqual(big(i), [0, 2]);
  const [vs, is] = runNode('TopK', [x, t('int64', [1], [2])], { largest: 0 }, { outputs: 2 });
  assertClose(vs, t('float32', [1, 2], [1, 2]));
  assert.deepEqual(big(is), [1, 3]);
  const u = makeTensor('uint64', [3], new BigUint64Array([5n, 2n ** 63n, 1n]));
  const [vu] = runNode('TopK', [u, t('int64', [1], [1])], {}, { outputs: 2 });
  assert.deepEqual([...out(vu).data as BigUint64Array], [2n ** 63n]);
});

test('NonMaxSuppression: IoU suppression, score threshold, per-class limit', () => {
  const boxes = t('float32', [1, 3, 4], [0, 0, 1, 1, 0, 0.1, 1, 1.1, 0, 10, 1, 11]);
  const scores = t('float32', [1, 1, 3], [0.9, 0.8, 0.7]);
  const sel = runNode('NonMaxSuppression', [boxes, scores, t('int64', [1], [3]), t('float32', [1], [0.5]), t('float32', [1], [0])])[0];
  assert.deepEqual(big(sel), [0, 0, 0, 0, 0, 2]);
  const none = runNode('NonMaxSuppression', [boxes, scores])[0];
  assert.deepEqual(out(none).dims, [0, 3]);
});

test('inference: Gather folds shape values, symbolic dims elsewhere', () => {
  const node: Node = { name: 'g', opType: 'Gather', domain: '', inputs: ['a', 'b'], outputs: ['y'], attributes: new Map() };
  const infer = schemas.find((s) => s.opType === 'Gather')!.infer!;
  const [f] = infer(makeInferContext(node, 13, [{ dtype: 'int64', shape: [3], value: int64Tensor([4, 5, 6]) }, { dtype: 'int64', shape: [], value: int64Tensor([2], []) }]));
  assert.deepEqual(big(f!.value), [6]);
  const [s] = infer(makeInferContext(node, 13, [{ dtype: 'float32', shape: ['V', 16] }, { dtype: 'int64', shape: ['B', 'S'] }]));
  assert.deepEqual(s!.shape, ['B', 'S', 16]);
});
