import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t, assertClose } from '../helpers.js';
import type { OptionalValue, SequenceValue } from '../../src/ir/value.js';
import type { Graph } from '../../src/ir/graph.js';
import { TensorJetError } from '../../src/errors.js';

const a = t('float32', [2], [1, 2]);
const b = t('float32', [2], [3, 4]);
const c = t('float32', [2], [5, 6]);
const seqOf = (...items: ReturnType<typeof t>[]): SequenceValue => ({ kind: 'sequence', items, elemDtype: 'float32' });
const items = (v: unknown) => (v as SequenceValue).items.map((x) => [...(x.data as Float32Array)]);

test('SequenceEmpty / Construct / Length', () => {
  const [e] = runNode('SequenceEmpty', [], { dtype: 7 });
  assert.deepEqual(e, { kind: 'sequence', items: [], elemDtype: 'int64' });
  const [s] = runNode('SequenceConstruct', [a, b]);
  assert.deepEqual(items(s), [[1, 2], [3, 4]]);
  assert.deepEqual([...(runNode('SequenceLength', [s])[0] as { data: BigInt64Array }).data], [2n]);
  assert.throws(() => runNode('SequenceConstruct', [a, t('int32', [1], [1])]), TensorJetError);
});

test('SequenceInsert / Erase / At with positive, negative and default positions', () => {
  const s = seqOf(a, b);
  assert.deepEqual(items(runNode('SequenceInsert', [s, c])[0]), [[1, 2], [3, 4], [5, 6]]);
  assert.deepEqual(items(runNode('SequenceInsert', [s, c, t('int64', [], [0])])[0]), [[5, 6], [1, 2], [3, 4]]);
  assert.deepEqual(items(runNode('SequenceInsert', [s, c, t('int32', [], [-1])])[0]), [[1, 2], [5, 6], [3, 4]]);
  assert.throws(() => runNode('SequenceInsert', [s, c, t('int64', [], [3])]), /out of range/);
  assert.deepEqual(items(runNode('SequenceErase', [s])[0]), [[1, 2]]);
  assert.deepEqual(items(runNode('SequenceErase', [s, t('int64', [], [-2])])[0]), [[3, 4]]);
  assertClose(runNode('SequenceAt', [s, t('int64', [], [-1])])[0], b);
  assert.throws(() => runNode('SequenceAt', [s, t('int64', [], [2])]), /out of range/);
  assert.equal(s.items.length, 2, 'inputs are not mutated');
});

test('SplitToSequence: default, scalar split, list split, keepdims=0', () => {
  const x = t('float32', [3, 2], [1, 2, 3, 4, 5, 6]);
  const s1 = runNode('SplitToSequence', [x])[0] as SequenceValue;
  assert.deepEqual(s1.items.map((i) => i.dims), [[1, 2], [1, 2], [1, 2]]);
  const s2 = runNode('SplitToSequence', [x], { keepdims: 0 })[0] as SequenceValue;
  assert.deepEqual(s2.items.map((i) => i.dims), [[2], [2], [2]]);
  const s3 = runNode('SplitToSequence', [x, t('int64', [], [2])])[0] as SequenceValue;
  assert.deepEqual(items(s3), [[1, 2, 3, 4], [5, 6]]);
  const s4 = runNode('SplitToSequence', [x, t('int64', [2], [1, 1])], { axis: 1 })[0] as SequenceValue;
  assert.deepEqual(items(s4), [[1, 3, 5], [2, 4, 6]]);
  assert.throws(() => runNode('SplitToSequence', [x, t('int64', [2], [1, 1])]), /sum to 3/);
});

test('ConcatFromSequence with and without new_axis', () => {
  const s = seqOf(a, b, c);
  assertClose(runNode('ConcatFromSequence', [s], { axis: 0 })[0], t('float32', [6], [1, 2, 3, 4, 5, 6]));
  assertClose(runNode('ConcatFromSequence', [s], { axis: 0, new_axis: 1 })[0], t('float32', [3, 2], [1, 2, 3, 4, 5, 6]));
  assertClose(runNode('ConcatFromSequence', [s], { axis: -1, new_axis: 1 })[0], t('float32', [2, 3], [1, 3, 5, 2, 4, 6]));
  const strs = { kind: 'sequence', items: [t('string', [1], ['x']), t('string', [2], ['y', 'z'])] } as SequenceValue;
  assert.deepEqual((runNode('ConcatFromSequence', [strs], { axis: 0 })[0] as { data: string[] }).data, ['x', 'y', 'z']);
});

test('SequenceMap runs the body per element, with tensor and sequence extra inputs', () => {
  const body: Graph = {
    name: 'body',
    nodes: [{ name: 'add', opType: 'Add', domain: '', inputs: ['e', 'k'], outputs: ['o'], attributes: new Map() }],
    inputs: [{ name: 'e', type: { kind: 'tensor', dtype: 'float32' } }, { name: 'k', type: { kind: 'tensor', dtype: 'float32' } }],
    outputs: [{ name: 'o', type: { kind: 'tensor', dtype: 'float32' } }],
    constants: new Map(),
    valueInfo: new Map(),
  };
  const s = seqOf(a, b);
  assert.deepEqual(items(runNode('SequenceMap', [s, t('float32', [1], [10])], { body: { type: 'graph', value: body } })[0]), [[11, 12], [13, 14]]);
  assert.deepEqual(items(runNode('SequenceMap', [s, seqOf(c, c)], { body: { type: 'graph', value: body } })[0]), [[6, 8], [8, 10]]);
});

test('Optional / OptionalHasElement / OptionalGetElement', () => {
  const [some] = runNode('Optional', [a]);
  const [none] = runNode('Optional', [undefined], { type: JSON.stringify({ kind: 'tensor', dtype: 'float32' }) });
  assert.deepEqual(none, { kind: 'optional', value: null });
  const has = (v: unknown) => (runNode('OptionalHasElement', [v as OptionalValue])[0] as { data: Uint8Array }).data[0];
  assert.equal(has(some), 1);
  assert.equal(has(none), 0);
  assert.equal(has(a), 1); // opset 18: a plain tensor counts as present
  assert.equal((runNode('OptionalHasElement', [undefined])[0] as { data: Uint8Array }).data[0], 0);
  assertClose(runNode('OptionalGetElement', [some])[0], a);
  assertClose(runNode('OptionalGetElement', [a])[0], a);
  assert.throws(() => runNode('OptionalGetElement', [none]), /empty/);
});
