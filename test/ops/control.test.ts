import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runNode, t, assertClose } from '../helpers.js';
import type { Tensor } from '../../src/tensor/tensor.js';
import type { Attribute, Graph, Node, ValueInfo } from '../../src/ir/graph.js';

const out = (v: unknown) => v as Tensor;
const vi = (name: string, dtype: 'float32' | 'int64' | 'bool' = 'float32', shape?: number[]): ValueInfo => ({ name, type: { kind: 'tensor', dtype, shape } });
const node = (opType: string, inputs: string[], outputs: string[], attrs: Record<string, Attribute> = {}): Node => ({ name: `${opType}_${outputs[0]}`, opType, domain: '', inputs, outputs, attributes: new Map(Object.entries(attrs)) });
const graph = (nodes: Node[], inputs: ValueInfo[], outputs: ValueInfo[]): Graph => ({ name: 'g', nodes, inputs, outputs, constants: new Map(), valueInfo: new Map() });
const g = (value: Graph): Attribute => ({ type: 'graph', value });

test('If picks the branch; branches see outer-scope values', () => {
  const thenG = graph([node('Constant', [], ['a'], { value: { type: 'tensor', value: t('float32', [1], [1]) } })], [], [vi('a')]);
  const elseG = graph([node('Constant', [], ['b'], { value: { type: 'tensor', value: t('float32', [1], [2]) } })], [], [vi('b')]);
  assertClose(runNode('If', [t('bool', [], [1])], { then_branch: g(thenG), else_branch: g(elseG) })[0], t('float32', [1], [1]));
  assertClose(runNode('If', [t('bool', [], [0])], { then_branch: g(thenG), else_branch: g(elseG) })[0], t('float32', [1], [2]));
  // outer value 'in1' read from inside the branch
  const outer = graph([node('Identity', ['in1'], ['c'])], [], [vi('c')]);
  assertClose(runNode('If', [t('bool', [], [1]), t('float32', [2], [7, 8])], { then_branch: g(outer), else_branch: g(elseG) })[0], t('float32', [2], [7, 8]));
});

test('Loop: trip count, carried values, scan outputs stacked on axis 0, cond stops early', () => {
  // body(i, cond, acc): acc' = Concat(acc, i); scan = i; cond' = cond
  const body = graph(
    [
      node('Identity', ['cond_in'], ['cond_out']),
      node('Unsqueeze', ['i'], ['i1'], { axes: { type: 'ints', value: [0] } }),
      node('Concat', ['acc', 'i1'], ['acc_out'], { axis: { type: 'int', value: 0 } }),
      node('Identity', ['i'], ['scan']),
    ],
    [vi('i', 'int64', []), vi('cond_in', 'bool', []), vi('acc', 'int64')],
    [vi('cond_out', 'bool', []), vi('acc_out', 'int64'), vi('scan', 'int64', [])],
  );
  const [acc, scan] = runNode('Loop', [t('int64', [], [3]), t('bool', [], [1]), t('int64', [0], [])], { body: g(body) }, { opset: 11, outputs: 2 }).map(out);
  assert.deepEqual([...acc.data as BigInt64Array], [0n, 1n, 2n]);
  assert.deepEqual(scan.dims, [3]);
  // zero iterations: carried unchanged, empty scan output of the declared element shape
  const [acc0, scan0] = runNode('Loop', [t('int64', [], [0]), undefined, t('int64', [1], [9])], { body: g(body) }, { opset: 11, outputs: 2 }).map(out);
  assert.deepEqual([...acc0.data as BigInt64Array], [9n]);
  assert.deepEqual(scan0.dims, [0]);
  // cond false from the start: no iterations
  const [acc1] = runNode('Loop', [undefined, t('bool', [], [0]), t('int64', [1], [4])], { body: g(body) }, { opset: 11, outputs: 2 }).map(out);
  assert.deepEqual([...acc1.data as BigInt64Array], [4n]);
});

test('Scan (opset 9+): state carried, scan input reversed, scan output along axis 1', () => {
  // body(state, x): state' = x, y = x
  const body = graph([node('Identity', ['x'], ['s_out']), node('Identity', ['x'], ['y'])], [vi('s'), vi('x')], [vi('s_out'), vi('y')]);
  const [s, y] = runNode('Scan', [t('float32', [2], [0, 0]), t('float32', [3, 2], [1, 2, 3, 4, 5, 6])], {
    body: g(body), num_scan_inputs: { type: 'int', value: 1 }, scan_input_directions: { type: 'ints', value: [1] }, scan_output_axes: { type: 'ints', value: [1] },
  }, { opset: 11, outputs: 2 }).map(out);
  assertClose(s, t('float32', [2], [1, 2]));
  assertClose(y, t('float32', [2, 3], [5, 3, 1, 6, 4, 2]));
});

test('Scan (opset 8): batch axis and sequence_lens', () => {
  const body = graph([node('Identity', ['x'], ['s_out']), node('Identity', ['x'], ['y'])], [vi('s'), vi('x')], [vi('s_out'), vi('y')]);
  const [s, y] = runNode('Scan', [undefined, t('float32', [1, 1], [0]), t('float32', [1, 2, 1], [3, 4])], { body: g(body), num_scan_inputs: { type: 'int', value: 1 } }, { opset: 8, outputs: 2 }).map(out);
  assertClose(s, t('float32', [1, 1], [4]));
  assertClose(y, t('float32', [1, 2, 1], [3, 4]));
});
