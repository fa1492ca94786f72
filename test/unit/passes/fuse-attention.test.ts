/** fuse-attention absorbing the head split/merge Transposes (bshd): CPU results unchanged, Transposes gone. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { G, checkFusion, ints, rand, scalarF } from './fuse-graphs.js';
import { fuseAttention } from '../../../src/passes/fuse-attention.js';

const B = 2, S = 5, H = 2, D = 4;

/** BERT's self-attention as exported: q/k/v projections, view + transpose(1, 2), ctx transposed back. */
function bert(kMerged: boolean, extraReader = false): { g: G; y: string; extra?: string } {
  const g = new G({ x: [B, S, H * D], mask: [B, 1, 1, S] });
  const heads = (w: number) => g.op('Reshape', [g.op('Add', [g.op('MatMul', ['x', g.c(rand([H * D, H * D], 0.5))]), g.c(rand([H * D], 0.1 * w))]), g.c(ints([B, S, H, D]))]);
  const q = g.op('Transpose', [heads(1)], { perm: [0, 2, 1, 3] });
  const kh = heads(2);
  const kt = kMerged ? g.op('Transpose', [kh], { perm: [0, 2, 3, 1] }) : g.op('Transpose', [g.op('Transpose', [kh], { perm: [0, 2, 1, 3] })], { perm: [0, 1, 3, 2] });
  const v = g.op('Transpose', [heads(3)], { perm: [0, 2, 1, 3] });
  const s = g.op('Add', [g.op('Div', [g.op('MatMul', [q, kt]), g.c(scalarF(Math.sqrt(D)))]), 'mask']);
  const ctx = g.op('MatMul', [g.op('Softmax', [s], { axis: -1 }), v]);
  const t = g.op('Transpose', [ctx], { perm: [0, 2, 1, 3] });
  const y = g.op('Reshape', [t, g.c(ints([B, S, H * D]))]);
  return { g, y, extra: extraReader ? g.op('Neg', [v]) : undefined };
}

for (const kMerged of [true, false]) {
  test(`BERT attention (K ${kMerged ? 'Transpose(0,2,3,1)' : 'Transpose(0,2,1,3) -> Transpose(0,1,3,2)'}): every head Transpose absorbed`, () => {
    const { g, y } = bert(kMerged);
    const m = checkFusion(g.model([y]), { passes: [fuseAttention] }, ['FusedAttention']);
    assert.ok(!m.graph.nodes.some((n) => n.opType === 'Transpose'), m.graph.nodes.map((n) => n.opType).join(', '));
    const fa = m.graph.nodes.find((n) => n.opType === 'FusedAttention')!;
    assert.deepEqual(fa.attributes.get('bshd'), { type: 'int', value: 15 });
    assert.deepEqual(fa.attributes.get('transpose_k'), { type: 'int', value: 1 });
  });
}

test('a head Transpose with another reader stays (V read twice)', () => {
  const { g, y, extra } = bert(true, true);
  const m = checkFusion(g.model([y, extra!]), { passes: [fuseAttention] }, ['FusedAttention']);
  assert.equal(m.graph.nodes.filter((n) => n.opType === 'Transpose').length, 1);
  assert.deepEqual(m.graph.nodes.find((n) => n.opType === 'FusedAttention')!.attributes.get('bshd'), { type: 'int', value: 11 });
});

test('through the whole GPU pipeline: one FusedAttention, no Transposes', () => {
  const { g, y } = bert(true);
  const m = checkFusion(g.model([y]), { target: 'cuda' }, ['FusedAttention']);
  assert.ok(!m.graph.nodes.some((n) => n.opType === 'Transpose'), m.graph.nodes.map((n) => n.opType).join(', '));
});
