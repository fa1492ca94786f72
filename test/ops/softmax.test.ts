import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t, assertClose } from '../helpers.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const x = t('float32', [2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]);
const sm = (v: number[]) => { const m = Math.max(...v); const e = v.map((a) => Math.exp(a - m)); const s = e.reduce((a, b) => a + b); return e.map((a) => a / s); };

test('Softmax (opset 13) normalizes along the last axis by default', () => {
  const out = runNode('Softmax', [x], {}, { opset: 13 })[0];
  const p = sm([0, 1]);
  assertClose(out, t('float32', [2, 2, 2], [...p, ...p, ...p, ...p]));
  const a0 = runNode('Softmax', [x], { axis: 0 }, { opset: 13 })[0];
  const q = sm([0, 4]);
  assertClose(a0, t('float32', [2, 2, 2], [q[0], q[0], q[0], q[0], q[1], q[1], q[1], q[1]]));
});

test('Softmax before opset 13 coerces to 2D at axis (default 1)', () => {
  const out = runNode('Softmax', [x], {}, { opset: 11 })[0];
  const p = sm([0, 1, 2, 3]);
  assertClose(out, t('float32', [2, 2, 2], [...p, ...p]));
});

test('LogSoftmax is stable for large inputs; Hardmax picks the first maximum', () => {
  const out = runNode('LogSoftmax', [t('float32', [1, 3], [1000, 1000, 1000])], {}, { opset: 13 })[0];
  assertClose(out, t('float32', [1, 3], [-Math.log(3), -Math.log(3), -Math.log(3)]));
  const h = runNode('Hardmax', [t('float32', [2, 3], [1, 3, 3, 5, 0, 5])], {}, { opset: 13 })[0];
  assertClose(h, t('float32', [2, 3], [0, 1, 0, 1, 0, 0]));
  const h11 = runNode('Hardmax', [t('float32', [2, 1, 2], [1, 3, 5, 0])], { axis: 1 }, { opset: 11 })[0] as Tensor;
  assertClose(h11, t('float32', [2, 1, 2], [0, 1, 1, 0]));
  assert.throws(() => runNode('Softmax', [t('int32', [2], [1, 2])]), /float/);
});
