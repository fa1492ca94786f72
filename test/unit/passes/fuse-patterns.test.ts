/** Each fusion: the rewrite happens and outputs equal the unfused graph's (1e-5) on random inputs. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { G, checkFusion, rand, scalarF, ints } from './fuse-graphs.js';
import { fuseConv } from '../../../src/passes/fuse-conv.js';
import { fuseGemm } from '../../../src/passes/fuse-gemm.js';
import { fuseElementwise } from '../../../src/passes/fuse-elementwise.js';
import { fuseAttention } from '../../../src/passes/fuse-attention.js';
import { fuseLayerNorm } from '../../../src/passes/fuse-layernorm.js';
import { DEFAULT_PASSES, optimizeModel } from '../../../src/passes/index.js';
import { registry } from './fuse-graphs.js';

const conv = (g: G, x: string, cin: number, cout: number) =>
  g.op('Conv', [x, g.c(rand([cout, cin, 3, 3], 0.3)), g.c(rand([cout], 0.1))], { pads: [1, 1, 1, 1] });

test('conv + relu -> FusedConv(Relu)', () => {
  const g = new G({ x: [1, 3, 8, 8] });
  const y = g.op('Relu', [conv(g, 'x', 3, 4)]);
  const m = checkFusion(g.model([y]), { passes: [fuseConv] }, ['FusedConv']);
  assert.equal(m.graph.nodes.length, 1);
  assert.equal(m.opsets.get('tensorjet'), 1);
});

for (const [op, attrs, extra] of [
  ['LeakyRelu', { alpha: 0.2 }, []],
  ['Sigmoid', {}, []],
  ['HardSwish', {}, []],
  ['Gelu', {}, []],
  ['Clip', {}, ['lo', 'hi']],
] as const) {
  test(`conv + ${op} -> FusedConv(${op})`, () => {
    const g = new G({ x: [2, 3, 6, 6] });
    const ins = [conv(g, 'x', 3, 5), ...extra.map((e) => g.c(scalarF(e === 'lo' ? -0.2 : 0.3)))];
    const y = g.op(op, ins, attrs);
    const m = checkFusion(g.model([y], 20), { passes: [fuseConv] }, ['FusedConv']);
    assert.equal(m.graph.nodes.length, 1);
  });
}

test('conv + SiLU (x * sigmoid(x)) -> FusedConv(SiLU)', () => {
  const g = new G({ x: [1, 3, 6, 6] });
  const c = conv(g, 'x', 3, 4);
  const y = g.op('Mul', [c, g.op('Sigmoid', [c])]);
  const m = checkFusion(g.model([y]), { passes: [fuseConv] }, ['FusedConv']);
  assert.equal(m.graph.nodes.length, 1);
});

test('ResNet block: conv -> add(residual produced later) -> relu -> one FusedConv', () => {
  const g = new G({ x: [1, 4, 6, 6] });
  const main = conv(g, 'x', 4, 4);
  const shortcut = conv(g, 'x', 4, 4); // produced after the main conv: the fusion must keep order valid
  const y = g.op('Relu', [g.op('Add', [main, shortcut])]);
  const m = checkFusion(g.model([y]), { passes: [fuseConv] }, ['FusedConv']);
  const fused = m.graph.nodes.filter((n) => n.opType === 'FusedConv');
  assert.equal(fused.length, 1);
  assert.equal(m.graph.nodes.length, 2);
  assert.equal(fused[0].inputs[3], shortcut);
});

test('conv -> relu -> add: residual after activation', () => {
  const g = new G({ x: [1, 4, 5, 5], z: [1, 4, 5, 5] });
  const y = g.op('Add', ['z', g.op('Relu', [conv(g, 'x', 4, 4)])]);
  const m = checkFusion(g.model([y]), { passes: [fuseConv] }, ['FusedConv']);
  const n = m.graph.nodes[0];
  assert.equal(m.graph.nodes.length, 1);
  assert.deepEqual(n.attributes.get('residual_before_activation'), { type: 'int', value: 0 });
});

test('no fusion when the conv output has another reader or is a graph output', () => {
  const g = new G({ x: [1, 3, 5, 5] });
  const c = conv(g, 'x', 3, 2);
  const y = g.op('Relu', [c]);
  const m = checkFusion(g.model([y, c]), { passes: [fuseConv] }, ['Conv', 'Relu']);
  assert.ok(!m.graph.nodes.some((n) => n.opType === 'FusedConv'));
});

test('MatMul(3-D A, const W) + bias + relu -> FusedGemm', () => {
  const g = new G({ x: [2, 5, 8] });
  const y = g.op('Relu', [g.op('Add', [g.op('MatMul', ['x', g.c(rand([8, 6]))]), g.c(rand([6]))])]);
  const m = checkFusion(g.model([y]), { passes: [fuseGemm] }, ['FusedGemm']);
  assert.equal(m.graph.nodes.length, 1);
});

test('Gemm(transB, beta) + bias + SiLU -> FusedGemm', () => {
  const g = new G({ x: [4, 8] });
  const h = g.op('Gemm', ['x', g.c(rand([6, 8]))], { transB: 1, alpha: 0.5, beta: 0.25 });
  const b = g.op('Add', [g.c(rand([1, 6])), h]);
  const y = g.op('Mul', [g.op('Sigmoid', [b]), b]);
  const m = checkFusion(g.model([y]), { passes: [fuseGemm] }, ['FusedGemm']);
  assert.equal(m.graph.nodes.length, 1);
});

test('elementwise chain -> one FusedElementwise (with SiLU and broadcast)', () => {
  const g = new G({ x: [2, 3, 4], y: [3, 1] });
  const a = g.op('Add', ['x', 'y']);
  const s = g.op('Mul', [a, g.op('Sigmoid', [a])]);
  const out = g.op('Clip', [g.op('Div', [s, g.c(scalarF(1.5))]), g.c(scalarF(-0.3)), g.c(scalarF(0.4))]);
  const m = checkFusion(g.model([out]), { passes: [fuseElementwise] }, ['FusedElementwise']);
  // the Add has two readers (Sigmoid and Mul), so it stays outside: Add, FusedElementwise
  assert.deepEqual(m.graph.nodes.map((n) => n.opType), ['Add', 'FusedElementwise']);
});

test('elementwise fusion stops at values with several readers', () => {
  const g = new G({ x: [4] });
  const a = g.op('Exp', ['x']);
  const b = g.op('Neg', [a]);
  const c = g.op('Abs', [a]);
  const m = checkFusion(g.model([g.op('Add', [b, c])]), { passes: [fuseElementwise] }, ['Exp', 'FusedElementwise']);
  assert.equal(m.graph.nodes.length, 2);
});

test('attention (transpose K, Div scale, mask) -> FusedAttention', () => {
  const g = new G({ q: [2, 3, 5, 4], k: [2, 3, 6, 4], v: [2, 3, 6, 4], mask: [2, 1, 1, 6] });
  const kt = g.op('Transpose', ['k'], { perm: [0, 1, 3, 2] });
  const s = g.op('Add', [g.op('Div', [g.op('MatMul', ['q', kt]), g.c(scalarF(2))]), 'mask']);
  const y = g.op('MatMul', [g.op('Softmax', [s], { axis: -1 }), 'v']);
  const m = checkFusion(g.model([y]), { passes: [fuseAttention] }, ['FusedAttention']);
  assert.equal(m.graph.nodes.length, 1);
  assert.deepEqual(m.graph.nodes[0].attributes.get('transpose_k'), { type: 'int', value: 1 });
});

test('attention without scale or mask, K^T given -> FusedAttention', () => {
  const g = new G({ q: [3, 5, 4], kt: [3, 4, 7], v: [3, 7, 2] });
  const y = g.op('MatMul', [g.op('Softmax', [g.op('MatMul', ['q', 'kt'])]), 'v']);
  checkFusion(g.model([y], 13), { passes: [fuseAttention] }, ['FusedAttention']);
});

function decomposedLayerNorm(g: G, x: string, d: number, pow: boolean, opset18: boolean): string {
  const axes: { in: string[]; attrs: Record<string, number[]> } = opset18 ? { in: [g.c(ints([-1]))], attrs: {} } : { in: [], attrs: { axes: [-1] } };
  const mean = g.op('ReduceMean', [x, ...axes.in], axes.attrs);
  const diff = g.op('Sub', [x, mean]);
  const sq = pow ? g.op('Pow', [diff, g.c(scalarF(2))]) : g.op('Mul', [diff, diff]);
  const v = g.op('ReduceMean', [sq, ...axes.in], axes.attrs);
  const n = g.op('Div', [diff, g.op('Sqrt', [g.op('Add', [v, g.c(scalarF(1e-5))])])]);
  return g.op('Add', [g.op('Mul', [n, g.c(rand([d]))]), g.c(rand([d]))]);
}

for (const [pow, opset] of [[true, 17], [false, 18]] as const) {
  test(`decomposed layer norm (${pow ? 'Pow' : 'Mul'}, opset ${opset}) -> LayerNormalization`, () => {
    const g = new G({ x: [2, 5, 16] });
    const y = decomposedLayerNorm(g, 'x', 16, pow, opset >= 18);
    const m = checkFusion(g.model([y], opset), { passes: [fuseLayerNorm] }, ['LayerNormalization']);
    assert.equal(m.graph.nodes.length, 1);
  });
}

for (const opset of [13, 20]) {
  test(`erf Gelu pattern (opset ${opset}) -> ${opset >= 20 ? 'Gelu' : 'tensorjet::Gelu'}`, () => {
    const g = new G({ x: [3, 10] });
    const e = g.op('Add', [g.op('Erf', [g.op('Div', ['x', g.c(scalarF(Math.SQRT2))])]), g.c(scalarF(1))]);
    const y = g.op('Mul', [g.op('Mul', ['x', e]), g.c(scalarF(0.5))]);
    const m = checkFusion(g.model([y], opset), { passes: [fuseLayerNorm] }, ['Gelu']);
    assert.equal(m.graph.nodes.length, 1);
    assert.equal(m.graph.nodes[0].domain, opset >= 20 ? '' : 'tensorjet');
  });
}

test('transformer block through the whole GPU pipeline', () => {
  const d = 16;
  const g = new G({ x: [2, 6, d] });
  const ln = decomposedLayerNorm(g, 'x', d, true, false);
  const proj = (w: string) => g.op('Add', [g.op('MatMul', [ln, w]), g.c(rand([d], 0.1))]);
  const q = proj(g.c(rand([d, d], 0.3))), k = proj(g.c(rand([d, d], 0.3))), v = proj(g.c(rand([d, d], 0.3)));
  const kt = g.op('Transpose', [k], { perm: [0, 2, 1] });
  const att = g.op('MatMul', [g.op('Softmax', [g.op('Mul', [g.op('MatMul', [q, kt]), g.c(scalarF(0.25))])], { axis: -1 }), v]);
  const h = g.op('Add', ['x', att]);
  const up = g.op('Add', [g.op('MatMul', [h, g.c(rand([d, 2 * d], 0.3))]), g.c(rand([2 * d], 0.1))]);
  const e = g.op('Add', [g.op('Erf', [g.op('Div', [up, g.c(scalarF(Math.SQRT2))])]), g.c(scalarF(1))]);
  const gelu = g.op('Mul', [g.op('Mul', [up, e]), g.c(scalarF(0.5))]);
  const y = g.op('Add', [h, g.op('MatMul', [gelu, g.c(rand([2 * d, d], 0.3))])]);
  const m = checkFusion(g.model([y]), { target: 'cuda' }, ['LayerNormalization', 'FusedAttention', 'FusedGemm']);
  assert.ok(m.graph.nodes.length < 12, `${m.graph.nodes.length} nodes: ${m.graph.nodes.map((n) => n.opType).join(', ')}`);
  // the erf Gelu (tensorjet::Gelu before opset 20) becomes the up-projection's epilogue
  assert.ok(!m.graph.nodes.some((n) => n.opType === 'Gelu'), 'Gelu folded into FusedGemm');
  const gemmGelu = m.graph.nodes.find((n) => n.opType === 'FusedGemm' && n.attributes.get('activation')?.value === 'Gelu');
  assert.ok(gemmGelu, 'a FusedGemm with the Gelu activation');
});

test('default pipeline is unchanged: no tensorjet ops for target cpu', () => {
  const g = new G({ x: [1, 3, 8, 8] });
  const y = g.op('Relu', [conv(g, 'x', 3, 4)]);
  const m = optimizeModel(g.model([y]), { registry });
  assert.deepEqual(m.graph.nodes.map((n) => n.opType), ['Conv', 'Relu']);
  assert.equal(DEFAULT_PASSES.length, 4);
});
