/** tensorjet::SkipLayerNorm on the CPU backend (the GPU checks' reference), against values worked out by hand. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t, assertClose } from '../helpers.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const run = (ins: Tensor[], outputs = 1) => runNode('SkipLayerNorm', ins, { epsilon: 1e-12 }, { domain: 'tensorjet', opset: 1, outputs }) as Tensor[];

test('SkipLayerNorm: LN(x + skip) with a broadcast skip, scale and bias; the sum as second output', () => {
  // sums [[1, 0], [3, 1]] normalize to [1, -1] per row
  const x = t('float32', [2, 2], [0, 1, 2, 2]);
  const skip = t('float32', [2], [1, -1]);
  const [y, sum] = run([x, skip, t('float32', [2], [2, 3]), t('float32', [2], [0.5, 0])], 2);
  assertClose(y, t('float32', [2, 2], [2.5, -3, 2.5, -3]), { rtol: 1e-6 });
  assertClose(sum, t('float32', [2, 2], [1, 0, 3, 1]));
  // operands in either order; no bias
  const [y2] = run([skip, x, t('float32', [2], [1, 1])]);
  assertClose(y2, t('float32', [2, 2], [1, -1, 1, -1]), { rtol: 1e-6 });
});

test('SkipLayerNorm refuses a scale that is not the last axis', () => {
  assert.throws(() => run([t('float32', [2, 2], [0, 1, 2, 3]), t('float32', [2, 2], [0, 0, 0, 0]), t('float32', [4], [1, 1, 1, 1])]), /scale\/bias must have 2 elements/);
});
