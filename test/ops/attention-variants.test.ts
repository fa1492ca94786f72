/** LinearAttention and CausalConvWithState: small cases worked out by hand from the recurrences. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t, assertClose, f } from '../helpers.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { isTensorJetError } from '../../src/errors.js';

test('LinearAttention linear rule: S accumulates k v^T, o = scale q^T S', () => {
  // one head, Dk = Dv = 1, T = 2: S1 = k1 v1 = 2, S2 = 2 + k2 v2 = 2 + 3 = 5; scale = 1/sqrt(1)
  const [o, s] = runNode('LinearAttention', [t('float32', [1, 2, 1], [1, 2]), t('float32', [1, 2, 1], [1, 1]), t('float32', [1, 2, 1], [2, 3])],
    { q_num_heads: 1, kv_num_heads: 1, update_rule: 'linear' }, { opset: 27, outputs: 2 }) as Tensor[];
  assertClose(o, t('float32', [1, 2, 1], [2, 10]));
  assertClose(s, t('float32', [1, 1, 1, 1], [5]));
});

test('LinearAttention gated_delta with past state, scale and GQA (2 q heads share one kv head)', () => {
  // S0 = 1; g = ln 0.5 -> S = 0.5; retrieved = S k = 0.5 * 2 = 1; delta = beta (v - 1) = 0.5 * (3 - 1) = 1;
  // S1 = 0.5 + k * delta = 2.5; o = scale * q * S1 for q = 1 and q = -2 with scale 0.5
  const [o, s] = runNode('LinearAttention', [
    t('float32', [1, 1, 2], [1, -2]), t('float32', [1, 1, 1], [2]), t('float32', [1, 1, 1], [3]),
    t('float32', [1, 1, 1, 1], [1]), t('float32', [1, 1, 1], [Math.log(0.5)]), t('float32', [1, 1, 1], [0.5]),
  ], { q_num_heads: 2, kv_num_heads: 1, scale: f(0.5) }, { opset: 27, outputs: 2 }) as Tensor[];
  assertClose(o, t('float32', [1, 1, 2], [1.25, -2.5]));
  assertClose(s, t('float32', [1, 1, 1, 1], [2.5]));
});

test('CausalConvWithState: depthwise causal conv over [past | input], bias, SiLU and next state', () => {
  // C = 1, K = 2, w = [1, 2], past = [5], x = [1, 3]: y0 = 5 + 2 = 7 (+1 bias = 8), y1 = 1 + 6 = 7 (+1 = 8)
  const [y, s] = runNode('CausalConvWithState', [t('float32', [1, 1, 2], [1, 3]), t('float32', [1, 1, 2], [1, 2]), t('float32', [1], [1]), t('float32', [1, 1, 1], [5])],
    {}, { opset: 27, outputs: 2 }) as Tensor[];
  assertClose(y, t('float32', [1, 1, 2], [8, 8]));
  assertClose(s, t('float32', [1, 1, 1], [3]));
  const [z] = runNode('CausalConvWithState', [t('float32', [1, 1, 1], [-1]), t('float32', [1, 1, 2], [1, 1])], { activation: 'silu' }, { opset: 27, outputs: 2 }) as Tensor[];
  assertClose(z, t('float32', [1, 1, 1], [-1 / (1 + Math.E)]));
  assert.throws(() => runNode('CausalConvWithState', [t('float32', [1, 2, 1], [1, 2]), t('float32', [2, 2, 1], [1, 1, 1, 1])], {}, { opset: 27, outputs: 2 }),
    (e: unknown) => isTensorJetError(e) && /depthwise/.test(e.message));
});
