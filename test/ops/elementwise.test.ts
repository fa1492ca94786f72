import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t, assertClose, randomFloats, f } from '../helpers.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { float32ToFloat16 } from '../../src/tensor/float16.js';
import { getSchema } from '../../src/ops/registry.js';
import { makeInferContext } from '../../src/ops/schema.js';
import type { Node } from '../../src/ir/graph.js';

const run1 = (op: string, ins: Tensor[], attrs = {}, opset = 21) => runNode(op, ins, attrs, { opset })[0] as Tensor;

test('Add/Sub/Mul/Div float32: same shape, scalar, row and general broadcasting', () => {
  const a = t('float32', [2, 3], [1, 2, 3, 4, 5, 6]);
  assertClose(run1('Add', [a, t('float32', [2, 3], [6, 5, 4, 3, 2, 1])]), t('float32', [2, 3], [7, 7, 7, 7, 7, 7]));
  assertClose(run1('Sub', [a, t('float32', [], [1])]), t('float32', [2, 3], [0, 1, 2, 3, 4, 5]));
  assertClose(run1('Mul', [t('float32', [1], [2]), a]), t('float32', [2, 3], [2, 4, 6, 8, 10, 12]));
  assertClose(run1('Div', [a, t('float32', [3], [1, 2, 4])]), t('float32', [2, 3], [1, 1, 0.75, 4, 2.5, 1.5]));
  // channel bias [2,1] over [2,2,2] and bias-first order (block fast path)
  const x3 = t('float32', [2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
  assertClose(run1('Add', [x3, t('float32', [2, 1], [10, 20])]), t('float32', [2, 2, 2], [11, 12, 23, 24, 15, 16, 27, 28]));
  assertClose(run1('Mul', [t('float32', [2, 1, 1], [1, -1]), x3]), t('float32', [2, 2, 2], [1, 2, 3, 4, -5, -6, -7, -8]));
  assertClose(run1('Sub', [x3, t('float32', [2, 1, 1], [1, 2])]), t('float32', [2, 2, 2], [0, 1, 2, 3, 3, 4, 5, 6]));
  // column broadcast [2,1] x [1,3] (general path)
  assertClose(run1('Add', [t('float32', [2, 1], [10, 20]), t('float32', [1, 3], [1, 2, 3])]), t('float32', [2, 3], [11, 12, 13, 21, 22, 23]));
});

test('Add on a large float32 tensor matches a scalar loop', () => {
  const n = 1 << 16;
  const x = randomFloats(n, 3);
  const y = randomFloats(n, 4);
  const out = run1('Add', [makeTensor('float32', [n], x), makeTensor('float32', [n], y)]);
  const exp = new Float32Array(n);
  for (let i = 0; i < n; i++) exp[i] = x[i] + y[i];
  assertClose(out, makeTensor('float32', [n], exp), { rtol: 0, atol: 0 });
});

test('integer arithmetic wraps and truncates like C; int64 is exact', () => {
  assertClose(run1('Div', [t('int32', [4], [7, -7, 7, -7]), t('int32', [4], [2, 2, -2, -2])]), t('int32', [4], [3, -3, -3, 3]));
  assertClose(run1('Mul', [t('int32', [1], [65536]), t('int32', [1], [65537])]), t('int32', [1], [65536]));
  assertClose(run1('Add', [t('uint8', [1], [250]), t('uint8', [1], [10])]), t('uint8', [1], [4]));
  const big = makeTensor('int64', [2], new BigInt64Array([9007199254740993n, -9007199254740993n]));
  const out = run1('Add', [big, makeTensor('int64', [1], new BigInt64Array([2n]))]);
  assert.deepEqual([...(out.data as BigInt64Array)], [9007199254740995n, -9007199254740991n]);
  const m = run1('Mul', [makeTensor('int64', [1], new BigInt64Array([3037000500n])), makeTensor('int64', [1], new BigInt64Array([3037000500n]))]);
  assert.equal((m.data as BigInt64Array)[0], 9223372037000250000n - 2n ** 64n);
});

test('Pow with float and integer types', () => {
  assertClose(run1('Pow', [t('float32', [3], [1, 2, 3]), t('float32', [3], [4, 5, 6])]), t('float32', [3], [1, 32, 729]));
  assertClose(run1('Pow', [t('float32', [2], [4, 9]), t('int64', [1], [2])]), t('float32', [2], [16, 81]));
  assertClose(run1('Pow', [t('int32', [3], [2, 3, -2]), t('int32', [3], [10, 3, 3])]), t('int32', [3], [1024, 27, -8]));
  const p = run1('Pow', [t('int64', [1], [3]), t('int64', [1], [39])]);
  assert.equal((p.data as BigInt64Array)[0], 3n ** 39n);
});

test('Mod: integer mod takes the divisor sign, fmod the dividend sign', () => {
  const a = t('int32', [4], [5, -5, 5, -5]);
  const b = t('int32', [4], [3, 3, -3, -3]);
  assertClose(run1('Mod', [a, b]), t('int32', [4], [2, 1, -1, -2]));
  assertClose(run1('Mod', [a, b], { fmod: 1 }), t('int32', [4], [2, -2, 2, -2]));
  assertClose(run1('Mod', [t('float32', [2], [5.5, -5.5]), t('float32', [2], [2, 2])], { fmod: 1 }), t('float32', [2], [1.5, -1.5]));
});

test('variadic Sum/Mean/Max/Min broadcast all inputs', () => {
  const a = t('float32', [3], [1, 5, 3]);
  const b = t('float32', [1], [2]);
  const c = t('float32', [3], [0, 0, 9]);
  assertClose(run1('Sum', [a, b, c]), t('float32', [3], [3, 7, 14]));
  assertClose(run1('Mean', [a, b, c]), t('float32', [3], [1, 7 / 3, 14 / 3]));
  assertClose(run1('Max', [a, b, c]), t('float32', [3], [2, 5, 9]));
  assertClose(run1('Min', [a, b, c]), t('float32', [3], [0, 0, 2]));
  assertClose(run1('Max', [t('float32', [2], [NaN, 1]), t('float32', [2], [0, 2])]), t('float32', [2], [NaN, 2]));
  assertClose(run1('Sum', [a]), a);
});

test('unary math ops', () => {
  const x = t('float32', [5], [-2.5, -0.5, 0.5, 1.5, 2.5]);
  assertClose(run1('Round', [x]), t('float32', [5], [-2, -0, 0, 2, 2]));
  assertClose(run1('Floor', [x]), t('float32', [5], [-3, -1, 0, 1, 2]));
  assertClose(run1('Ceil', [x]), t('float32', [5], [-2, -0, 1, 2, 3]));
  assertClose(run1('Abs', [t('int64', [2], [-3, 4])]), t('int64', [2], [3, 4]));
  assertClose(run1('Sign', [t('float32', [3], [-2, 0, 5])]), t('float32', [3], [-1, 0, 1]));
  assertClose(run1('Neg', [t('int8', [2], [5, -128])]), t('int8', [2], [-5, -128]));
  assertClose(run1('Erf', [t('float32', [5], [-3, -0.5, 0, 1, 4])]), t('float32', [5], [-0.9999779095, -0.5204998778, 0, 0.8427007929, 0.9999999846]), { rtol: 1e-6 });
  assertClose(run1('Sqrt', [t('float64', [2], [4, 2])]), t('float64', [2], [2, Math.SQRT2]));
  assertClose(run1('Reciprocal', [t('float32', [2], [4, -0.5])]), t('float32', [2], [0.25, -2]));
});

test('float16 inputs compute in float32 and round back', () => {
  const h = (v: number[]) => makeTensor('float16', [v.length], Uint16Array.from(v, float32ToFloat16));
  const out = run1('Add', [h([1, 0.1]), h([2, 0.2])]);
  assert.equal(out.dtype, 'float16');
  assertClose(out, h([3, 0.3]), { rtol: 1e-3 });
  assertClose(run1('Exp', [h([0, 1])]), h([1, Math.E]), { rtol: 1e-3 });
});

test('comparisons, logic, IsNaN/IsInf, Where', () => {
  const a = t('float32', [4], [1, 2, NaN, 4]);
  const b = t('float32', [1], [2]);
  assertClose(run1('Less', [a, b]), t('bool', [4], [1, 0, 0, 0]));
  assertClose(run1('GreaterOrEqual', [a, b]), t('bool', [4], [0, 1, 0, 1]));
  assertClose(run1('Equal', [a, b]), t('bool', [4], [0, 1, 0, 0]));
  const big = makeTensor('int64', [2], new BigInt64Array([9007199254740993n, 9007199254740992n]));
  assertClose(run1('Equal', [big, makeTensor('int64', [1], new BigInt64Array([9007199254740992n]))]), t('bool', [2], [0, 1]));
  assertClose(run1('Equal', [t('string', [2], ['a', 'b']), t('string', [1], ['b'])]), t('bool', [2], [0, 1]));
  assertClose(run1('Xor', [t('bool', [4], [0, 0, 1, 1]), t('bool', [4], [0, 1, 0, 1])]), t('bool', [4], [0, 1, 1, 0]));
  assertClose(run1('Not', [t('bool', [2], [0, 1])]), t('bool', [2], [1, 0]));
  assertClose(run1('IsNaN', [a]), t('bool', [4], [0, 0, 1, 0]));
  const inf = t('float32', [3], [Infinity, -Infinity, 1]);
  assertClose(run1('IsInf', [inf]), t('bool', [3], [1, 1, 0]));
  assertClose(run1('IsInf', [inf], { detect_negative: 0 }), t('bool', [3], [1, 0, 0]));
  const w = run1('Where', [t('bool', [2, 1], [1, 0]), t('int64', [2], [1, 2]), t('int64', [1], [9])]);
  assertClose(w, t('int64', [2, 2], [1, 2, 9, 9]));
});

test('bitwise ops and BitShift', () => {
  assertClose(run1('BitwiseAnd', [t('int32', [2], [12, -1]), t('int32', [2], [10, 5])]), t('int32', [2], [8, 5]));
  assertClose(run1('BitwiseNot', [t('uint8', [2], [0, 255])]), t('uint8', [2], [255, 0]));
  assertClose(run1('BitShift', [t('uint8', [3], [16, 4, 1]), t('uint8', [3], [1, 2, 8])], { direction: 'LEFT' }), t('uint8', [3], [32, 16, 0]));
  assertClose(run1('BitShift', [t('uint32', [2], [4294967295, 16]), t('uint32', [2], [4, 2])], { direction: 'RIGHT' }), t('uint32', [2], [268435455, 4]));
  const u64 = makeTensor('uint64', [1], new BigUint64Array([1n]));
  const s = run1('BitShift', [u64, makeTensor('uint64', [1], new BigUint64Array([63n]))], { direction: 'LEFT' });
  assert.equal((s.data as BigUint64Array)[0], 1n << 63n);
});

test('Clip: attributes before opset 11, inputs after; integers', () => {
  const x = t('float32', [4], [-3, -1, 1, 3]);
  assertClose(run1('Clip', [x], { min: f(-2), max: f(2) }, 6), t('float32', [4], [-2, -1, 1, 2]));
  assertClose(run1('Clip', [x, t('float32', [], [0])], {}, 13), t('float32', [4], [0, 0, 1, 3]));
  const out = runNode('Clip', [x, undefined, t('float32', [], [0])], {}, { opset: 13 })[0];
  assertClose(out, t('float32', [4], [-3, -1, 0, 0]));
  assertClose(run1('Clip', [t('int64', [3], [-5, 0, 5]), t('int64', [], [-1]), t('int64', [], [1])], {}, 13), t('int64', [3], [-1, 0, 1]));
});

test('shape inference broadcasts symbolic shapes and makes comparisons bool', () => {
  const node: Node = { name: 'n', opType: 'Add', domain: '', inputs: ['a', 'b'], outputs: ['c'], attributes: new Map() };
  const add = getSchema('', 'Add')!.infer!(makeInferContext(node, 17, [{ dtype: 'float32', shape: ['N', 1, 4] }, { dtype: 'float32', shape: [3, 1] }]));
  assert.deepEqual(add[0], { dtype: 'float32', shape: ['N', 3, 4] });
  const less = getSchema('', 'Less')!.infer!(makeInferContext({ ...node, opType: 'Less' }, 17, [{ dtype: 'int64', shape: [2] }, { dtype: 'int64', shape: [] }]));
  assert.deepEqual(less[0], { dtype: 'bool', shape: [2] });
  const where = getSchema('', 'Where')!.infer!(makeInferContext({ ...node, opType: 'Where', inputs: ['c', 'x', 'y'] }, 17, [{ dtype: 'bool', shape: [2, 1] }, { dtype: 'int32', shape: [3] }, { dtype: 'int32', shape: [1] }]));
  assert.deepEqual(where[0], { dtype: 'int32', shape: [2, 3] });
});

test('incompatible broadcast is a clear E_SHAPE error', () => {
  assert.throws(() => run1('Add', [t('float32', [2], [1, 2]), t('float32', [3], [1, 2, 3])]), (e: Error & { code?: string }) => e.code === 'E_SHAPE' && /Add/.test(e.message));
});
