/** tensorjet fused ops on the CPU backend, against values worked out by hand from their definitions. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t, assertClose } from '../helpers.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import type { Attribute } from '../../src/ir/graph.js';

const run = (op: string, ins: (Tensor | undefined)[], attrs: Record<string, number | string | number[] | Attribute>) =>
  runNode(op, ins, attrs, { domain: 'tensorjet', opset: 1 })[0] as Tensor;
const close = (y: Tensor, values: number[], opts: { rtol?: number; atol?: number } = {}) => assertClose(y, t('float32', [...y.dims], values), opts);
const floats = (value: number[]): Attribute => ({ type: 'floats', value });

test('FusedConv 1x1: relu(2*x - 1 + z) and relu(2*x - 1) + z', () => {
  const x = t('float32', [1, 1, 1, 3], [0, 1, 2]);
  const w = t('float32', [1, 1, 1, 1], [2]);
  const b = t('float32', [1], [-1]);
  const z = t('float32', [1, 1, 1, 3], [-2, -2, 0.5]);
  close(run('FusedConv', [x, w, b, z], { activation: 'Relu', residual_before_activation: 1 }), [0, 0, 3.5]);
  close(run('FusedConv', [x, w, b, z], { activation: 'Relu', residual_before_activation: 0 }), [-2, -1, 3.5]);
  close(run('FusedConv', [x, w, b], { activation: 'Clip', activation_params: floats([0, 2]) }), [0, 1, 2]);
});

test('FusedGemm over a 3-D A with bias and LeakyRelu', () => {
  const a = t('float32', [2, 1, 2], [1, 2, -3, 1]);
  const bw = t('float32', [2, 1], [1, 1]);
  const y = run('FusedGemm', [a, bw, t('float32', [1], [0.5])], { activation: 'LeakyRelu', activation_params: floats([0.1]) });
  assert.deepEqual(y.dims, [2, 1, 1]);
  close(y, [3.5, -0.15]);
});

test('FusedElementwise program: (i0 + i1) * sigmoid(i0 + i1)', () => {
  const program = JSON.stringify({ opset: 17, steps: [{ op: 'Add', in: ['i0', 'i1'] }, { op: 'Sigmoid', in: ['s0'] }, { op: 'Mul', in: ['s0', 's1'] }] });
  const y = run('FusedElementwise', [t('float32', [2], [0, 1]), t('float32', [1], [1])], { program });
  close(y, [1 / (1 + Math.exp(-1)), 2 / (1 + Math.exp(-2))], { rtol: 1e-6 });
  assert.throws(() => run('FusedElementwise', [t('float32', [1], [0])], { program: '{"steps":[{"op":"Neg","in":["s0"]}]}' }), /bad operand/);
});

test('FusedAttention: one query over two keys', () => {
  const q = t('float32', [1, 1, 2], [1, 0]);
  const k = t('float32', [1, 2, 2], [1, 0, 0, 1]);
  const v = t('float32', [1, 2, 1], [10, 20]);
  const mask = t('float32', [1, 1, 2], [0, 0]);
  // scores [1, 0] * 0.5 = [0.5, 0]; softmax p0 = 1/(1+e^-0.5)
  const p0 = 1 / (1 + Math.exp(-0.5));
  const y = run('FusedAttention', [q, k, v, mask], { scale: 0.5, transpose_k: 1, has_mask: 1 });
  close(y, [10 * p0 + 20 * (1 - p0)], { rtol: 1e-6 });
});

test('FusedAttention bshd: [B, S, H, D] operands give the [B, H, S, D] result transposed', () => {
  // B 1, S 3 (queries and keys), H 2, D 2: the same values read both ways
  const vals = (n: number, off: number) => Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + off));
  const [q, k, v] = [0, 1, 2].map((o) => t('float32', [1, 3, 2, 2], vals(12, o)));
  const heads = (x: Tensor) => runNode('Transpose', [x], { perm: [0, 2, 1, 3] })[0] as Tensor;
  const mask = t('float32', [1, 1, 1, 3], [0, -1, 0]);
  const ref = run('FusedAttention', [heads(q), heads(k), heads(v), mask], { scale: 0.7, transpose_k: 1, has_mask: 1 });
  const y = run('FusedAttention', [q, k, v, mask], { scale: 0.7, transpose_k: 1, has_mask: 1, bshd: 15 });
  assert.deepEqual(y.dims, [1, 3, 2, 2]);
  assertClose(y, heads(ref), { rtol: 1e-6 });
  // only Y marked: inputs [B, H, S, D], output [B, S, H, D]
  assertClose(run('FusedAttention', [heads(q), heads(k), heads(v), mask], { scale: 0.7, transpose_k: 1, has_mask: 1, bshd: 8 }), heads(ref), { rtol: 1e-6 });
  assert.throws(() => run('FusedAttention', [t('float32', [3, 2], vals(6, 0)), t('float32', [3, 2], vals(6, 1)), t('float32', [3, 2], vals(6, 2))], { transpose_k: 1, bshd: 1 }), /bshd marks Q as \[B, S, H, D\], but it has rank 2/);
});

test('tensorjet::Gelu is erf Gelu', () => {
  close(run('Gelu', [t('float32', [3], [0, 1, -1])], {}), [0, 0.8413447, -0.1586553], { rtol: 1e-5, atol: 1e-6 });
});

test('unknown activation is a clear error', () => {
  assert.throws(() => run('FusedGemm', [t('float32', [1, 1], [1]), t('float32', [1, 1], [1])], { activation: 'Swoosh' }), /unknown activation 'Swoosh'/);
});

test("FusedElementwise: an omitted optional operand ('') is allowed (Clip with max only)", () => {
  const program = JSON.stringify({ opset: 17, steps: [{ op: 'Neg', in: ['i0'] }, { op: 'Clip', in: ['s0', '', 'i1'] }] });
  const y = run('FusedElementwise', [t('float32', [3], [-5, 0, 5]), t('float32', [], [2])], { program });
  close(y, [2, 0, -5]);
});
