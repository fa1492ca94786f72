import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t, assertClose } from '../helpers.js';

// log-probabilities for N=2, C=3
const lp = t('float32', [2, 3], [-1, -2, -3, -0.5, -1.5, -2.5]);
const labels = t('int64', [2], [2, 0]);

test('NegativeLogLikelihoodLoss: reductions, weights, ignore_index', () => {
  const nll = (attrs: Record<string, number | string>, w?: ReturnType<typeof t>) =>
    runNode('NegativeLogLikelihoodLoss', w ? [lp, labels, w] : [lp, labels], attrs, { opset: 13 })[0];
  assertClose(nll({ reduction: 'none' }), t('float32', [2], [3, 0.5]));
  assertClose(nll({ reduction: 'sum' }), t('float32', [], [3.5]));
  assertClose(nll({}), t('float32', [], [1.75]));
  const w = t('float32', [3], [0.2, 1, 0.6]);
  // mean divides by the sum of the picked weights: (3*0.6 + 0.5*0.2) / (0.6 + 0.2)
  assertClose(nll({}, w), t('float32', [], [(1.8 + 0.1) / 0.8]));
  assertClose(nll({ ignore_index: 0 }), t('float32', [], [3]));
  assertClose(nll({ reduction: 'none', ignore_index: 2 }), t('float32', [2], [0, 0.5]));
});

test('NLL with spatial dims [N, C, d]', () => {
  const x = t('float32', [1, 2, 2], [-1, -2, -3, -4]);
  const y = t('int64', [1, 2], [1, 0]);
  assertClose(runNode('NegativeLogLikelihoodLoss', [x, y], { reduction: 'none' }, { opset: 13 })[0], t('float32', [1, 2], [3, 2]));
});

test('SoftmaxCrossEntropyLoss returns the loss and the log_prob', () => {
  const scores = t('float32', [2, 3], [1, 2, 3, 0, 0, 0]);
  const [loss, logp] = runNode('SoftmaxCrossEntropyLoss', [scores, labels], {}, { opset: 13, outputs: 2 });
  const l0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
  const expLp = [1 - l0, 2 - l0, 3 - l0, -Math.log(3), -Math.log(3), -Math.log(3)];
  assertClose(logp, t('float32', [2, 3], expLp));
  assertClose(loss, t('float32', [], [(-(3 - l0) + Math.log(3)) / 2]));
  assert.throws(() => runNode('SoftmaxCrossEntropyLoss', [scores, t('int64', [2], [5, 0])], {}, { opset: 13 }), /outside/);
});
