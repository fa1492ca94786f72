import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t, assertClose } from '../helpers.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const sig = (x: number) => 1 / (1 + Math.exp(-x));

test('RNN: h_t = tanh(x W + h R + b), forward and reverse', () => {
  const x = t('float32', [2, 1, 1], [1, 2]);
  const W = t('float32', [1, 1, 1], [0.5]), R = t('float32', [1, 1, 1], [0.25]);
  const B = t('float32', [1, 2], [0.1, 0]);
  const h1 = Math.tanh(0.5 + 0.1), h2 = Math.tanh(1 + 0.25 * h1 + 0.1);
  const [y, yh] = runNode('RNN', [x, W, R, B], { hidden_size: 1 }, { outputs: 2 });
  assertClose(y, t('float32', [2, 1, 1, 1], [h1, h2]));
  assertClose(yh, t('float32', [1, 1, 1], [h2]));
  const r1 = Math.tanh(1 + 0.1), r0 = Math.tanh(0.5 + 0.25 * r1 + 0.1);
  const [yr] = runNode('RNN', [x, W, R, B], { hidden_size: 1, direction: 'reverse' });
  assertClose(yr, t('float32', [2, 1, 1, 1], [r0, r1]));
});

test('GRU one step, both linear_before_reset settings', () => {
  const x = t('float32', [1, 1, 1], [1]);
  const W = t('float32', [1, 3, 1], [1, 1, 1]), R = t('float32', [1, 3, 1], [1, 1, 1]);
  const h0 = t('float32', [1, 1, 1], [0.5]);
  const z = sig(1.5), r = sig(1.5);
  for (const lbr of [0, 1]) {
    const ht = Math.tanh(1 + r * 0.5); // same either way with zero biases
    const [y] = runNode('GRU', [x, W, R, undefined, undefined, h0], { hidden_size: 1, linear_before_reset: lbr });
    assertClose(y, t('float32', [1, 1, 1, 1], [(1 - z) * ht + z * 0.5]));
  }
});

test('LSTM one step with peepholes and initial cell', () => {
  const x = t('float32', [1, 1, 1], [1]);
  const W = t('float32', [1, 4, 1], [1, 1, 1, 1]), R = t('float32', [1, 4, 1], [0, 0, 0, 0]);
  const c0 = t('float32', [1, 1, 1], [2]);
  const P = t('float32', [1, 3], [0.5, 0.25, 0.125]);
  const i = sig(1 + 0.5 * 2), f = sig(1 + 0.125 * 2), g = Math.tanh(1);
  const c = f * 2 + i * g;
  const o = sig(1 + 0.25 * c);
  const [y, yh, yc] = runNode('LSTM', [x, W, R, undefined, undefined, undefined, c0, P], { hidden_size: 1 }, { outputs: 3 }) as Tensor[];
  assertClose(y, t('float32', [1, 1, 1, 1], [o * Math.tanh(c)]));
  assertClose(yh, t('float32', [1, 1, 1], [o * Math.tanh(c)]));
  assertClose(yc, t('float32', [1, 1, 1], [c]));
  assert.deepEqual(y.dims, [1, 1, 1, 1]);
});

test('sequence_lens stops a batch entry early; layout 1 is batch-major', () => {
  const x = t('float32', [2, 2, 1], [1, 1, 1, 1]);
  const W = t('float32', [1, 1, 1], [1]), R = t('float32', [1, 1, 1], [0]);
  const [y, yh] = runNode('RNN', [x, W, R, undefined, t('int32', [2], [2, 1])], { hidden_size: 1 }, { outputs: 2 });
  const h = Math.tanh(1);
  assertClose(y, t('float32', [2, 1, 2, 1], [h, h, h, 0]));
  assertClose(yh, t('float32', [1, 2, 1], [h, h]));
  const [y1] = runNode('RNN', [t('float32', [1, 2, 1], [1, 1]), W, R], { hidden_size: 1, layout: 1 }) as Tensor[];
  assert.deepEqual(y1.dims, [1, 2, 1, 1]);
});
