/**
 * passes/conv-space-to-depth.ts: stride-2 small-channel convs become stride-1 convs on the 2x2 space-to-depth
 * input. The pass needs cuDNN inside optimizeModel, so these tests run spaceToDepthConvs through a wrapper pass
 * (after the GPU fusions, as in the pipeline) and compare fp32 CPU execution with the original graph.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Model } from '../../../src/ir/graph.js';
import type { Value } from '../../../src/ir/value.js';
import type { Pass } from '../../../src/passes/pass.js';
import { GPU_PASSES, optimizeModel } from '../../../src/passes/index.js';
import { spaceToDepthConvs } from '../../../src/passes/conv-space-to-depth.js';
import { convertToNhwc } from '../../../src/passes/layout-nhwc.js';
import { G, rand, registry, relL2, run } from './fuse-graphs.js';
import { readNumbers } from '../../../src/backends/cpu/util.js';

const s2d: Pass = { name: 's2d', run: (g, ctx) => spaceToDepthConvs(ctx.model, g) };

interface ConvOpts { k?: number | [number, number]; pads?: number[]; strides?: number[]; group?: number; autoPad?: string; relu?: boolean }

function convModel(x: number[], cout: number, o: ConvOpts = {}): Model {
  const [kh, kw] = Array.isArray(o.k) ? o.k : [o.k ?? 7, o.k ?? 7];
  const g = new G({ x });
  const attrs: Record<string, number[] | number | string> = { strides: o.strides ?? [2, 2], kernel_shape: [kh, kw] };
  if (o.autoPad) attrs.auto_pad = o.autoPad;
  else attrs.pads = o.pads ?? [kh >> 1, kw >> 1, kh >> 1, kw >> 1];
  if (o.group) attrs.group = o.group;
  const cin = x[1] / (o.group ?? 1);
  let y = g.op('Conv', ['x', g.c(rand([cout, cin, kh, kw], 0.3)), g.c(rand([cout], 0.1))], attrs);
  if (o.relu) y = g.op('Relu', [y]);
  return g.model([y]);
}

/** GPU fusions + the rewrite; returns the optimized model after checking rel L2 <= 1e-5 against the original. */
function check(m: Model): Model {
  const feeds = new Map<string, Value>(m.graph.inputs.map((i) => [i.name, rand((i.type as { shape: number[] }).shape)]));
  const want = run(m, feeds);
  const opt = optimizeModel(m, { registry, target: 'cuda', passes: [...GPU_PASSES, s2d] });
  const got = run(opt, feeds);
  want.forEach((w, i) => {
    assert.deepEqual(got[i].dims, w.dims);
    const e = relL2(got[i], w);
    assert.ok(e <= 1e-5, `output ${i}: rel L2 ${e}`);
  });
  return opt;
}

const convOf = (m: Model) => m.graph.nodes.find((n) => n.opType.endsWith('Conv'))!;
const ints = (m: Model, name: string) => {
  const a = convOf(m).attributes.get(name);
  return a && a.type === 'ints' ? a.value : undefined;
};
const ops = (m: Model) => m.graph.nodes.map((n) => n.opType);

test('ResNet conv1 (7x7 s2 p3, RGB, 224x224) + Relu: 5x5 stride-1 FusedConv on 12 channels, pads 2', () => {
  const m = check(convModel([1, 3, 224, 224], 8, { relu: true }));
  assert.deepEqual(ops(m), ['Reshape', 'Transpose', 'Reshape', 'Transpose', 'Reshape', 'FusedConv']);
  const conv = convOf(m);
  assert.equal(conv.attributes.get('activation')?.value, 'Relu');
  assert.deepEqual(m.graph.constants.get(conv.inputs[1])!.dims, [8, 12, 5, 5]);
  assert.deepEqual(ints(m, 'strides'), [1, 1]);
  assert.deepEqual(ints(m, 'pads'), [2, 2, 2, 2]);
  assert.deepEqual(ints(m, 'kernel_shape'), [5, 5]);
  // the original weight is gone
  assert.equal([...m.graph.constants.values()].filter((t) => t.dims.length === 4).length, 1);
});

