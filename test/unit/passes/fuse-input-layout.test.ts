/**
 * passes/fuse-input-layout.ts: the CNN input edge (Cast -> Transpose [0, 2, 3, 1] -> channel Pad) becomes one
 * tensorjet::NchwToNhwc. The NHWC pass needs cuDNN inside optimizeModel, so the chain the pipeline produces is
 * built as layout-nhwc.test.ts does (fp16 pipeline, then convertToNhwc); CPU execution must match bit for bit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Model } from '../../../src/ir/graph.js';
import type { Value } from '../../../src/ir/value.js';
import { cloneGraph, optimizeModel } from '../../../src/passes/index.js';
import { convertToNhwc } from '../../../src/passes/layout-nhwc.js';
import { fuseInputLayout } from '../../../src/passes/fuse-input-layout.js';
import type { PassContext } from '../../../src/passes/pass.js';
import { G, ints, rand, registry, run } from './fuse-graphs.js';

const conv = (g: G, x: string, cin: number, cout: number, k = 3, s = 1) =>
  g.op('Conv', [x, g.c(rand([cout, cin, k, k], 0.3)), g.c(rand([cout], 0.1))], { pads: [k >> 1, k >> 1, k >> 1, k >> 1], strides: [s, s] });

/** fp16 pipeline + NHWC (what a CUDA fp16 build produces), before the input fusion. */
function nhwcModel(m: Model): Model {
  const fp16 = optimizeModel(m, { registry, target: 'cuda', precision: 'fp16' });
  const out: Model = { ...fp16, opsets: new Map(fp16.opsets), graph: cloneGraph(fp16.graph) };
  assert.ok(convertToNhwc(out.graph, 17) > 0);
  return out;
}

/** Runs the pass on a copy; the outputs must equal the unfused model's exactly. */
function fuse(m: Model, supports?: PassContext['supports']): { model: Model; changes: number } {
  const out: Model = { ...m, opsets: new Map(m.opsets), graph: cloneGraph(m.graph) };
  const changes = fuseInputLayout.run(out.graph, { model: out, registry, foldLimitBytes: 1 << 26, supports });
  const feeds = new Map<string, Value>(m.graph.inputs.map((i) => [i.name, rand((i.type as { shape: number[] }).shape, 4)]));
  const want = run(m, feeds), got = run(out, feeds);
  want.forEach((w, i) => {
    assert.deepEqual(got[i].dims, w.dims);
    assert.equal(got[i].dtype, w.dtype);
    assert.deepEqual(Array.from(got[i].data as ArrayLike<number>), Array.from(w.data as ArrayLike<number>), `output ${i}`);
  });
  return { model: out, changes };
}
const ops = (m: Model) => m.graph.nodes.map((n) => n.opType);

test('ResNet-style RGB stem (fp16, NHWC): Cast -> Transpose -> Pad 3 -> 4 becomes one NchwToNhwc', () => {
  const g = new G({ x: [2, 3, 9, 7] });
  const y = g.op('Relu', [conv(g, 'x', 3, 8, 7, 2)]);
  const m = nhwcModel(g.model([g.op('GlobalAveragePool', [conv(g, y, 8, 8)])]));
  // the exact chain the fp16 and NHWC passes put in front of the first conv
  const [cast, tr, pad] = m.graph.nodes;
  assert.deepEqual([cast.name, tr.name, pad.name], ['x_fp16_cast', 'x_fp16__nhwc_transpose', 'x_fp16__nhwc_c4_pad']);
  const { model, changes } = fuse(m);
  assert.equal(changes, 2); // Cast + Transpose, then the Pad joins
  const n = model.graph.nodes[0];
  assert.equal(n.opType, 'NchwToNhwc');
  assert.equal(n.domain, 'tensorjet');
  assert.deepEqual(n.inputs, ['x']);
  assert.equal(n.attributes.get('to')?.value, 10);
  assert.equal(n.attributes.get('pad_channels')?.value, 4);
  assert.ok(!ops(model).includes('Pad'));
  assert.equal(model.graph.nodes.length, m.graph.nodes.length - 2);
  assert.equal(model.graph.nodes.find((k) => k.inputs.includes(n.outputs[0]))?.opType, 'FusedConv'); // the padded value feeds conv1 (+ Relu)
  assert.ok(!model.graph.constants.has(pad.inputs[1]), 'the Pad\'s pads constant is dropped');
  assert.equal(model.opsets.get('tensorjet'), 1);
});

