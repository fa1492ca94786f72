/**
 * Transformer glue fusions for the CUDA pipeline: erf Gelu into the up-projection's FusedGemm when the backend is
 * CUDA (tensorjet::Gelu must be lowerable for the recovery to happen), LN(a + b) -> tensorjet::SkipLayerNorm
 * (broadcast skip, sum read elsewhere), and the fp16 pass keeping LayerNormalization / SkipLayerNorm / Softmax
 * in float16 without Casts around them.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Value } from '../../../src/ir/value.js';
import { normalizeDomain } from '../../../src/ir/graph.js';
import { LOWERINGS } from '../../../src/backends/cuda/lowering/index.js';
import { optimizeModel } from '../../../src/passes/index.js';
import { checkFusion, G, rand, registry, relL2, run, scalarF } from './fuse-graphs.js';

const cudaSupports = (domain: string, opType: string): boolean => LOWERINGS[normalizeDomain(domain) === '' ? opType : `${normalizeDomain(domain)}::${opType}`] !== undefined;

/** BERT's post-LN FFN block as torch exports it at opset 17: LN(h + W2 gelu_erf(W1 h + b1) + b2). */
function ffnBlock(g: G, h: string, d: number): string {
  const up = g.op('Add', [g.op('MatMul', [h, g.c(rand([d, 4 * d], 0.3))]), g.c(rand([4 * d], 0.1))]);
  const e = g.op('Add', [g.op('Erf', [g.op('Div', [up, g.c(scalarF(Math.SQRT2))])]), g.c(scalarF(1))]);
  const gelu = g.op('Mul', [g.op('Mul', [up, e]), g.c(scalarF(0.5))]);
  const down = g.op('Add', [g.op('MatMul', [gelu, g.c(rand([4 * d, d], 0.3))]), g.c(rand([d], 0.1))]);
  return g.op('LayerNormalization', [g.op('Add', [h, down]), g.c(rand([d])), g.c(rand([d]))], { axis: -1, epsilon: 1e-5 });
}

test('CUDA pipeline: erf Gelu becomes the FusedGemm activation, residual + LN becomes SkipLayerNorm', () => {
  const g = new G({ x: [2, 6, 16] });
  const y = ffnBlock(g, 'x', 16);
  const m = optimizeModel(g.model([y]), { registry, target: 'cuda', supports: cudaSupports });
  const ops = m.graph.nodes.map((n) => n.opType);
  assert.deepEqual(ops, ['FusedGemm', 'FusedGemm', 'SkipLayerNorm'], ops.join(', '));
  assert.equal(m.graph.nodes[0].attributes.get('activation')?.value, 'Gelu');
  checkFusion(g.model([y]), { target: 'cuda' }, ['FusedGemm', 'SkipLayerNorm'], 1e-4);
});

test('SkipLayerNorm: broadcast skip (positional embedding) and a sum read elsewhere (pre-LN residual stream)', () => {
  const g = new G({ x: [2, 5, 8] });
  const pos = g.c(rand([5, 8]));
  const sum = g.op('Add', [pos, 'x']);
  const ln = g.op('LayerNormalization', [sum, g.c(rand([8])), g.c(rand([8]))], { axis: 2 });
  const out = g.op('Add', [sum, g.op('Relu', [ln])]);
  const m = checkFusion(g.model([out]), { target: 'cuda' }, ['SkipLayerNorm'], 1e-4);
  const sln = m.graph.nodes.find((n) => n.opType === 'SkipLayerNorm')!;
  assert.equal(sln.inputs[0], 'x', 'the full-shaped operand is X');
  assert.equal(sln.outputs.length, 2, 'the sum is a second output');
});

test('SkipLayerNorm is not formed for a non-last axis or a 2-D scale', () => {
  const g = new G({ x: [2, 5, 8], z: [2, 5, 8] });
  const a = g.op('LayerNormalization', [g.op('Add', ['x', 'z']), g.c(rand([5, 8]))], { axis: 1 });
  const b = g.op('LayerNormalization', [g.op('Add', ['x', 'z']), g.c(rand([1, 8]))], { axis: -1 });
  const m = optimizeModel(g.model([a, b]), { registry, target: 'cuda' });
  assert.ok(!m.graph.nodes.some((n) => n.opType === 'SkipLayerNorm'));
});

test('fp16: LayerNormalization, SkipLayerNorm and Softmax run in float16 (no Casts around them), within tolerance', () => {
  const g = new G({ x: [2, 6, 16] });
  const ln0 = g.op('LayerNormalization', ['x', g.c(rand([16])), g.c(rand([16]))], { axis: -1 });
  const h = ffnBlock(g, ln0, 16);
  const y = g.op('Softmax', [g.op('MatMul', [h, g.c(rand([16, 10], 0.3))])], { axis: -1 });
  const model = g.model([y]);
  const feeds = new Map<string, Value>([['x', rand([2, 6, 16])]]);
  const ref = run(optimizeModel(model, { registry, target: 'cuda', precision: 'fp32' }), feeds);
  const m = optimizeModel(model, { registry, target: 'cuda', precision: 'fp16' });
  const casts = m.graph.nodes.filter((n) => n.opType === 'Cast');
  assert.equal(casts.length, 2, `only the graph input and output are cast: ${m.graph.nodes.map((n) => n.opType).join(', ')}`);
  for (const op of ['LayerNormalization', 'SkipLayerNorm', 'Softmax']) {
    const n = m.graph.nodes.find((x) => x.opType === op)!;
    assert.ok(n, `${op} present`);
    for (const i of n.inputs.slice(1)) if (m.graph.constants.has(i)) assert.equal(m.graph.constants.get(i)!.dtype, 'float16', `${op} weights stored as float16`);
  }
  const e = relL2(run(m, feeds)[0], ref[0]);
  assert.ok(e <= 1e-2, `relative L2 ${e}`);
});

test('fp16: LayerNormalization with its statistics outputs stays float32', () => {
  const g = new G({ x: [3, 8] });
  g.nodes.push({ name: 'ln', opType: 'LayerNormalization', domain: '', inputs: ['x', g.c(rand([8]))], outputs: ['y', 'mean'], attributes: new Map() });
  const m = optimizeModel(g.model(['y', 'mean']), { registry, target: 'cuda', precision: 'fp16' });
  assert.ok(!m.graph.nodes.some((n) => n.opType === 'Cast'), m.graph.nodes.map((n) => n.opType).join(', '));
});
