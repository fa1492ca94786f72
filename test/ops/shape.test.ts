import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t, assertClose } from '../helpers.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { schemas } from '../../src/ops/shape.js';
import { makeInferContext, type ValueMeta } from '../../src/ops/schema.js';
import type { Attribute, Node } from '../../src/ir/graph.js';
import { int64Tensor } from '../../src/backends/cpu/kernels/shape/raw.js';

const out = (v: unknown) => v as Tensor;

function infer(opType: string, inputs: (ValueMeta | undefined)[], attrs: Record<string, Attribute> = {}, opset = 21) {
  const node: Node = { name: 'n', opType, domain: '', inputs: inputs.map((_, i) => `i${i}`), outputs: ['y'], attributes: new Map(Object.entries(attrs)) };
  return schemas.find((s) => s.opType === opType)!.infer!(makeInferContext(node, opset, inputs));
}

test('Reshape: 0 copies, -1 inferred, allowzero keeps 0', () => {
  const x = t('float32', [2, 3, 4], Array.from({ length: 24 }, (_, i) => i));
  assert.deepEqual(out(runNode('Reshape', [x, t('int64', [3], [0, -1, 2])])[0]).dims, [2, 6, 2]);
  assert.deepEqual(out(runNode('Reshape', [t('float32', [0, 3], []), t('int64', [2], [3, 0])], { allowzero: 1 })[0]).dims, [3, 0]);
  assert.throws(() => runNode('Reshape', [x, t('int64', [2], [5, -1])]), /cannot infer/);
  // opset 1-4: shape attribute
  assert.deepEqual(out(runNode('Reshape', [x], { shape: [4, 6] }, { opset: 4 })[0]).dims, [4, 6]);
});