test('other eligible geometries: batch 2, non-square, even pads, asymmetric kernel and pads, VALID, 1 to 4 channels', () => {
  const cases: [number[], ConvOpts, number[] /* block kernel */][] = [
    [[2, 3, 20, 18], {}, [5, 5]],
    [[1, 3, 16, 12], { k: 5, pads: [2, 2, 2, 2] }, [3, 3]],
    [[1, 2, 14, 10], { k: [5, 7], pads: [2, 3, 2, 3] }, [3, 5]],
    [[1, 3, 16, 22], { k: 6, pads: [1, 2, 1, 2] }, [4, 3]],
    [[1, 3, 16, 16], { pads: [3, 3, 0, 0] }, [6, 6]],
    [[2, 1, 12, 12], { k: 5, autoPad: 'VALID' }, [3, 3]],
    [[1, 4, 10, 10], { k: 5, pads: [2, 3, 1, 2] }, [3, 4]],
  ];
  for (const [x, o, ka] of cases) {
    const m = check(convModel(x, 5, o));
    const conv = convOf(m);
    assert.deepEqual(m.graph.constants.get(conv.inputs[1])!.dims.slice(1), [4 * x[1], ...ka], `${x} ${JSON.stringify(o)}`);
    const p = ints(m, 'pads')!;
    assert.ok(p[0] === p[2] && p[1] === p[3], `symmetric pads [${p}]`);
  }
});

test('two convs reading the same input share the space-to-depth copies', () => {
  const g = new G({ x: [1, 3, 12, 12] });
  const a = g.op('Conv', ['x', g.c(rand([4, 3, 5, 5], 0.3))], { strides: [2, 2], pads: [2, 2, 2, 2] });
  const b = g.op('Conv', ['x', g.c(rand([6, 3, 7, 7], 0.3))], { strides: [2, 2], pads: [3, 3, 3, 3] });
  const m = check(g.model([a, b]));
  assert.equal(ops(m).filter((o) => o === 'Transpose').length, 2);
});

test('ineligible convs are left alone: odd size, stride 1, 8 channels, 3x3 kernel, grouped, SAME pads, fewer outputs', () => {
  const cases: [number[], ConvOpts][] = [
    [[1, 3, 15, 16], {}],
    [[1, 3, 16, 16], { strides: [1, 1] }],
    [[1, 8, 16, 16], {}],
    [[1, 3, 16, 16], { k: 3 }],
    [[1, 4, 16, 16], { group: 2 }],
    [[1, 3, 16, 16], { autoPad: 'SAME_UPPER' }],
    [[1, 3, 16, 16], { pads: [0, 0, 3, 3] }], // more end pad than begin pad: too few block taps
  ];
  for (const [x, o] of cases) {
    const m = convModel(x, 4, o);
    const opt = check(m);
    assert.deepEqual(ops(opt), ['Conv'], `${x} ${JSON.stringify(o)}`);
    assert.deepEqual(ints(opt, 'strides'), o.strides ?? [2, 2]);
  }
});

test('fp16 then NHWC (the CUDA pipeline order): the s2d conv takes its 12 channels through one edge transpose, no channel Pad', () => {
  const g = new G({ x: [2, 3, 32, 28] });
  const y = g.op('MaxPool', [g.op('Relu', [g.op('Conv', ['x', g.c(rand([16, 3, 7, 7], 0.3)), g.c(rand([16], 0.1))], { strides: [2, 2], pads: [3, 3, 3, 3] })])], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
  const m = g.model([y]);
  const feeds = new Map<string, Value>([['x', rand([2, 3, 32, 28])]]);
  const want = run(optimizeModel(m, { registry, target: 'cuda', precision: 'fp16' }), feeds)[0];
  const opt = optimizeModel(m, { registry, target: 'cuda', precision: 'fp16', passes: [...GPU_PASSES, s2d] });
  assert.ok(convertToNhwc(opt.graph, 17) > 0);
  const got = run(opt, feeds)[0];
  assert.deepEqual(got.dims, want.dims);
  const a = readNumbers(got), b = readNumbers(want);
  for (let j = 0; j < a.length; j++) assert.ok(Math.abs(a[j] - b[j]) <= 1e-2 * (1 + Math.abs(b[j])), `[${j}]: ${a[j]} vs ${b[j]}`);
  assert.equal(ops(opt).filter((o) => o === 'Transpose').length, 4); // two s2d copies, the NHWC edge in and out
  assert.equal(ops(opt).filter((o) => o === 'Pad').length, 0);
  const conv = convOf(opt);
  assert.equal(conv.attributes.get('layout')?.value, 'NHWC');
  assert.deepEqual(opt.graph.constants.get(conv.inputs[1])!.dims, [16, 5, 5, 12]);
});
