/** fuse-qkv: the Q/K/V projections of a FusedAttention become one FusedGemm over [Wq | Wk | Wv] (qkv = 1). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Model } from '../../../src/ir/graph.js';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import type { Value } from '../../../src/ir/value.js';
import { optimizeModel } from '../../../src/passes/index.js';
import { G, checkFusion, ints, rand, registry, relL2, run, scalarF } from './fuse-graphs.js';

const B = 2, S = 5, H = 2, D = 4, N = H * D;

interface Opts {
  /** the view target computed as the TorchScript exporter does: Concat(Unsqueeze(Gather(Shape(y), 0)), ..., [H], [D]) */
  computed?: boolean;
  /** V's head size (V's weight is [N, H * dv]) */
  dv?: number;
  /** K's projection is also a graph output */
  kOutput?: boolean;
  /** no biases */
  noBias?: boolean;
  /** layers in a row */
  layers?: number;
}

/** BERT self-attention as bench/peers/export_models.py exports it: q/k/v Linear, view + transpose(1, 2). */
function bert(o: Opts = {}): Model {
  const g = new G({ x: [B, S, N], mask: [B, 1, 1, S] });
  const dv = o.dv ?? D;
  const outs: string[] = [];
  let x = 'x';
  for (let l = 0; l < (o.layers ?? 1); l++) {
    const proj = (d: number, i: number) => {
      const mm = g.op('MatMul', [x, g.c(rand([N, H * d], 0.5))]);
      return o.noBias ? mm : g.op('Add', [mm, g.c(rand([H * d], 0.1 * i))]);
    };
    const view = (y: string, d: number) => {
      if (!o.computed) return g.op('Reshape', [y, g.c(ints([B, S, H, d]))]);
      const dim = (i: number) => g.op('Unsqueeze', [g.op('Gather', [g.op('Shape', [y]), g.c(scalar64(i))], { axis: 0 }), g.c(ints([0]))]);
      return g.op('Reshape', [y, g.op('Concat', [dim(0), dim(1), g.c(ints([H])), g.c(ints([d]))], { axis: 0 })]);
    };
    const kp = proj(D, 2);
    if (o.kOutput) outs.push(kp);
    const q = g.op('Transpose', [view(proj(D, 1), D)], { perm: [0, 2, 1, 3] });
    const kt = g.op('Transpose', [view(kp, D)], { perm: [0, 2, 3, 1] });
    const v = g.op('Transpose', [view(proj(dv, 3), dv)], { perm: [0, 2, 1, 3] });
    const s = g.op('Add', [g.op('Div', [g.op('MatMul', [q, kt]), g.c(scalarF(Math.sqrt(D)))]), 'mask']);
    const ctx = g.op('Transpose', [g.op('MatMul', [g.op('Softmax', [s], { axis: -1 }), v])], { perm: [0, 2, 1, 3] });
    const y = g.op('Reshape', [ctx, g.c(ints([B, S, H * dv]))]);
    // residual (keeps the next layer's input [B, S, N])
    x = dv === D ? g.op('Add', [x, y]) : y;
  }
  return g.model([x, ...outs]);
}

const scalar64 = (v: number): Tensor => makeTensor('int64', [], BigInt64Array.of(BigInt(v)));

const packedGemms = (m: Model) => m.graph.nodes.filter((n) => n.opType === 'FusedGemm' && m.graph.constants.get(n.inputs[1])?.dims[1] === 3 * N);

for (const computed of [false, true]) {
  test(`BERT attention (view target ${computed ? 'computed from Shape' : 'constant'}): one GEMM for Q, K, V`, () => {
    const m = checkFusion(bert({ computed }), { target: 'cuda' }, ['FusedAttention', 'FusedGemm'], 1e-5);
    const ops = m.graph.nodes.map((n) => n.opType);
    assert.equal(ops.filter((o) => ['FusedGemm', 'MatMul', 'Shape', 'Transpose'].includes(o)).length, 1, ops.join(', '));
    const [gemm] = packedGemms(m);
    assert.ok(gemm, 'a FusedGemm with a [N, 3N] weight');
    assert.deepEqual(m.graph.constants.get(gemm.inputs[2])?.dims, [3 * N]);
    const fa = m.graph.nodes.find((n) => n.opType === 'FusedAttention')!;
    assert.deepEqual(fa.inputs, [gemm.outputs[0], 'mask']);
    assert.deepEqual(fa.attributes.get('qkv'), { type: 'int', value: 1 });
    assert.deepEqual(fa.attributes.get('num_heads'), { type: 'int', value: H });
  });
}

test('symbolic batch: [H, D] read off the exporter\'s Shape arithmetic; CPU results unchanged', () => {
  const m = bert({ computed: true, layers: 2 });
  const feeds = new Map<string, Value>(m.graph.inputs.map((i) => [i.name, rand((i.type as { shape: number[] }).shape)]));
  for (const i of m.graph.inputs) (i.type as { shape: (number | string)[] }).shape[0] = 'batch';
  const before = run(m, feeds);
  const opt = optimizeModel(m, { registry, target: 'cuda' });
  assert.equal(packedGemms(opt).length, 2, opt.graph.nodes.map((n) => n.opType).join(', '));
  const after = run(opt, feeds);
  assert.ok(relL2(after[0], before[0]) < 1e-6);
});

test('no biases: the packed GEMM has none either', () => {
  const m = checkFusion(bert({ noBias: true }), { target: 'cuda' }, ['FusedAttention']);
  const [gemm] = packedGemms(m);
  assert.ok(gemm && gemm.inputs.length === 2, m.graph.nodes.map((n) => `${n.opType}(${n.inputs.length})`).join(', '));
});

test('every layer of a stack fuses (shapes inferred through the packed form)', () => {
  const m = checkFusion(bert({ layers: 3, computed: true }), { target: 'cuda' }, ['FusedAttention'], 1e-5);
  assert.equal(packedGemms(m).length, 3);
  assert.equal(m.graph.nodes.filter((n) => n.opType === 'FusedAttention' && n.attributes.get('qkv')?.value === 1).length, 3);
});

test('left alone: V weight of another shape', () => {
  const m = checkFusion(bert({ dv: 6 }), { target: 'cuda' }, ['FusedAttention']);
  assert.equal(packedGemms(m).length, 0);
  assert.ok(!m.graph.nodes.some((n) => n.attributes.has('qkv')));
});

test('left alone: a projection with another reader (a graph output)', () => {
  const m = checkFusion(bert({ kOutput: true }), { target: 'cuda' }, ['FusedAttention']);
  assert.equal(packedGemms(m).length, 0);
  assert.equal(m.graph.nodes.filter((n) => n.opType === 'FusedGemm').length, 3);
});
