import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t, assertClose } from '../helpers.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';

const out = (v: unknown) => v as Tensor;

test('QuantizeLinear: round half to even, saturate, per-axis, int4, default uint8', () => {
  const x = t('float32', [6], [0, 1, 2.5, 3.5, -300, 1000]);
  const y = out(runNode('QuantizeLinear', [x, t('float32', [], [1]), t('int8', [], [0])])[0]);
  assert.deepEqual([...y.data], [0, 1, 2, 4, -128, 127]);
  const u = out(runNode('QuantizeLinear', [t('float32', [2], [-1, 10]), t('float32', [], [2])])[0]);
  assert.equal(u.dtype, 'uint8');
  assert.deepEqual([...u.data], [0, 5]);
  const pa = out(runNode('QuantizeLinear', [t('float32', [2, 2], [2, 2, 2, 2]), t('float32', [2], [1, 2]), t('uint8', [2], [0, 10])], { axis: 1 })[0]);
  assert.deepEqual([...pa.data], [2, 11, 2, 11]);
  const i4 = out(runNode('QuantizeLinear', [t('float32', [3], [-20, 3, 20]), t('float32', [], [1]), makeTensor('int4', [], new Int8Array([1]))])[0]);
  assert.equal(i4.dtype, 'int4');
  assert.deepEqual([...i4.data], [-8, 4, 7]);
});

test('QuantizeLinear blocked and DequantizeLinear blocked round-trip', () => {
  const x = t('float32', [1, 4], [1, 2, 30, 40]);
  const scale = t('float32', [1, 2], [1, 10]);
  const q = out(runNode('QuantizeLinear', [x, scale, t('int8', [1, 2], [0, 0])], { axis: 1, block_size: 2 })[0]);
  assert.deepEqual([...q.data], [1, 2, 3, 4]);
  assertClose(runNode('DequantizeLinear', [q, scale, t('int8', [1, 2], [0, 0])], { axis: 1, block_size: 2 })[0], x);
});

test('DequantizeLinear per-tensor and per-axis', () => {
  assertClose(runNode('DequantizeLinear', [t('uint8', [3], [0, 128, 255]), t('float32', [], [2]), t('uint8', [], [128])])[0], t('float32', [3], [-256, 0, 254]));
  assertClose(runNode('DequantizeLinear', [t('int8', [2, 2], [1, 1, 1, 1]), t('float32', [2], [1, 3])], { axis: 0 })[0], t('float32', [2, 2], [1, 1, 3, 3]));
  assertClose(runNode('DequantizeLinear', [t('int32', [2], [5, -5]), t('float32', [], [0.5])])[0], t('float32', [2], [2.5, -2.5]));
});

test('DynamicQuantizeLinear', () => {
  const [y, s, z] = runNode('DynamicQuantizeLinear', [t('float32', [3], [0, 2, -1])], {}, { outputs: 3 }).map(out);
  // range [-1, 2] -> scale 3/255, zero point round(1/scale) = 85
  assert.ok(Math.abs((s.data as Float32Array)[0] - 3 / 255) < 1e-7);
  assert.equal((z.data as Uint8Array)[0], 85);
  assert.deepEqual([...y.data], [85, 255, 0]);
});

test('MatMulInteger with zero points; QLinearMatMul requantizes', () => {
  const a = t('uint8', [2, 2], [11, 12, 13, 14]);
  const b = t('uint8', [2, 1], [1, 2]);
  const r = out(runNode('MatMulInteger', [a, b, t('uint8', [], [10])])[0]);
  assert.equal(r.dtype, 'int32');
  assert.deepEqual([...r.data], [5, 11]);
  const q = out(runNode('QLinearMatMul', [a, t('float32', [], [0.5]), t('uint8', [], [10]), b, t('float32', [], [1]), t('uint8', [], [0]), t('float32', [], [1]), t('uint8', [], [100])])[0]);
  assert.deepEqual([...q.data], [102, 106]); // 5*0.5=2.5 -> 2 (half even), 11*0.5=5.5 -> 6
});

test('ConvInteger and QLinearConv (1x1 and 3x3 with padding)', () => {
  const x = t('uint8', [1, 1, 2, 2], [2, 3, 4, 5]);
  const w = t('uint8', [1, 1, 1, 1], [2]);
  assert.deepEqual([...out(runNode('ConvInteger', [x, w, t('uint8', [], [1])])[0]).data], [2, 4, 6, 8]);
  const w3 = t('int8', [1, 1, 3, 3], [1, 1, 1, 1, 1, 1, 1, 1, 1]);
  const c = out(runNode('ConvInteger', [t('int8', [1, 1, 2, 2], [1, 2, 3, 4]), w3], { pads: [1, 1, 1, 1] })[0]);
  assert.deepEqual([...c.data], [10, 10, 10, 10]);
  const q = out(runNode('QLinearConv', [x, t('float32', [], [1]), t('uint8', [], [0]), w, t('float32', [], [0.5]), t('uint8', [], [0]), t('float32', [], [1]), t('uint8', [], [1])])[0]);
  assert.deepEqual([...q.data], [3, 4, 5, 6]); // x*2*0.5 + 1 (2*0.5*... 3*1=3 ->3+1)
});
