/**
 * Symbolic values of shape arithmetic (src/ops/symbolic-value.ts): a view target computed from Shape keeps
 * the symbolic batch, so a BERT layer exported with a batch range still gets SkipLayerNorm and the packed
 * Q/K/V GEMM.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Value } from '../../../src/ir/value.js';
import { inferShapes } from '../../../src/ir/shape-inference.js';
import { optimizeModel } from '../../../src/passes/index.js';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { G, ints, rand, registry, relL2, run, scalarF } from '../passes/fuse-graphs.js';

const B = 2, S = 5, H = 2, D = 4, N = H * D;
const scalar64 = (v: number): Tensor => makeTensor('int64', [], BigInt64Array.of(BigInt(v)));

/** Unsqueeze(Gather(Shape(y), i)): one dim as the TorchScript exporter reads it. */
const dimOf = (g: G, y: string, i: number) => g.op('Unsqueeze', [g.op('Gather', [g.op('Shape', [y]), g.c(scalar64(i))], { axis: 0 }), g.c(ints([0]))]);

test('Shape -> Gather -> Unsqueeze -> Concat -> Reshape keeps the symbolic batch', () => {
  const g = new G({ x: [B, S, N] });
  const target = g.op('Concat', [dimOf(g, 'x', 0), dimOf(g, 'x', 1), g.c(ints([H])), g.c(ints([-1]))], { axis: 0 });
  const y = g.op('Reshape', ['x', target]);
  // Expand to [batch, S, N] from a computed shape; a scaled dim ([S * 2]) is computed too
  const doubled = g.op('Mul', [dimOf(g, 'x', 1), g.c(ints([2]))]);
  const e = g.op('Expand', [g.c(rand([1, 1, N])), g.op('Concat', [dimOf(g, 'x', 0), dimOf(g, 'x', 1), g.c(ints([N]))], { axis: 0 })]);
  const m = g.model([y, e, doubled]);
  m.graph.inputs[0].type = { kind: 'tensor', dtype: 'float32', shape: ['batch', S, N] };
  const metas = inferShapes(m);
  assert.deepEqual(metas.get(target)?.symValue, ['batch', S, H, -1]);
  assert.deepEqual(metas.get(y)?.shape, ['batch', S, H, D]);
  assert.deepEqual(metas.get(e)?.shape, ['batch', S, N]);
  assert.deepEqual([...(metas.get(doubled)?.value?.data ?? [])], [BigInt(2 * S)], 'numeric elements fold to a constant');
});

/** BERT layer as the TorchScript exporter writes it: every view target computed from Shape. */
function bertLayer(): ReturnType<G['model']> {
  const g = new G({ x: [B, S, N], mask: [B, 1, 1, S] });
  const proj = (x: string, i: number) => g.op('Add', [g.op('MatMul', [x, g.c(rand([N, N], 0.5))]), g.c(rand([N], 0.1 * i))]);
  const split = (y: string) => g.op('Transpose', [g.op('Reshape', [y, g.op('Concat', [dimOf(g, y, 0), dimOf(g, y, 1), g.c(ints([H])), g.c(ints([D]))], { axis: 0 })])], { perm: [0, 2, 1, 3] });
  const q = split(proj('x', 1)), k = split(proj('x', 2)), v = split(proj('x', 3));
  const kt = g.op('Transpose', [k], { perm: [0, 1, 3, 2] });
  const s = g.op('Add', [g.op('Div', [g.op('MatMul', [q, kt]), g.c(scalarF(Math.sqrt(D)))]), 'mask']);
  const ctx = g.op('Transpose', [g.op('MatMul', [g.op('Softmax', [s], { axis: -1 }), v])], { perm: [0, 2, 1, 3] });
  const merged = g.op('Reshape', [ctx, g.op('Concat', [dimOf(g, 'x', 0), dimOf(g, 'x', 1), dimOf(g, 'x', 2)], { axis: 0 })]);
  const sum = g.op('Add', ['x', proj(merged, 4)]);
  const ln = g.op('LayerNormalization', [sum, g.c(rand([N], 1)), g.c(rand([N], 0.1))], { axis: -1, epsilon: 1e-12 });
  return g.model([ln]);
}

test('BERT layer with a batch range: SkipLayerNorm and the packed Q/K/V GEMM still fuse; CPU results unchanged', () => {
  const m = bertLayer();
  const feeds = new Map<string, Value>(m.graph.inputs.map((i) => [i.name, rand((i.type as { shape: number[] }).shape)]));
  for (const i of m.graph.inputs) (i.type as { shape: (number | string)[] }).shape[0] = 'batch';
  const before = run(m, feeds);
  const opt = optimizeModel(m, { registry, target: 'cuda' });
  const ops = opt.graph.nodes.map((n) => n.opType);
  assert.ok(ops.includes('SkipLayerNorm'), ops.join(', '));
  assert.ok(!ops.includes('LayerNormalization'), ops.join(', '));
  assert.equal(opt.graph.nodes.filter((n) => n.opType === 'FusedAttention' && n.attributes.get('qkv')?.value === 1).length, 1, ops.join(', '));
  assert.ok(relL2(run(opt, feeds)[0], before[0]) < 1e-5);
});
