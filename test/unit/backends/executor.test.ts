import { test } from 'node:test';
import assert from 'node:assert/strict';
import { executeGraph } from '../../../src/backends/cpu/executor.js';
import { KernelRegistry } from '../../../src/backends/cpu/registry.js';
import { TensorJetError } from '../../../src/errors.js';
import type { Graph } from '../../../src/ir/graph.js';

function oneNodeGraph(opType: string): Graph {
  return {
    name: 'g',
    nodes: [{ name: 'n0', opType, domain: '', inputs: [], outputs: ['y'], attributes: new Map() }],
    inputs: [],
    outputs: [{ name: 'y', type: { kind: 'tensor', dtype: 'float32' } }],
    constants: new Map(),
    valueInfo: new Map(),
  };
}

const run = (opType: string, kernel: () => never) =>
  executeGraph(oneNodeGraph(opType), new Map(), { registry: new KernelRegistry().addFamily('t', { [opType]: kernel }), opsets: new Map([['', 21]]) });

const code = (c: string) => (e: unknown) => e instanceof TensorJetError && e.code === c && /node 'n0'/.test(e.message);

test('executor: a failed typed-array allocation is E_ALLOCATION_LIMIT, naming the node', () => {
  assert.throws(() => run('Big', () => { new Float64Array(-1); throw new Error('unreachable'); }), code('E_ALLOCATION_LIMIT'));
});

test('executor: other RangeErrors (e.g. BigInt of a fraction) are E_KERNEL, not allocation failures', () => {
  assert.throws(() => run('Frac', () => { BigInt(1.5); throw new Error('unreachable'); }), code('E_KERNEL'));
});
