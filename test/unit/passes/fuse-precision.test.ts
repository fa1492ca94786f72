/** fp16 pass: relative L2 vs fp32 <= 1e-2 for a small conv net and a transformer block; IO dtypes kept. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Value } from '../../../src/ir/value.js';
import { optimizeModel } from '../../../src/passes/index.js';
import { makeTensor } from '../../../src/tensor/tensor.js';
import { G, rand, registry, relL2, run, scalarF } from './fuse-graphs.js';

function check(m: ReturnType<G['model']>, fp32Layers: string[] = []) {
  const feeds = new Map<string, Value>(m.graph.inputs.map((i) => [i.name, rand((i.type as { shape: number[] }).shape)]));
  const ref = run(optimizeModel(m, { registry, target: 'cuda', precision: 'fp32' }), feeds);
  const opt = optimizeModel(m, { registry, target: 'cuda', precision: 'fp16', fp32Layers });
  const out = run(opt, feeds);
  out.forEach((o, i) => {
    assert.equal(o.dtype, 'float32');
    const e = relL2(o, ref[i]);
    assert.ok(e <= 1e-2, `relative L2 ${e}`);
  });
  return opt;
}

test('fp16: small conv net', () => {
  const g = new G({ x: [1, 3, 12, 12] });
  let h = 'x';
  for (const [ci, co] of [[3, 8], [8, 8], [8, 4]]) {
    h = g.op('Relu', [g.op('Conv', [h, g.c(rand([co, ci, 3, 3], 0.3)), g.c(rand([co], 0.1))], { pads: [1, 1, 1, 1] })]);
  }
  const p = g.op('GlobalAveragePool', [h]);
  const y = g.op('Softmax', [g.op('Flatten', [p])], { axis: -1 });
  const m = check(g.model([y]));
  assert.ok([...m.graph.constants.values()].some((t) => t.dtype === 'float16'), 'weights stored as float16');
  const reads = new Set(m.graph.nodes.flatMap((n) => n.inputs));
  assert.deepEqual([...m.graph.constants.keys()].filter((k) => !reads.has(k)), [], 'no weight left unread (the float32 originals)');
  assert.ok(m.graph.nodes.some((n) => n.opType === 'Cast'));
  // Softmax reads and writes fp16 (the CUDA kernel accumulates in fp32): no Cast in front of it
  const sm = m.graph.nodes.find((n) => n.opType === 'Softmax')!;
  assert.ok(!m.graph.nodes.some((n) => n.opType === 'Cast' && n.outputs[0] === sm.inputs[0]), 'Softmax runs in fp16');
});

test('fp16: nearest Resize runs in fp16, its roi and scales stay float32', () => {
  const g = new G({ x: [1, 4, 6, 6] });
  const conv = (h: string) => g.op('Conv', [h, g.c(rand([4, 4, 3, 3], 0.3)), g.c(rand([4], 0.1))], { pads: [1, 1, 1, 1] });
  const up = g.op('Resize', [conv('x'), g.c(rand([0])), g.c(makeTensor('float32', [4], Float32Array.of(1, 1, 2, 2)))], { mode: 'nearest' });
  const m = check(g.model([conv(up)]));
  const rs = m.graph.nodes.find((n) => n.opType === 'Resize')!;
  assert.ok(!m.graph.nodes.some((n) => n.opType === 'Cast' && (n.outputs[0] === rs.inputs[0] || n.inputs[0] === rs.outputs[0])), 'no Cast around the Resize');
  assert.equal(m.graph.constants.get(rs.inputs[2])!.dtype, 'float32');
});

test('fp16: transformer block, with an fp32 layer kept', () => {
  const d = 16;
  const g = new G({ x: [2, 6, d] });
  const mean = g.op('ReduceMean', ['x'], { axes: [-1] });
  const diff = g.op('Sub', ['x', mean]);
  const v = g.op('ReduceMean', [g.op('Pow', [diff, g.c(scalarF(2))])], { axes: [-1] });
  const ln = g.op('Add', [g.op('Mul', [g.op('Div', [diff, g.op('Sqrt', [g.op('Add', [v, g.c(scalarF(1e-5))])])]), g.c(rand([d]))]), g.c(rand([d]))]);
  const proj = () => g.op('MatMul', [ln, g.c(rand([d, d], 0.3))]);
  const q = proj(), k = proj(), vv = proj();
  const att = g.op('MatMul', [g.op('Softmax', [g.op('Div', [g.op('MatMul', [q, g.op('Transpose', [k], { perm: [0, 2, 1] })]), g.c(scalarF(4))])], { axis: -1 }), vv]);
  const h = g.op('Add', ['x', att]);
  const up = g.op('Relu', [g.op('Add', [g.op('MatMul', [h, g.c(rand([d, 2 * d], 0.3))]), g.c(rand([2 * d], 0.1))])]);
  const y = g.op('Add', [h, g.op('MatMul', [up, g.c(rand([2 * d, d], 0.3))])]);
  const model = g.model([y]);
  const keep = model.graph.nodes.find((n) => n.opType === 'MatMul')!.name;
  const m = check(model, [keep]);
  assert.ok(m.graph.nodes.some((n) => n.opType === 'LayerNormalization'));
});
