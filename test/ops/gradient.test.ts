/** Gradient (ai.onnx.preview.training): reverse-mode derivatives checked against hand-derived values. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Graph, Node } from '../../src/ir/graph.js';
import type { Value } from '../../src/ir/value.js';
import { executeGraph } from '../../src/backends/cpu/executor.js';
import { cpuRegistry, t, assertClose } from '../helpers.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import { isTensorJetError } from '../../src/errors.js';

const node = (opType: string, inputs: string[], outputs: string[], domain = '', attrs: Node['attributes'] = new Map()): Node => ({ name: `${opType}_${outputs[0]}`, opType, domain, inputs, outputs, attributes: attrs });

function run(nodes: Node[], feeds: Record<string, Tensor>, outputs: string[]): Value[] {
  const graph: Graph = {
    name: 'g', nodes, inputs: Object.keys(feeds).map((name) => ({ name, type: { kind: 'tensor', dtype: 'float32' } })),
    outputs: outputs.map((name) => ({ name, type: { kind: 'tensor', dtype: 'float32' } })), constants: new Map(), valueInfo: new Map(),
  };
  return executeGraph(graph, new Map(Object.entries(feeds)), { registry: cpuRegistry, opsets: new Map([['', 17], ['ai.onnx.preview.training', 1]]) });
}

const grad = (xs: string[], y: string, outs: string[]) =>
  node('Gradient', xs, outs, 'ai.onnx.preview.training', new Map([['xs', { type: 'strings', value: xs }], ['y', { type: 'string', value: y }]]));

test('d((a+b)*a) = (2a+b, a); d((a-b)/b) with broadcasting sums over the broadcast axis', () => {
  const a = t('float32', [2], [1, 3]);
  const b = t('float32', [2], [2, 5]);
  const r = run([node('Add', ['a', 'b'], ['c']), node('Mul', ['c', 'a'], ['d']), grad(['a', 'b'], 'd', ['ga', 'gb'])], { a, b }, ['ga', 'gb']);
  assertClose(r[0] as Tensor, t('float32', [2], [4, 11]));
  assertClose(r[1] as Tensor, t('float32', [2], [1, 3]));
  // y = (a - s) / s with s scalar broadcast: dy/ds = sum(-1/s - (a-s)/s^2) = sum(-a/s^2)
  const s = t('float32', [], [2]);
  const r2 = run([node('Sub', ['a', 's'], ['u']), node('Div', ['u', 's'], ['y']), node('Neg', ['y'], ['z']), grad(['a', 's'], 'z', ['ga', 'gs'])], { a, s }, ['ga', 'gs']);
  assertClose(r2[0] as Tensor, t('float32', [2], [-0.5, -0.5]));
  assertClose(r2[1] as Tensor, t('float32', [], [(1 + 3) / 4]));
});

test('an op it cannot differentiate is refused with E_UNSUPPORTED_OP', () => {
  assert.throws(
    () => run([node('Exp', ['a'], ['e']), grad(['a'], 'e', ['ga'])], { a: t('float32', [1], [0]) }, ['ga']),
    (e: unknown) => isTensorJetError(e) && e.code === 'E_UNSUPPORTED_OP' && /Exp/.test(e.message),
  );
});
