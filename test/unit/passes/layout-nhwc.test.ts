/**
 * passes/layout-nhwc.ts: NHWC convs and the values that flow on through pools, Concat / Split / Slice /
 * Resize and elementwise ops. The pass needs cuDNN to run inside optimizeModel, so these tests call
 * convertToNhwc on the fp16-optimized graph directly and compare CPU execution before and after
 * (the CPU kernels read layout = 'NHWC' on Conv / FusedConv / pools; the rest is remapped axes and constants).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Model } from '../../../src/ir/graph.js';
import type { Value } from '../../../src/ir/value.js';
import { cloneGraph, optimizeModel } from '../../../src/passes/index.js';
import { convertToNhwc } from '../../../src/passes/layout-nhwc.js';
import { readNumbers } from '../../../src/backends/cpu/util.js';
import { makeTensor } from '../../../src/tensor/tensor.js';
import { G, rand, registry, run, ints } from './fuse-graphs.js';

const conv = (g: G, x: string, cin: number, cout: number, k = 3, s = 1) =>
  g.op('Conv', [x, g.c(rand([cout, cin, k, k], 0.3)), g.c(rand([cout], 0.1))], { pads: [k >> 1, k >> 1, k >> 1, k >> 1], strides: [s, s] });
const silu = (g: G, x: string) => g.op('Mul', [x, g.op('Sigmoid', [x])]);

/** fp16 GPU pipeline, then NHWC; outputs equal the fp16 graph's; returns the converted model. */
function check(m: Model): Model {
  const fp16 = optimizeModel(m, { registry, target: 'cuda', precision: 'fp16' });
  const nhwc: Model = { ...fp16, graph: cloneGraph(fp16.graph) };
  assert.ok(convertToNhwc(nhwc.graph, 17) > 0);
  const feeds = new Map<string, Value>(m.graph.inputs.map((i) => [i.name, rand((i.type as { shape: number[] }).shape)]));
  const want = run(fp16, feeds);
  const got = run(nhwc, feeds);
  want.forEach((w, i) => {
    assert.deepEqual(got[i].dims, w.dims);
    const a = readNumbers(got[i]), b = readNumbers(w);
    for (let j = 0; j < a.length; j++) assert.ok(Math.abs(a[j] - b[j]) <= 2e-3 * (1 + Math.abs(b[j])), `output ${i}[${j}]: ${a[j]} vs ${b[j]}`);
  });
  return nhwc;
}
const count = (m: Model, op: string) => m.graph.nodes.filter((n) => n.opType === op).length;
const layoutOf = (m: Model, op: string) => m.graph.nodes.filter((n) => n.opType === op).map((n) => n.attributes.get('layout')?.value);

