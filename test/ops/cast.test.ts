import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t, assertClose } from '../helpers.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { dtypeToOnnx, type DType } from '../../src/tensor/dtype.js';
import { decodeMinifloat, encodeMinifloat } from '../../src/tensor/minifloat.js';
import { float16ToFloat32 } from '../../src/tensor/float16.js';

const cast = (x: Tensor, to: DType, attrs: Record<string, number | string> = {}, opset = 21) =>
  runNode('Cast', [x], { to: dtypeToOnnx(to), ...attrs }, { opset })[0] as Tensor;

const bits = (dtype: DType, v: number[], saturate = true) => [...encodeMinifloat(dtype, v, saturate)];

test('float8 e4m3fn: rounding, saturation, NaN, subnormals', () => {
  // 448 is the max; 464 ties to even (448); 480 overflows; inf saturates
  assert.deepEqual(bits('float8e4m3fn', [0, -0, 1, 448, 464, 480, Infinity, -Infinity, NaN]), [0x00, 0x80, 0x38, 0x7e, 0x7e, 0x7e, 0x7e, 0xfe, 0x7f]);
  assert.deepEqual(bits('float8e4m3fn', [480, Infinity], false), [0x7f, 0x7f]);
  // smallest subnormal 2^-9; half of it ties to zero, 1.5x rounds to 2^-8
  assert.deepEqual(bits('float8e4m3fn', [2 ** -9, 2 ** -10, 1.5 * 2 ** -9]), [0x01, 0x00, 0x02]);
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  const dec = decodeMinifloat('float8e4m3fn', all);
  assert.equal(dec[0x7e], 448);
  assert.ok(Number.isNaN(dec[0xff]) && Number.isNaN(dec[0x7f]));
  // every finite code round-trips
  const back = encodeMinifloat('float8e4m3fn', dec);
  for (let i = 0; i < 256; i++) if (!Number.isNaN(dec[i])) assert.equal(back[i], i, `code ${i}`);
});

test('float8 fnuz and e5m2 formats', () => {
  assert.deepEqual(bits('float8e4m3fnuz', [-0, 240, 1000, NaN, -1e-9]), [0x00, 0x7f, 0x7f, 0x80, 0x00]);
  assert.deepEqual(bits('float8e4m3fnuz', [1000, Infinity], false), [0x80, 0x80]);
  assert.deepEqual(bits('float8e5m2', [57344, 1e6, Infinity, NaN, -Infinity]), [0x7b, 0x7b, 0x7b, 0x7e, 0xfb]);
  assert.deepEqual(bits('float8e5m2', [1e6, -Infinity], false), [0x7c, 0xfc]);
  assert.deepEqual(bits('float8e5m2fnuz', [Infinity, -Infinity, NaN]), [0x7f, 0xff, 0x80]);
  for (const d of ['float8e4m3fnuz', 'float8e5m2', 'float8e5m2fnuz'] as DType[]) {
    const dec = decodeMinifloat(d, Uint8Array.from({ length: 256 }, (_, i) => i));
    const back = encodeMinifloat(d, dec);
    for (let i = 0; i < 256; i++) if (Number.isFinite(dec[i])) assert.equal(back[i], dec[i] === 0 && d.endsWith('fnuz') ? 0 : i, `${d} code ${i}`);
  }
});

test('float4e2m1 and float8e8m0', () => {
  // 0.25 ties to 0, -3.5 ties to -4, overflow and inf saturate to 6, NaN becomes -0
  assert.deepEqual(bits('float4e2m1', [0.48, 0.25, 1.05, -3.5, -8, Infinity, NaN]), [0x1, 0x0, 0x2, 0xe, 0xf, 0x7, 0x8]);
  assert.deepEqual([...decodeMinifloat('float4e2m1', Uint8Array.from([0x1, 0x7, 0xf, 0x8]))], [0.5, 6, -6, -0]);
  assert.deepEqual([...encodeMinifloat('float8e8m0', [0, 0.124, 0.25, 1.1, 8], true, 'up')], [0x00, 0x7c, 0x7d, 0x80, 0x82]);
  assert.deepEqual([...encodeMinifloat('float8e8m0', [1.1, 3], true, 'down')], [0x7f, 0x80]);
  assert.deepEqual([...encodeMinifloat('float8e8m0', [1.4, 1.5], true, 'nearest')], [0x7f, 0x80]);
  assert.equal(decodeMinifloat('float8e8m0', Uint8Array.from([127]))[0], 1);
});

test('Cast float -> int truncates; int4/int2 wrap; bool; int64 exact', () => {
  assertClose(cast(t('float32', [4], [1.9, -1.9, 0, 300]), 'int32'), t('int32', [4], [1, -1, 0, 300]));
  const i4 = cast(t('float32', [4], [-9, -8, 7, 8]), 'int4');
  assert.deepEqual([...(i4.data as Int8Array)], [7, -8, 7, -8]);
  const u2 = cast(t('float32', [3], [-1, 3, 4]), 'uint2');
  assert.deepEqual([...(u2.data as Uint8Array)], [3, 3, 0]);
  assertClose(cast(t('float32', [3], [0, -2, NaN]), 'bool'), t('bool', [3], [0, 1, 1]));
  const big = cast(makeTensor('int64', [1], new BigInt64Array([9007199254740993n])), 'uint64');
  assert.equal((big.data as BigUint64Array)[0], 9007199254740993n);
  assertClose(cast(makeTensor('int64', [2], new BigInt64Array([300n, -1n])), 'uint8'), t('uint8', [2], [44, 255]));
});

test('Cast to float16/bfloat16/float8 with the saturate attribute', () => {
  const h = cast(t('float32', [2], [0.1, 65520]), 'float16');
  assert.equal(float16ToFloat32((h.data as Uint16Array)[0]), 0.0999755859375);
  assert.equal(float16ToFloat32((h.data as Uint16Array)[1]), Infinity);
  const sat = cast(t('float32', [1], [1000]), 'float8e4m3fn');
  assert.deepEqual([...(sat.data as Uint8Array)], [0x7e]);
  const nosat = cast(t('float32', [1], [1000]), 'float8e4m3fn', { saturate: 0 });
  assert.deepEqual([...(nosat.data as Uint8Array)], [0x7f]);
  const like = runNode('CastLike', [t('float32', [1], [1e6]), makeTensor('float8e5m2', [0], new Uint8Array(0))], { saturate: 0 })[0] as Tensor;
  assert.equal(like.dtype, 'float8e5m2');
  assert.deepEqual([...(like.data as Uint8Array)], [0x7c]);
});

test('Cast between strings and numbers', () => {
  const s = cast(t('float32', [6], [0.1, 1, -2.5, NaN, Infinity, 1e-5]), 'string');
  assert.deepEqual(s.data, ['0.1', '1.0', '-2.5', 'NaN', 'INF', '1e-05']);
  assertClose(cast(t('string', [4], ['1.5', 'NaN', '-INF', ' 2 ']), 'float32'), t('float32', [4], [1.5, NaN, -Infinity, 2]));
  const i = cast(t('string', [1], ['9007199254740993']), 'int64');
  assert.equal((i.data as BigInt64Array)[0], 9007199254740993n);
});

test('BitCast reinterprets bits', () => {
  const out = runNode('BitCast', [t('float32', [2], [1, -2])], { to: dtypeToOnnx('int32') }, { opset: 26 })[0] as Tensor;
  assertClose(out, t('int32', [2], [0x3f800000, -1073741824]));
  assert.throws(() => runNode('BitCast', [t('float32', [1], [1])], { to: dtypeToOnnx('int64') }, { opset: 26 }), /bit widths/);
});
