import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t, assertClose } from '../helpers.js';
import type { Tensor } from '../../src/tensor/tensor.js';

const x = t('float32', [1, 1, 2, 2], [1, 2, 3, 4]);
const noRoi = undefined;

test('Resize nearest upsample x2 (asymmetric / floor)', () => {
  const [y] = runNode('Resize', [x, noRoi, t('float32', [4], [1, 1, 2, 2])], { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, { opset: 13 });
  assertClose(y, t('float32', [1, 1, 4, 4], [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]));
});

test('Resize linear align_corners from sizes', () => {
  const [y] = runNode('Resize', [t('float32', [1, 1, 1, 2], [0, 3]), noRoi, undefined, t('int64', [4], [1, 1, 1, 4])], { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, { opset: 13 });
  assertClose(y, t('float32', [1, 1, 1, 4], [0, 1, 2, 3]));
});

test('Resize linear half_pixel downsample and axes / keep_aspect_ratio_policy', () => {
  const [y] = runNode('Resize', [t('float32', [1, 4], [0, 1, 2, 3]), noRoi, t('float32', [2], [1, 0.5])], { mode: 'linear' }, { opset: 13 });
  assertClose(y, t('float32', [1, 2], [0.5, 2.5]));
  const [z] = runNode('Resize', [x, noRoi, undefined, t('int64', [2], [4, 8])], { axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' }, { opset: 18 }) as Tensor[];
  assert.deepEqual(z.dims, [1, 1, 4, 4]);
});

test('Resize cubic keeps constants constant', () => {
  const [y] = runNode('Resize', [t('float32', [1, 1, 3, 3], new Array(9).fill(2)), noRoi, t('float32', [4], [1, 1, 1.5, 1.5])], { mode: 'cubic' }, { opset: 13 });
  assertClose(y, t('float32', [1, 1, 4, 4], new Array(16).fill(2)), { rtol: 1e-6 });
});

test('GridSample identity grid with align_corners reproduces the input', () => {
  const grid = t('float32', [1, 2, 2, 2], [-1, -1, 1, -1, -1, 1, 1, 1]);
  const [y] = runNode('GridSample', [x, grid], { align_corners: 1 }, { opset: 20 });
  assertClose(y, x);
});

test('AffineGrid identity theta gives the normalized base grid', () => {
  const [g] = runNode('AffineGrid', [t('float32', [1, 2, 3], [1, 0, 0, 0, 1, 0]), t('int64', [4], [1, 1, 2, 2])], { align_corners: 1 }, { opset: 20 });
  assertClose(g, t('float32', [1, 2, 2, 2], [-1, -1, 1, -1, -1, 1, 1, 1]));
});

test('RoiAlign average over a whole constant image', () => {
  const img = t('float32', [1, 1, 4, 4], new Array(16).fill(3));
  const [y] = runNode('RoiAlign', [img, t('float32', [1, 4], [0, 0, 3, 3]), t('int64', [1], [0])], { output_height: 2, output_width: 2, sampling_ratio: 2 }, { opset: 16 });
  assertClose(y, t('float32', [1, 1, 2, 2], [3, 3, 3, 3]));
});