test('ResNet stem and block: RGB conv padded to 4 channels, MaxPool and GlobalAveragePool NHWC, 2 edge transposes', () => {
  const g = new G({ x: [2, 3, 20, 18] });
  const stem = g.op('MaxPool', [g.op('Relu', [conv(g, 'x', 3, 8, 7, 2)])], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
  const a = g.op('Relu', [conv(g, stem, 8, 8)]);
  const b = g.op('Relu', [g.op('Add', [conv(g, a, 8, 8), conv(g, stem, 8, 8, 1)])]);
  const y = g.op('Gemm', [g.op('Flatten', [g.op('GlobalAveragePool', [b])]), g.c(rand([5, 8], 0.3)), g.c(rand([5], 0.1))], { transB: 1 });
  const m = check(g.model([y]));
  assert.equal(count(m, 'Transpose'), 2); // the input, the pooled [n, 1, 1, c] (a view on the GPU)
  assert.equal(count(m, 'Pad'), 1);
  assert.deepEqual(layoutOf(m, 'MaxPool'), ['NHWC']);
  assert.deepEqual(layoutOf(m, 'GlobalAveragePool'), ['NHWC']);
  const stemConv = m.graph.nodes.find((n) => n.opType.endsWith('Conv'))!;
  assert.deepEqual(m.graph.constants.get(stemConv.inputs[1])!.dims, [8, 7, 7, 4]);
});

test('YOLO glue: split / concat / maxpool / resize / slice / per-channel mul stay NHWC between convs', () => {
  const g = new G({ x: [1, 3, 16, 16] });
  const c1 = silu(g, conv(g, 'x', 3, 16, 3, 2));
  const sp = g.op('Split', [c1, g.c(ints([8, 8]))], { axis: 1 });
  g.nodes[g.nodes.length - 1].outputs.push('sp1');
  const b = silu(g, conv(g, 'sp1', 8, 8));
  const cat = g.op('Concat', [sp, 'sp1', b], { axis: 1 });
  const c2 = silu(g, conv(g, cat, 24, 16, 1));
  const p1 = g.op('MaxPool', [c2], { kernel_shape: [5, 5], strides: [1, 1], pads: [2, 2, 2, 2] });
  const up = g.op('Resize', [p1, '', g.c(makeTensor('float32', [4], Float32Array.of(1, 1, 2, 2)))], { mode: 'nearest' });
  const down = conv(g, up, 16, 16, 3, 2);
  const sl = g.op('Slice', [down, g.c(ints([4])), g.c(ints([12])), g.c(ints([1]))]);
  const scaled = g.op('Mul', [sl, g.c(rand([8, 1, 1], 1))]);
  const head = g.op('Sigmoid', [conv(g, g.op('Concat', [scaled, p1], { axis: 1 }), 24, 4, 1)]);
  const m = check(g.model([head, c2]));
  // the input, and the two graph outputs
  assert.equal(count(m, 'Transpose'), 3);
  assert.deepEqual(layoutOf(m, 'MaxPool'), ['NHWC']);
  const axes = m.graph.constants.get(m.graph.nodes.find((n) => n.opType === 'Slice')!.inputs[3])!;
  assert.deepEqual(Array.from(axes.data as BigInt64Array, Number), [3]);
  assert.ok(m.graph.nodes.filter((n) => n.opType === 'Concat').every((n) => n.attributes.get('axis')?.value === 3));
});

test('a Shape reader of an NHWC value gets its dims reordered, not a transpose (YOLO chunk: Shape -> Slice bounds)', () => {
  const g = new G({ x: [1, 8, 6, 6] });
  const c = silu(g, conv(g, 'x', 8, 16));
  const half = g.op('Div', [g.op('Gather', [g.op('Shape', [c]), g.c(makeTensor('int64', [1], BigInt64Array.of(1n)))], { axis: 0 }), g.c(ints([2]))]);
  const lo = g.op('Slice', [c, g.c(ints([0])), half, g.c(ints([1]))]);
  const hw = g.op('Shape', [c], { start: -2 });
  const y = conv(g, g.op('Concat', [lo, silu(g, conv(g, lo, 8, 8))], { axis: 1 }), 16, 4, 1);
  const m = check(g.model([y, hw]));
  assert.equal(count(m, 'Transpose'), 2, m.graph.nodes.map((n) => `${n.opType}(${n.inputs})`).join(' ')); // the input and the output
  assert.equal(count(m, 'Shape'), 2);
});

test('a non-conv reader alone does not pull a value into NHWC when that adds transposes', () => {
  const g = new G({ x: [1, 8, 6, 6], r: [1, 8, 6, 6] });
  const c = conv(g, 'x', 8, 8);
  const y = g.op('Div', [c, 'r']); // runtime NCHW operand: stays NCHW
  const m = check(g.model([y]));
  assert.equal(count(m, 'Transpose'), 2, m.graph.nodes.map((n) => `${n.opType}(${n.inputs})`).join(' '));
  assert.ok(m.graph.nodes.some((n) => n.inputs.includes('r') && !n.opType.endsWith('Conv')));
});