test('Flatten/Squeeze/Unsqueeze honour axes attribute vs input by opset', () => {
  const x = t('float32', [1, 3, 1, 2], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(out(runNode('Flatten', [x], { axis: -1 })[0]).dims, [3, 2]);
  assert.deepEqual(out(runNode('Squeeze', [x])[0]).dims, [3, 2]);
  assert.deepEqual(out(runNode('Squeeze', [x, t('int64', [1], [-2])])[0]).dims, [1, 3, 2]);
  assert.deepEqual(out(runNode('Squeeze', [x], { axes: [0] }, { opset: 11 })[0]).dims, [3, 1, 2]);
  assert.deepEqual(out(runNode('Unsqueeze', [t('float32', [3], [1, 2, 3]), t('int64', [2], [2, 0])])[0]).dims, [1, 3, 1]);
  assert.deepEqual(out(runNode('Unsqueeze', [t('float32', [3], [1, 2, 3])], { axes: [-1] }, { opset: 11 })[0]).dims, [3, 1]);
});

test('Shape with start/end, Size', () => {
  const x = t('float32', [2, 3, 4, 5], new Array(120).fill(0));
  assert.deepEqual([...out(runNode('Shape', [x], { start: 1, end: -1 })[0]).data as BigInt64Array], [3n, 4n]);
  assert.deepEqual([...out(runNode('Shape', [x], { start: -10 })[0]).data as BigInt64Array], [2n, 3n, 4n, 5n]);
  assert.equal((out(runNode('Size', [x])[0]).data as BigInt64Array)[0], 120n);
});

test('Transpose moves raw elements for every dtype', () => {
  const x = t('float32', [2, 3], [1, 2, 3, 4, 5, 6]);
  assertClose(runNode('Transpose', [x])[0], t('float32', [3, 2], [1, 4, 2, 5, 3, 6]));
  const s = makeTensor('string', [2, 2], ['a', 'b', 'c', 'd']);
  assert.deepEqual(out(runNode('Transpose', [s], { perm: [1, 0] })[0]).data, ['a', 'c', 'b', 'd']);
  const h = makeTensor('float16', [1, 2, 2], new Uint16Array([0x3c00, 0x4000, 0x4200, 0x4400]));
  assert.deepEqual([...out(runNode('Transpose', [h], { perm: [2, 1, 0] })[0]).data as Uint16Array], [0x3c00, 0x4200, 0x4000, 0x4400]);
  const b = t('int64', [2, 1, 3], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual([...out(runNode('Transpose', [b], { perm: [2, 0, 1] })[0]).data as BigInt64Array], [1n, 4n, 2n, 5n, 3n, 6n]);
});

test('Expand and Tile', () => {
  const x = t('int32', [3, 1], [1, 2, 3]);
  assertClose(runNode('Expand', [x, t('int64', [3], [2, 1, 2])])[0], t('int32', [2, 3, 2], [1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3]));
  assertClose(runNode('Tile', [t('float32', [2, 2], [1, 2, 3, 4]), t('int64', [2], [2, 1])])[0], t('float32', [4, 2], [1, 2, 3, 4, 1, 2, 3, 4]));
  const s = makeTensor('string', [2], ['x', 'y']);
  assert.deepEqual(out(runNode('Tile', [s, t('int64', [1], [3])])[0]).data, ['x', 'y', 'x', 'y', 'x', 'y']);
});

test('Constant, ConstantOfShape, EyeLike, Range, Dropout', () => {
  assert.deepEqual([...out(runNode('Constant', [], { value_ints: [4, 5] })[0]).data as BigInt64Array], [4n, 5n]);
  const c = out(runNode('ConstantOfShape', [t('int64', [2], [2, 2])], { value: t('int32', [1], [7]) })[0]);
  assert.deepEqual([...c.data as Int32Array], [7, 7, 7, 7]);
  assertClose(runNode('EyeLike', [t('float32', [2, 3], new Array(6).fill(5))], { k: 1 })[0], t('float32', [2, 3], [0, 1, 0, 0, 0, 1]));
  assertClose(runNode('Range', [t('float32', [], [1]), t('float32', [], [2]), t('float32', [], [0.25])])[0], t('float32', [4], [1, 1.25, 1.5, 1.75]));
  assert.deepEqual([...out(runNode('Range', [t('int64', [], [10]), t('int64', [], [4]), t('int64', [], [-3])])[0]).data as BigInt64Array], [10n, 7n]);
  const [y, mask] = runNode('Dropout', [t('float32', [2], [1, 2])], {}, { outputs: 2 }).map(out);
  assert.deepEqual([...y.data], [1, 2]);
  assert.equal(mask.dtype, 'bool');
  assert.deepEqual([...mask.data as Uint8Array], [1, 1]);
  assert.throws(() => runNode('Dropout', [t('float32', [1], [1]), t('float32', [], [0.5]), t('bool', [], [1])]), /random/);
});

test('inference: Shape of a concrete tensor folds; Reshape solves -1 over symbols', () => {
  const [s] = infer('Shape', [{ dtype: 'float32', shape: [2, 3, 4] }]);
  assert.deepEqual([...(s!.value!.data as BigInt64Array)], [2n, 3n, 4n]);
  const [sym] = infer('Shape', [{ dtype: 'float32', shape: ['N', 3] }]);
  assert.deepEqual(sym!.shape, [2]);
  assert.equal(sym!.value, undefined);
  const [r] = infer('Reshape', [{ dtype: 'float32', shape: ['N', 3, 4] }, { dtype: 'int64', shape: [2], value: int64Tensor([0, -1]) }]);
  assert.deepEqual(r!.shape, ['N', 12]);
  const [u] = infer('Unsqueeze', [{ dtype: 'int64', shape: [], value: int64Tensor([7], []) }, { dtype: 'int64', shape: [1], value: int64Tensor([0]) }]);
  assert.deepEqual([...(u!.value!.data as BigInt64Array)], [7n]);
  assert.deepEqual(u!.shape, [1]);
  const [e] = infer('Expand', [{ dtype: 'float32', shape: ['B', 1] }, { dtype: 'int64', shape: [2], value: int64Tensor([1, 5]) }]);
  assert.deepEqual(e!.shape, ['B', 5]);
  const [k] = infer('Constant', [], { value_float: { type: 'float', value: 2.5 } });
  assert.equal((k!.value!.data as Float32Array)[0], 2.5);
});

test('inference never folds large outputs: Range of 10^8 gives its length only', () => {
  const s = (v: number) => ({ dtype: 'int64' as const, shape: [], value: int64Tensor([v], []) });
  const [r] = infer('Range', [s(0), s(1e8), s(1)]);
  assert.deepEqual(r!.shape, [1e8]);
  assert.equal(r!.value, undefined);
  const [c] = infer('ConstantOfShape', [{ dtype: 'int64', shape: [2], value: int64Tensor([1e4, 1e4]) }]);
  assert.deepEqual(c!.shape, [1e4, 1e4]);
  assert.equal(c!.value, undefined);
});
