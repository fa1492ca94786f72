import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t, assertClose, randomFloats, f } from '../helpers.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { makeTensor } from '../../src/tensor/tensor.js';

const x = t('float32', [5], [-2, -0.5, 0, 0.5, 2]);
const act = (op: string, attrs = {}, input: Tensor = x, opset = 22) => runNode(op, [input], attrs, { opset })[0];
const map = (fn: (v: number) => number) => t('float32', [5], [-2, -0.5, 0, 0.5, 2].map(fn));
const sig = (v: number) => 1 / (1 + Math.exp(-v));

test('piecewise activations', () => {
  assertClose(act('Relu'), map((v) => Math.max(0, v)));
  assertClose(act('Relu', {}, t('int32', [3], [-1, 0, 7])), t('int32', [3], [0, 0, 7]));
  assertClose(act('LeakyRelu', { alpha: 0.1 }), map((v) => (v < 0 ? 0.1 * v : v)));
  assertClose(act('ThresholdedRelu', { alpha: 0.4 }), map((v) => (v > 0.4 ? v : 0)));
  assertClose(act('HardSigmoid'), map((v) => Math.max(0, Math.min(1, 0.2 * v + 0.5))));
  assertClose(act('HardSwish'), map((v) => v * Math.max(0, Math.min(1, v / 6 + 0.5))));
  assertClose(act('Shrink', { lambd: 1, bias: f(0.5) }), map((v) => (v < -1 ? v + 0.5 : v > 1 ? v - 0.5 : 0)));
  assertClose(act('Softsign'), map((v) => v / (1 + Math.abs(v))));
});

test('exponential activations', () => {
  assertClose(act('Sigmoid'), map(sig));
  assertClose(act('Tanh'), map(Math.tanh));
  assertClose(act('Elu', { alpha: 2 }), map((v) => (v < 0 ? 2 * (Math.exp(v) - 1) : v)));
  assertClose(act('Selu'), map((v) => (v > 0 ? 1.0507009873554805 * v : 1.0507009873554805 * 1.6732632423543772 * (Math.exp(v) - 1))));
  assertClose(act('Celu', { alpha: 2 }), map((v) => Math.max(0, v) + Math.min(0, 2 * (Math.exp(v / 2) - 1))));
  assertClose(act('Softplus'), map((v) => Math.log(1 + Math.exp(v))));
  assertClose(act('Mish'), map((v) => v * Math.tanh(Math.log(1 + Math.exp(v)))));
  assertClose(act('Swish', { alpha: 2 }, x, 24), map((v) => v * sig(2 * v)));
  assertClose(act('Gelu', { approximate: 'tanh' }), map((v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))));
  // erf(-sqrt2)=-0.9544997361, erf(-0.5/sqrt2)=-0.3829249225
  assertClose(act('Gelu'), t('float32', [5], [-2 * 0.5 * (1 - 0.9544997361), -0.25 * (1 - 0.3829249225), 0, 0.25 * 1.3829249225, 1.9544997361]));
  // extreme inputs stay finite
  assertClose(act('Sigmoid', {}, t('float32', [2], [-1000, 1000])), t('float32', [2], [0, 1]));
  assertClose(act('Softplus', {}, t('float32', [2], [-1000, 1000])), t('float32', [2], [0, 1000]));
});

test('PRelu broadcasts the slope', () => {
  const y = t('float32', [2, 2], [-1, 1, -2, 2]);
  assertClose(runNode('PRelu', [y, t('float32', [2], [0.5, 0.25])])[0], t('float32', [2, 2], [-0.5, 1, -1, 2]));
});

test('Relu and Sigmoid over a large float32 tensor', () => {
  const n = 1 << 16;
  const v = randomFloats(n, 7, -5, 5);
  const r = runNode('Relu', [makeTensor('float32', [n], v)])[0] as Tensor;
  const s = runNode('Sigmoid', [makeTensor('float32', [n], v)])[0] as Tensor;
  for (let i = 0; i < n; i += 997) {
    assert.equal((r.data as Float32Array)[i], Math.max(0, v[i]));
    assert.ok(Math.abs((s.data as Float32Array)[i] - sig(v[i])) < 1e-6);
  }
});
