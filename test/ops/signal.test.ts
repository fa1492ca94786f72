import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t, assertClose } from '../helpers.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const out = (v: unknown) => v as Tensor;

test('DFT of a real signal: full, onesided, inverse round-trip, opset 20 axis input', () => {
  const x = t('float32', [1, 4, 1], [1, 2, 3, 4]);
  // X = [10, -2+2i, -2, -2-2i]
  assertClose(runNode('DFT', [x], { axis: 1 }, { opset: 17 })[0], t('float32', [1, 4, 2], [10, 0, -2, 2, -2, 0, -2, -2]), { atol: 1e-5 });
  assertClose(runNode('DFT', [x], { onesided: 1 }, { opset: 20 })[0], t('float32', [1, 3, 2], [10, 0, -2, 2, -2, 0]), { atol: 1e-5 });
  const spec = runNode('DFT', [x, undefined, t('int64', [], [1])], {}, { opset: 20 })[0];
  assertClose(runNode('DFT', [spec, undefined, t('int64', [], [-2])], { inverse: 1 }, { opset: 20 })[0], t('float32', [1, 4, 2], [1, 0, 2, 0, 3, 0, 4, 0]), { atol: 1e-5 });
  // irfft: 3 Hermitian bins -> 4 real samples
  const half = runNode('DFT', [x], { onesided: 1 }, { opset: 20 })[0];
  assertClose(runNode('DFT', [half], { onesided: 1, inverse: 1 }, { opset: 20 })[0], t('float32', [1, 4, 1], [1, 2, 3, 4]), { atol: 1e-5 });
  // dft_length zero-pads
  assert.deepEqual(out(runNode('DFT', [x, t('int64', [], [8])], {}, { opset: 20 })[0]).dims, [1, 8, 2]);
});

test('STFT frames a signal with a window', () => {
  const x = t('float32', [1, 6, 1], [1, 1, 1, 1, 1, 1]);
  const y = out(runNode('STFT', [x, t('int64', [], [2]), t('float32', [4], [1, 1, 1, 1])], {}, { opset: 17 })[0]);
  assert.deepEqual(y.dims, [1, 2, 3, 2]);
  assertClose(y, t('float32', [1, 2, 3, 2], [4, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0]), { atol: 1e-5 });
});

test('Hann, Hamming, Blackman windows (periodic and symmetric)', () => {
  assertClose(runNode('HannWindow', [t('int64', [], [4])], {}, { opset: 17 })[0], t('float32', [4], [0, 0.5, 1, 0.5]), { atol: 1e-6 });
  assertClose(runNode('HannWindow', [t('int64', [], [3])], { periodic: 0 }, { opset: 17 })[0], t('float32', [3], [0, 1, 0]), { atol: 1e-6 });
  assertClose(runNode('HammingWindow', [t('int64', [], [2])], {}, { opset: 17 })[0], t('float32', [2], [4 / 46, 1]), { atol: 1e-6 });
  assertClose(runNode('BlackmanWindow', [t('int64', [], [2])], {}, { opset: 17 })[0], t('float32', [2], [0, 1]), { atol: 1e-6 });
  const d = out(runNode('HannWindow', [t('int64', [], [4])], { output_datatype: 11 }, { opset: 17 })[0]);
  assert.equal(d.dtype, 'float64');
});

test('MelWeightMatrix: shape and triangular filters summing to one at centres', () => {
  const m = out(runNode('MelWeightMatrix', [t('int64', [], [4]), t('int64', [], [16]), t('int64', [], [8000]), t('float32', [], [0]), t('float32', [], [4000])], {}, { opset: 17 })[0]);
  assert.deepEqual(m.dims, [9, 4]);
  const v = m.data as Float32Array;
  for (let b = 0; b < 4; b++) {
    let max = 0;
    for (let k = 0; k < 9; k++) max = Math.max(max, v[k * 4 + b]);
    assert.equal(max, 1);
  }
});

test('window and DFT sizes from the model are checked before any work (E_SHAPE / E_ALLOCATION_LIMIT)', async () => {
  const { getAllocationLimit, setAllocationLimit } = await import('../../src/tensor/tensor.js');
  const code = (e: unknown) => (e as { code?: string }).code;
  // A negative size is a shape error, not an allocation failure.
  assert.throws(() => runNode('HannWindow', [t('int64', [], [-3])], {}, { opset: 17 }), (e) => code(e) === 'E_SHAPE');
  const prev = getAllocationLimit();
  setAllocationLimit({ elements: 1000 });
  try {
    assert.throws(() => runNode('HannWindow', [t('int64', [], [1e6])], {}, { opset: 17 }), (e) => code(e) === 'E_ALLOCATION_LIMIT');
    assert.throws(() => runNode('DFT', [t('float32', [1, 4, 1], [1, 2, 3, 4]), t('int64', [], [1e6])], { axis: 1 }, { opset: 17 }), (e) => code(e) === 'E_ALLOCATION_LIMIT');
    assert.throws(
      () => runNode('MelWeightMatrix', [t('int64', [], [1e6]), t('int64', [], [16]), t('int64', [], [8000]), t('float32', [], [0]), t('float32', [], [4000])], {}, { opset: 17 }),
      (e) => code(e) === 'E_ALLOCATION_LIMIT',
    );
  } finally {
    setAllocationLimit(prev);
  }
});
