import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t, assertClose } from '../helpers.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { getSchema } from '../../src/ops/registry.js';
import { makeInferContext } from '../../src/ops/schema.js';
import type { Node } from '../../src/ir/graph.js';

const x = t('float32', [2, 3], [1, 2, 3, 4, 5, 6]);
const r = (op: string, ins: (Tensor | undefined)[], attrs = {}, opset = 18) => runNode(op, ins, attrs, { opset })[0] as Tensor;

test('reductions over an axis given as input (opset 18) and as attribute (opset 13)', () => {
  const ax1 = t('int64', [1], [1]);
  assertClose(r('ReduceSum', [x, ax1]), t('float32', [2, 1], [6, 15]));
  assertClose(r('ReduceMean', [x, ax1], { keepdims: 0 }), t('float32', [2], [2, 5]));
  assertClose(r('ReduceMax', [x, t('int64', [1], [0])]), t('float32', [1, 3], [4, 5, 6]));
  assertClose(r('ReduceMin', [x], { axes: [0] }, 13), t('float32', [1, 3], [1, 2, 3]));
  assertClose(r('ReduceProd', [x, ax1], { keepdims: 0 }), t('float32', [2], [6, 120]));
  assertClose(r('ReduceL1', [t('float32', [2], [-3, 4])]), t('float32', [1], [7]));
  assertClose(r('ReduceL2', [t('float32', [2], [-3, 4])], { keepdims: 0 }), t('float32', [], [5]));
  assertClose(r('ReduceSumSquare', [x, ax1], { keepdims: 0 }), t('float32', [2], [14, 77]));
  assertClose(r('ReduceLogSum', [x, ax1], { keepdims: 0 }), t('float32', [2], [Math.log(6), Math.log(15)]));
  assertClose(r('ReduceLogSumExp', [t('float32', [2], [1000, 1000])], { keepdims: 0 }), t('float32', [], [1000 + Math.LN2]));
  // ReduceSum takes axes as input from opset 13, the others as attribute until 17
  assertClose(r('ReduceSum', [x, t('int64', [1], [-1])], {}, 13), t('float32', [2, 1], [6, 15]));
  assertClose(r('ReduceMean', [x], { axes: [1], keepdims: 0 }, 17), t('float32', [2], [2, 5]));
});

test('empty axes: reduce all, or no-op with noop_with_empty_axes', () => {
  assertClose(r('ReduceSum', [x], { keepdims: 0 }), t('float32', [], [21]));
  assertClose(r('ReduceSum', [x, t('int64', [0], [])], { noop_with_empty_axes: 1 }), x);
});

test('reducing an empty set gives the identity element', () => {
  const e = t('float32', [2, 0, 4], []);
  const ax = t('int64', [1], [1]);
  assertClose(r('ReduceSum', [e, ax], { keepdims: 0 }), t('float32', [2, 4], new Array(8).fill(0)));
  assertClose(r('ReduceProd', [e, ax], { keepdims: 0 }), t('float32', [2, 4], new Array(8).fill(1)));
  assertClose(r('ReduceMax', [e, ax], { keepdims: 0 }), t('float32', [2, 4], new Array(8).fill(-Infinity)));
  assertClose(r('ReduceLogSumExp', [e, ax], { keepdims: 0 }), t('float32', [2, 4], new Array(8).fill(-Infinity)));
  assertClose(r('ReduceMin', [t('int32', [0], []), t('int64', [1], [0])], { keepdims: 0 }), t('int32', [], [2147483647]));
});

test('int64 reductions are exact', () => {
  const big = makeTensor('int64', [2], new BigInt64Array([9007199254740993n, 2n]));
  const s = r('ReduceSum', [big], { keepdims: 0 });
  assert.equal((s.data as BigInt64Array)[0], 9007199254740995n);
  const m = r('ReduceMax', [big], { keepdims: 0 });
  assert.equal((m.data as BigInt64Array)[0], 9007199254740993n);
});

test('ArgMax/ArgMin with keepdims and select_last_index', () => {
  const y = t('float32', [2, 3], [1, 3, 3, 2, 0, 0]);
  assertClose(r('ArgMax', [y], { axis: 1 }), t('int64', [2, 1], [1, 0]));
  assertClose(r('ArgMax', [y], { axis: 1, select_last_index: 1, keepdims: 0 }), t('int64', [2], [2, 0]));
  assertClose(r('ArgMin', [y], { axis: 0, keepdims: 0 }), t('int64', [3], [0, 1, 1]));
  assertClose(r('ArgMin', [y], { axis: -1, select_last_index: 1, keepdims: 0 }), t('int64', [2], [0, 2]));
});

test('shape inference reads constant axes', () => {
  const node: Node = { name: 'n', opType: 'ReduceMean', domain: '', inputs: ['x', 'a'], outputs: ['y'], attributes: new Map([['keepdims', { type: 'int', value: 0 }]]) };
  const out = getSchema('', 'ReduceMean')!.infer!(makeInferContext(node, 18, [{ dtype: 'float32', shape: ['N', 3, 4] }, { dtype: 'int64', shape: [1], value: t('int64', [1], [-1]) }]));
  assert.deepEqual(out[0], { dtype: 'float32', shape: ['N', 3] });
  const arg = getSchema('', 'ArgMax')!.infer!(makeInferContext({ ...node, opType: 'ArgMax', inputs: ['x'], attributes: new Map([['axis', { type: 'int', value: 1 }]]) }, 13, [{ dtype: 'float32', shape: [2, 3] }]));
  assert.deepEqual(arg[0], { dtype: 'int64', shape: [2, 1] });
});
