import { test } from 'node:test';
import { runNode, t, assertClose } from '../helpers.js';

test('BatchNormalization (inference) uses running stats per channel', () => {
  const x = t('float32', [1, 2, 1, 2], [1, 2, 3, 4]);
  const [y] = runNode('BatchNormalization', [x, t('float32', [2], [1, 2]), t('float32', [2], [0, 1]), t('float32', [2], [1, 3]), t('float32', [2], [4, 1])], { epsilon: 0 });
  assertClose(y, t('float32', [1, 2, 1, 2], [0, 0.5, 1, 3]));
});

test('InstanceNormalization normalizes each (n, c) plane', () => {
  const [y] = runNode('InstanceNormalization', [t('float32', [1, 1, 2], [1, 3]), t('float32', [1], [2]), t('float32', [1], [1])], { epsilon: 0 });
  assertClose(y, t('float32', [1, 1, 2], [-1, 3]));
});

test('LayerNormalization with axis and stashed Mean/InvStdDev', () => {
  const x = t('float32', [2, 2], [1, 3, 2, 6]);
  const [y, mean, inv] = runNode('LayerNormalization', [x, t('float32', [2], [1, 1]), t('float32', [2], [0, 0])], { epsilon: 0, axis: -1 }, { opset: 17, outputs: 3 });
  assertClose(y, t('float32', [2, 2], [-1, 1, -1, 1]));
  assertClose(mean, t('float32', [2, 1], [2, 4]));
  assertClose(inv, t('float32', [2, 1], [1, 0.5]));
});

test('GroupNormalization: opset 21 per-channel scale', () => {
  const x = t('float32', [1, 2, 2], [1, 3, 5, 9]);
  const [y] = runNode('GroupNormalization', [x, t('float32', [2], [1, 2]), t('float32', [2], [0, 1])], { num_groups: 2, epsilon: 0 }, { opset: 21 });
  assertClose(y, t('float32', [1, 2, 2], [-1, 1, -1, 3]));
});

test('RMSNormalization divides by the root mean square', () => {
  const [y] = runNode('RMSNormalization', [t('float32', [1, 2], [3, 4]), t('float32', [2], [1, 2])], { epsilon: 0 }, { opset: 23 });
  const rms = Math.sqrt(12.5);
  assertClose(y, t('float32', [1, 2], [3 / rms, 8 / rms]));
});

test('LRN, MeanVarianceNormalization, LpNormalization', () => {
  const [l] = runNode('LRN', [t('float32', [1, 2, 1, 1], [1, 2])], { size: 3, alpha: 0.3, beta: 1, bias: 1 });
  // both channels see 1^2 + 2^2 = 5: denom = 1 + 0.1 * 5
  assertClose(l, t('float32', [1, 2, 1, 1], [1 / 1.5, 2 / 1.5]));
  const [m] = runNode('MeanVarianceNormalization', [t('float32', [1, 1, 1, 2], [1, 3])]);
  assertClose(m, t('float32', [1, 1, 1, 2], [-1, 1]), { atol: 1e-6 });
  const [p] = runNode('LpNormalization', [t('float32', [1, 2], [3, 4])], { axis: 1, p: 2 });
  assertClose(p, t('float32', [1, 2], [0.6, 0.8]));
});
