import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Graph, Model, Node } from '../../../src/ir/graph.js';
import type { Value } from '../../../src/ir/value.js';
import { optimizeModel } from '../../../src/passes/index.js';
import { executeGraph } from '../../../src/backends/cpu/executor.js';
import { makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { cpuRegistry, randomFloats, assertClose, t } from '../../helpers.js';

const registry = cpuRegistry;

function node(opType: string, inputs: string[], outputs: string[], attrs: Node['attributes'] = new Map()): Node {
  return { name: `${opType}_${outputs[0]}`, opType, domain: '', inputs, outputs, attributes: attrs };
}

function model(nodes: Node[], inputs: string[], outputs: string[], constants: Record<string, Tensor>): Model {
  const graph: Graph = {
    name: 'g',
    nodes,
    inputs: inputs.map((name) => ({ name, type: { kind: 'tensor', dtype: 'float32' } })),
    outputs: outputs.map((name) => ({ name, type: { kind: 'tensor', dtype: 'float32' } })),
    constants: new Map(Object.entries(constants)),
    valueInfo: new Map(),
  };
  return { irVersion: 8, opsets: new Map([['', 17]]), producerName: 'test', producerVersion: '', graph };
}

const run = (m: Model, feeds: Record<string, Value>) => executeGraph(m.graph, new Map(Object.entries(feeds)), { registry, opsets: m.opsets });
const rand = (dims: number[], seed: number, lo = -1, hi = 1) => makeTensor('float32', dims, randomFloats(dims.reduce((a, b) => a * b, 1), seed, lo, hi));

test('Conv + BatchNormalization folds into one Conv with the same output', () => {
  const m = model(
    [
      node('Conv', ['x', 'w', 'b'], ['c'], new Map([['pads', { type: 'ints', value: [1, 1, 1, 1] }]])),
      node('BatchNormalization', ['c', 'gamma', 'beta', 'mean', 'var'], ['y']),
    ],
    ['x'],
    ['y'],
    { w: rand([4, 3, 3, 3], 1), b: rand([4], 2), gamma: rand([4], 3, 0.5, 2), beta: rand([4], 4), mean: rand([4], 5), var: rand([4], 6, 0.1, 2) },
  );
  const x = rand([2, 3, 5, 5], 7);
  const before = run(m, { x });
  const opt = optimizeModel(m, { registry });
  assert.deepEqual(opt.graph.nodes.map((n) => n.opType), ['Conv']);
  assert.equal(m.graph.nodes.length, 2, 'the source model is not mutated');
  assertClose(run(opt, { x })[0], before[0] as Tensor, { rtol: 1e-5, atol: 1e-5 });
});

test('Gemm (transB) + BatchNormalization folds into one Gemm', () => {
  const attrs = new Map([['transB', { type: 'int' as const, value: 1 }], ['beta', { type: 'float' as const, value: 0.5 }]]);
  const m = model(
    [node('Gemm', ['x', 'w', 'c'], ['g'], attrs), node('BatchNormalization', ['g', 'gamma', 'beta', 'mean', 'var'], ['y'])],
    ['x'],
    ['y'],
    { w: rand([6, 4], 1), c: rand([6], 2), gamma: rand([6], 3, 0.5, 2), beta: rand([6], 4), mean: rand([6], 5), var: rand([6], 6, 0.1, 2) },
  );
  const x = rand([3, 4], 9);
  const before = run(m, { x });
  const opt = optimizeModel(m, { registry });
  assert.deepEqual(opt.graph.nodes.map((n) => n.opType), ['Gemm']);
  assertClose(run(opt, { x })[0], before[0] as Tensor, { rtol: 1e-5, atol: 1e-5 });
});

test('Identity and inference Dropout are removed; constant subgraphs fold; dead nodes go', () => {
  const m = model(
    [
      node('Identity', ['x'], ['i1']),
      node('Add', ['k1', 'k2'], ['k3']), // constant: folds
      node('Dropout', ['i1'], ['d1']),
      node('Mul', ['d1', 'k3'], ['y']),
      node('Neg', ['x'], ['unused']), // dead
    ],
    ['x'],
    ['y'],
    { k1: t('float32', [2], [1, 2]), k2: t('float32', [2], [3, 4]) },
  );
  const opt = optimizeModel(m, { registry });
  assert.deepEqual(opt.graph.nodes.map((n) => n.opType), ['Mul']);
  assert.deepEqual(opt.graph.nodes[0].inputs, ['x', 'k3']);
  assert.deepEqual([...opt.graph.constants.keys()], ['k3']);
  assertClose(run(opt, { x: t('float32', [2], [1, 1]) })[0], t('float32', [2], [4, 6]));
});

test('folding is bounded: a huge ConstantOfShape stays a runtime node instead of allocating', () => {
  const m = model(
    [node('ConstantOfShape', ['shape'], ['big']), node('Add', ['big', 'x'], ['y'])],
    ['x'],
    ['y'],
    { shape: t('int64', [3], [100000, 100000, 100000]) },
  );
  const opt = optimizeModel(m, { registry, foldLimitBytes: 1 << 20 });
  assert.deepEqual(opt.graph.nodes.map((n) => n.opType), ['ConstantOfShape', 'Add']);
  assert.throws(() => run(opt, { x: t('float32', [1], [1]) }), (e: Error & { code?: string }) => e.code === 'E_ALLOCATION_LIMIT');
});

test('an Identity whose output is a graph output is kept (the output name must survive)', () => {
  const m = model([node('Identity', ['x'], ['y'])], ['x'], ['y'], {});
  const opt = optimizeModel(m, { registry });
  assert.equal(opt.graph.nodes.length, 1);
});

test('fusions only insert ops the target backend runs', () => {
  const m = model(
    [node('Conv', ['x', 'w', 'b'], ['c']), node('Relu', ['c'], ['y'])],
    ['x'],
    ['y'],
    { w: rand([4, 3, 3, 3], 1), b: rand([4], 2) },
  );
  const fused = optimizeModel(m, { registry, target: 'cuda' });
  assert.deepEqual(fused.graph.nodes.map((n) => `${n.domain}:${n.opType}`), ['tensorjet:FusedConv']);
  const plain = optimizeModel(m, { registry, target: 'cuda', supports: (domain) => domain !== 'tensorjet' });
  assert.deepEqual(plain.graph.nodes.map((n) => n.opType), ['Conv', 'Relu']);
});
