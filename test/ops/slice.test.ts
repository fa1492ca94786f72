import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t, assertClose } from '../helpers.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { schemas } from '../../src/ops/slice.js';
import { makeInferContext, type ValueMeta } from '../../src/ops/schema.js';
import type { Node } from '../../src/ir/graph.js';
import { int64Tensor } from '../../src/backends/cpu/kernels/shape/raw.js';

const out = (v: unknown) => v as Tensor;
const iota = (n: number) => Array.from({ length: n }, (_, i) => i);

test('Slice: negative and huge ends, negative steps, attrs before opset 10', () => {
  const x = t('float32', [3, 4], iota(12));
  const big = 2 ** 62;
  assertClose(runNode('Slice', [x, t('int64', [2], [1, -3]), t('int64', [2], [big, big])])[0], t('float32', [2, 3], [5, 6, 7, 9, 10, 11]));
  assertClose(runNode('Slice', [x, t('int64', [1], [-1]), t('int64', [1], [-big]), t('int64', [1], [1]), t('int64', [1], [-2])])[0], t('float32', [3, 2], [3, 1, 7, 5, 11, 9]));
  assertClose(runNode('Slice', [x], { starts: [1], ends: [2] }, { opset: 9 })[0], t('float32', [1, 4], [4, 5, 6, 7]));
  const s = makeTensor('string', [3], ['a', 'b', 'c']);
  assert.deepEqual(out(runNode('Slice', [s, t('int64', [1], [0]), t('int64', [1], [3]), t('int64', [1], [0]), t('int64', [1], [2])])[0]).data, ['a', 'c']);
});

test('Split: attr, input, num_outputs (uneven)', () => {
  const x = t('int64', [5], [1, 2, 3, 4, 5]);
  const parts = runNode('Split', [x], { num_outputs: 3 }, { opset: 18, outputs: 3 }).map(out);
  assert.deepEqual(parts.map((p) => p.dims), [[2], [2], [1]]);
  const p2 = runNode('Split', [x, t('int64', [2], [1, 4])], {}, { opset: 13, outputs: 2 }).map(out);
  assert.deepEqual([...p2[1].data as BigInt64Array], [2n, 3n, 4n, 5n]);
  const p3 = runNode('Split', [t('float32', [2, 2], [1, 2, 3, 4])], { axis: 1, split: [1, 1] }, { opset: 11, outputs: 2 }).map(out);
  assert.deepEqual([...p3[0].data], [1, 3]);
});

test('Concat along inner axis and for bool', () => {
  assertClose(runNode('Concat', [t('float32', [2, 1], [1, 2]), t('float32', [2, 2], [3, 4, 5, 6])], { axis: -1 })[0], t('float32', [2, 3], [1, 3, 4, 2, 5, 6]));
  assert.deepEqual([...out(runNode('Concat', [t('bool', [1], [1]), t('bool', [2], [0, 1])], { axis: 0 })[0]).data as Uint8Array], [1, 0, 1]);
});

test('Pad modes: constant (value, axes), reflect, edge, wrap, negative pads crop', () => {
  const x = t('float32', [3], [1, 2, 3]);
  const pads = t('int64', [2], [2, 2]);
  assertClose(runNode('Pad', [x, pads, t('float32', [], [9])])[0], t('float32', [7], [9, 9, 1, 2, 3, 9, 9]));
  assertClose(runNode('Pad', [x, pads], { mode: 'reflect' })[0], t('float32', [7], [3, 2, 1, 2, 3, 2, 1]));
  assertClose(runNode('Pad', [x, pads], { mode: 'edge' })[0], t('float32', [7], [1, 1, 1, 2, 3, 3, 3]));
  assertClose(runNode('Pad', [x, pads], { mode: 'wrap' })[0], t('float32', [7], [2, 3, 1, 2, 3, 1, 2]));
  assertClose(runNode('Pad', [x, t('int64', [2], [-1, 1])])[0], t('float32', [3], [2, 3, 0]));
  const m = t('int32', [2, 2], [1, 2, 3, 4]);
  assertClose(runNode('Pad', [m, t('int64', [2], [1, 0]), undefined, t('int64', [1], [-1])])[0], t('int32', [2, 3], [0, 1, 2, 0, 3, 4]));
  assertClose(runNode('Pad', [m], { pads: [0, 0, 1, 0], value: 1.5 }, { opset: 10 })[0], t('int32', [3, 2], [1, 2, 3, 4, 1, 1]));
});

