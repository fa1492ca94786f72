import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t, assertClose } from '../helpers.js';
import type { Tensor } from '../../src/tensor/tensor.js';

test('Attention 4-D: softmax(QK^T * scale) V', () => {
  const q = t('float32', [1, 1, 1, 2], [1, 0]);
  const k = t('float32', [1, 1, 2, 2], [1, 0, 0, 1]);
  const v = t('float32', [1, 1, 2, 1], [10, 20]);
  const s = 1 / Math.sqrt(2);
  const p0 = Math.exp(s) / (Math.exp(s) + 1);
  const [y] = runNode('Attention', [q, k, v], {}, { opset: 23 });
  assertClose(y, t('float32', [1, 1, 1, 1], [10 * p0 + 20 * (1 - p0)]));
});

test('Attention causal mask, bool mask, past KV and GQA shapes', () => {
  const q = t('float32', [1, 1, 2, 1], [1, 1]);
  const k = t('float32', [1, 1, 2, 1], [1, 1]);
  const v = t('float32', [1, 1, 2, 1], [1, 3]);
  const [y] = runNode('Attention', [q, k, v], { is_causal: 1 }, { opset: 23 });
  assertClose(y, t('float32', [1, 1, 2, 1], [1, 2]));
  const [ym] = runNode('Attention', [q, k, v, t('bool', [2, 2], [1, 0, 1, 1])], {}, { opset: 23 });
  assertClose(ym, t('float32', [1, 1, 2, 1], [1, 2]));
  const past = t('float32', [1, 1, 3, 1], [0, 0, 0]);
  const [, pk, pv, qk] = runNode('Attention', [q, k, v, undefined, past, past], {}, { opset: 23, outputs: 4 }) as Tensor[];
  assert.deepEqual(pk.dims, [1, 1, 5, 1]);
  assert.deepEqual(pv.dims, [1, 1, 5, 1]);
  assert.deepEqual(qk.dims, [1, 1, 2, 5]);
  const q3 = t('float32', [1, 2, 8], new Array(16).fill(0.1));
  const kv3 = t('float32', [1, 3, 4], new Array(12).fill(0.2));
  const [y3] = runNode('Attention', [q3, kv3, kv3], { q_num_heads: 4, kv_num_heads: 2 }, { opset: 23 }) as Tensor[];
  assert.deepEqual(y3.dims, [1, 2, 8]);
  assertClose(y3, t('float32', [1, 2, 8], new Array(16).fill(0.2)));
});

test('RotaryEmbedding rotates pairs (non-interleaved halves)', () => {
  const x = t('float32', [1, 1, 1, 2], [1, 0]); // [B, H, S, D]
  const ang = 0.3;
  const [y] = runNode('RotaryEmbedding', [x, t('float32', [1, 1], [Math.cos(ang)]), t('float32', [1, 1], [Math.sin(ang)]), t('int64', [1, 1], [0])], {}, { opset: 23 });
  assertClose(y, t('float32', [1, 1, 1, 2], [Math.cos(ang), Math.sin(ang)]), { rtol: 1e-6 });
});
