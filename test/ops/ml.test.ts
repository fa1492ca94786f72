/** ai.onnx.ml family: expected values derived by hand from the ONNX-ML operator spec. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t, assertClose } from '../helpers.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import type { Attribute } from '../../src/ir/graph.js';

const floats = (value: number[]): Attribute => ({ type: 'floats', value });

const ml = { domain: 'ai.onnx.ml', opset: 3 };
const nums = (v: unknown): number[] => Array.from((v as Tensor).data as ArrayLike<number | bigint>, Number);

test('Binarizer thresholds', () => {
  const [y] = runNode('Binarizer', [t('float32', [4], [0.5, 1, 1.5, -2])], { threshold: 0.9 }, ml);
  assert.deepEqual(nums(y), [0, 1, 1, 0]);
});

test('ArrayFeatureExtractor picks last-axis columns', () => {
  const [y] = runNode('ArrayFeatureExtractor', [t('float32', [2, 3], [1, 2, 3, 4, 5, 6]), t('int64', [2], [2, 0])], {}, ml);
  assert.deepEqual((y as Tensor).dims, [2, 2]);
  assert.deepEqual(nums(y), [3, 1, 6, 4]);
});

test('LabelEncoder string -> int64 with default, and tensor attributes', () => {
  const x = makeTensor('string', [3], ['b', 'z', 'a']);
  const [y] = runNode('LabelEncoder', [x], { keys_strings: ['a', 'b'], values_int64s: [7, 8], default_int64: 5 }, ml);
  assert.deepEqual(nums(y), [8, 5, 7]);
  const [z] = runNode('LabelEncoder', [t('int64', [2], [1, 3])], { keys_tensor: t('int64', [2], [1, 2]), values_tensor: makeTensor('string', [2], ['one', 'two']) }, { domain: 'ai.onnx.ml', opset: 4 });
  assert.deepEqual((z as Tensor).data, ['one', '_Unused']);
});

test('Scaler, Normalizer, Imputer, OneHotEncoder', () => {
  assertClose(runNode('Scaler', [t('float32', [2, 2], [1, 2, 3, 4])], { offset: floats([1, 2]), scale: [2, 0.5] }, ml)[0] as Tensor, t('float32', [2, 2], [0, 0, 4, 1]));
  assertClose(runNode('Normalizer', [t('float32', [1, 2], [3, 4])], { norm: 'L2' }, ml)[0] as Tensor, t('float32', [1, 2], [0.6, 0.8]));
  assertClose(runNode('Imputer', [t('float32', [3], [1, NaN, 3])], { imputed_value_floats: [9.5], replaced_value_float: NaN }, ml)[0] as Tensor, t('float32', [3], [1, 9.5, 3]));
  const [oh] = runNode('OneHotEncoder', [t('int64', [2], [3, 1])], { cats_int64s: [1, 2, 3] }, ml);
  assert.deepEqual(nums(oh), [0, 0, 1, 1, 0, 0]);
});

test('TreeEnsemble (opset 5): one tree, LEQ splits, SUM', () => {
  // node0: x0 <= 3 ? node1 : leaf1 ; node1: x0 <= 1 ? leaf0 : leaf2
  const attrs = {
    n_targets: 2, aggregate_function: 1, post_transform: 0, tree_roots: [0],
    nodes_featureids: [0, 0], nodes_modes: t('uint8', [2], [0, 0]), nodes_splits: t('float32', [2], [3, 1]),
    nodes_truenodeids: [1, 0], nodes_trueleafs: [0, 1], nodes_falsenodeids: [1, 2], nodes_falseleafs: [1, 1],
    leaf_targetids: [0, 1, 1], leaf_weights: t('float32', [3], [10, 20, 30]),
  };
  const [y] = runNode('TreeEnsemble', [t('float32', [3, 1], [0.5, 2, 7])], attrs, { domain: 'ai.onnx.ml', opset: 5 });
  assert.deepEqual(nums(y), [10, 0, 0, 30, 0, 20]);
});

test('TreeEnsembleRegressor (opset 3): two stumps, AVERAGE', () => {
  const attrs = {
    n_targets: 1, aggregate_function: 'AVERAGE',
    nodes_treeids: [0, 0, 0, 1, 1, 1], nodes_nodeids: [0, 1, 2, 0, 1, 2], nodes_featureids: [0, 0, 0, 1, 0, 0],
    nodes_modes: ['BRANCH_LT', 'LEAF', 'LEAF', 'BRANCH_GT', 'LEAF', 'LEAF'], nodes_values: floats([0.5, 0, 0, 0.5, 0, 0]),
    nodes_truenodeids: [1, 0, 0, 1, 0, 0], nodes_falsenodeids: [2, 0, 0, 2, 0, 0],
    target_treeids: [0, 0, 1, 1], target_nodeids: [1, 2, 1, 2], target_ids: [0, 0, 0, 0], target_weights: floats([1, 3, 10, 20]),
  };
  const [y] = runNode('TreeEnsembleRegressor', [t('float32', [2, 2], [0, 1, 1, 0])], attrs, ml);
  assertClose(y as Tensor, t('float32', [2, 1], [5.5, 11.5]));
});