test('DepthToSpace DCR/CRD and SpaceToDepth invert each other', () => {
  const x = t('float32', [1, 4, 1, 1], [1, 2, 3, 4]);
  assertClose(runNode('DepthToSpace', [x], { blocksize: 2 })[0], t('float32', [1, 1, 2, 2], [1, 2, 3, 4]));
  const y = t('float32', [1, 8, 1, 1], iota(8));
  // CRD: channel c*4 + (i*2+j); DCR: (i*2+j)*C + c
  assertClose(runNode('DepthToSpace', [y], { blocksize: 2, mode: 'CRD' })[0], t('float32', [1, 2, 2, 2], iota(8)));
  assertClose(runNode('DepthToSpace', [y], { blocksize: 2 })[0], t('float32', [1, 2, 2, 2], [0, 2, 4, 6, 1, 3, 5, 7]));
  const z = t('float32', [1, 1, 2, 4], iota(8));
  const d = runNode('SpaceToDepth', [z], { blocksize: 2 })[0];
  assertClose(runNode('DepthToSpace', [d], { blocksize: 2 })[0], z);
});

test('Trilu, ReverseSequence, CenterCropPad', () => {
  const x = t('float32', [3, 3], iota(9).map((v) => v + 1));
  assertClose(runNode('Trilu', [x])[0], t('float32', [3, 3], [1, 2, 3, 0, 5, 6, 0, 0, 9]));
  assertClose(runNode('Trilu', [x, t('int64', [], [-1])], { upper: 0 })[0], t('float32', [3, 3], [0, 0, 0, 4, 0, 0, 7, 8, 0]));
  const s = t('float32', [3, 2], [1, 10, 2, 20, 3, 30]); // [time, batch]
  assertClose(runNode('ReverseSequence', [s, t('int64', [2], [2, 3])])[0], t('float32', [3, 2], [2, 30, 1, 20, 3, 10]));
  assertClose(runNode('CenterCropPad', [t('float32', [4], [1, 2, 3, 4]), t('int64', [1], [2])])[0], t('float32', [2], [2, 3]));
  assertClose(runNode('CenterCropPad', [t('float32', [2], [1, 2]), t('int64', [1], [5])])[0], t('float32', [5], [0, 1, 2, 0, 0]));
});

test('inference: Slice/Concat fold small int64 values; symbolic dims survive', () => {
  const node = (op: string, n: number): Node => ({ name: 'n', opType: op, domain: '', inputs: iota(n).map((i) => `i${i}`), outputs: ['y'], attributes: new Map([['axis', { type: 'int', value: 0 }]]) });
  const run = (op: string, ins: ValueMeta[]) => schemas.find((s) => s.opType === op)!.infer!(makeInferContext(node(op, ins.length), 21, ins))[0]!;
  const c = (v: number[]): ValueMeta => ({ dtype: 'int64', shape: [v.length], value: int64Tensor(v) });
  const cat = run('Concat', [c([1, 2]), c([3])]);
  assert.deepEqual([...(cat.value!.data as BigInt64Array)], [1n, 2n, 3n]);
  const sl = run('Slice', [c([5, 6, 7]), c([1]), c([100])]);
  assert.deepEqual([...(sl.value!.data as BigInt64Array)], [6n, 7n]);
  const sym = run('Slice', [{ dtype: 'float32', shape: ['N', 8] }, c([2]), c([6]), c([1])]);
  assert.deepEqual(sym.shape, ['N', 4]);
  assert.deepEqual(run('Concat', [{ dtype: 'float32', shape: [2, 'C'] }, { dtype: 'float32', shape: [3, 'C'] }]).shape, [5, 'C']);
});