test('Transpose -> Pad without a Cast (fp32), and Cast -> Transpose without a Pad', () => {
  const g = new G({ x: [1, 3, 5, 6] });
  const t = g.op('Transpose', ['x'], { perm: [0, 2, 3, 1] });
  const p = g.op('Pad', [t, g.c(ints([0, 0, 0, 0, 0, 0, 0, 5]))]);
  const a = fuse(g.model([p]));
  assert.deepEqual(ops(a.model), ['NchwToNhwc']);
  assert.equal(a.model.graph.nodes[0].attributes.get('pad_channels')?.value, 8);
  assert.ok(!a.model.graph.nodes[0].attributes.has('to'));

  const h = new G({ x: [2, 3, 5, 3] });
  const c = h.op('Cast', ['x'], { to: 10 });
  const b = fuse(h.model([h.op('Transpose', [c], { perm: [0, 2, 3, 1] })]));
  assert.deepEqual(ops(b.model), ['NchwToNhwc']);
  assert.ok(!b.model.graph.nodes[0].attributes.has('pad_channels'));
});

test('does not fire: an intermediate with a second reader or a graph output, other pads, wide C, unsupported op', () => {
  // the transposed value is also read by a Relu
  const g = new G({ x: [1, 3, 4, 4] });
  const c = g.op('Cast', ['x'], { to: 10 });
  const t = g.op('Transpose', [c], { perm: [0, 2, 3, 1] });
  const p = g.op('Pad', [t, g.c(ints([0, 0, 0, 0, 0, 0, 0, 1]))]);
  const r = fuse(g.model([p, g.op('Relu', [t])]));
  assert.deepEqual(ops(r.model), ['NchwToNhwc', 'Pad', 'Relu']); // Cast + Transpose still fuse; the Pad cannot
  // the cast value is a graph output: the Cast stays, Transpose + Pad fuse on its fp16 output
  const h = new G({ x: [1, 3, 4, 4] });
  const hc = h.op('Cast', ['x'], { to: 10 });
  const ht = h.op('Transpose', [hc], { perm: [0, 2, 3, 1] });
  const hm = fuse(h.model([h.op('Pad', [ht, h.c(ints([0, 0, 0, 0, 0, 0, 0, 1]))]), hc])).model;
  assert.deepEqual(ops(hm), ['Cast', 'NchwToNhwc']);
  assert.deepEqual(hm.graph.nodes[1].inputs, [hc]);
  // padding elsewhere than the end of the last axis, a non-zero value, another perm, too many channels
  for (const [pads, value, perm, cin] of [
    [[0, 0, 0, 1, 0, 0, 0, 0], 0, [0, 2, 3, 1], 3],
    [[0, 0, 1, 0, 0, 0, 0, 1], 0, [0, 2, 3, 1], 3],
    [[0, 0, 0, 0, 0, 0, 0, 1], 1, [0, 2, 3, 1], 3],
    [[0, 0, 0, 0, 0, 0, 0, 1], 0, [0, 3, 2, 1], 3],
    [[0, 0, 0, 0, 0, 0, 0, 1], 0, [0, 2, 3, 1], 8],
  ] as [number[], number, number[], number][]) {
    const k = new G({ x: [1, cin, 4, 4] });
    const kt = k.op('Transpose', ['x'], { perm });
    const v = k.c(rand([], 0));
    (k.consts.get(v)!.data as Float32Array)[0] = value;
    assert.equal(fuse(k.model([k.op('Pad', [kt, k.c(ints(pads)), v])])).changes, 0, `pads [${pads}] value ${value} perm [${perm}] C ${cin}`);
  }
  // the backend lacks the op
  const s = new G({ x: [1, 3, 4, 4] });
  const st = s.op('Transpose', [s.op('Cast', ['x'], { to: 10 })], { perm: [0, 2, 3, 1] });
  assert.equal(fuse(s.model([st]), (d, op) => !(d === 'tensorjet' && op === 'NchwToNhwc')).changes, 0);
});

test('TENSORJET_FUSE_INPUT=0 turns the pass off', () => {
  const g = new G({ x: [1, 3, 4, 4] });
  const m = g.model([g.op('Transpose', [g.op('Cast', ['x'], { to: 10 })], { perm: [0, 2, 3, 1] })]);
  process.env.TENSORJET_FUSE_INPUT = '0';
  try {
    assert.equal(fuse(m).changes, 0);
  } finally {
    delete process.env.TENSORJET_FUSE_INPUT;
  }
});
