/** Hand-built models and plans for the plan/runtime tests (independent of the importer and op kernels). */
import type { Graph, Model } from '../../../src/ir/graph.js';
import { KernelRegistry } from '../../../src/backends/cpu/registry.js';
import { CpuBackend } from '../../../src/backends/cpu/backend.js';
import { serializePlan } from '../../../src/plan/write.js';
import type { PlanHeader, PlanTarget, ShapeProfile } from '../../../src/plan/types.js';
import { allocTensor, makeTensor, type Tensor } from '../../../src/tensor/tensor.js';
import { ioInfos, opCounts, weightBytes } from '../../../src/runtime/builder.js';

/** y = x + w (w broadcast over the last dim); enough to exercise the runtime without real kernels. */
export function testRegistry(): KernelRegistry {
  return new KernelRegistry().addFamily('test', {
    Add: (ctx) => {
      const a = ctx.input(0);
      const b = ctx.input(1);
      const out = allocTensor('float32', a.dims);
      const o = out.data as Float32Array;
      const x = a.data as Float32Array;
      const y = b.data as Float32Array;
      for (let i = 0; i < o.length; i++) o[i] = x[i]! + y[i % y.length]!;
      return [out];
    },
  });
}

export const testBackend = () => new CpuBackend({ registry: testRegistry() });

export function addModel(): Model {
  const w = makeTensor('float32', [3], Float32Array.from([1, 2, 3]));
  const graph: Graph = {
    name: 'add',
    nodes: [{ name: 'add0', opType: 'Add', domain: '', inputs: ['x', 'w'], outputs: ['y'], attributes: new Map() }],
    inputs: [{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: ['batch', 3] } }],
    outputs: [{ name: 'y', type: { kind: 'tensor', dtype: 'float32', shape: ['batch', 3] } }],
    constants: new Map([['w', w]]),
    valueInfo: new Map(),
  };
  return { irVersion: 8, opsets: new Map([['', 17]]), producerName: 'test', producerVersion: '1', graph };
}

/** A model with every attribute kind, tensors of many dtypes, a subgraph and non-finite floats. */
export function richModel(): Model {
  const sub: Graph = {
    name: 'then',
    nodes: [{ name: 'inner', opType: 'Constant', domain: '', inputs: [], outputs: ['c'], attributes: new Map([['value', { type: 'tensor', value: makeTensor('int64', [2], BigInt64Array.from([5n, -7n])) }]]) }],
    inputs: [],
    outputs: [{ name: 'c', type: { kind: 'tensor', dtype: 'int64', shape: [2] } }],
    constants: new Map([['k', makeTensor('string', [2], ['a', 'bé'])]]),
    valueInfo: new Map(),
  };
  const m = addModel();
  const shared = makeTensor('float16', [2], Uint16Array.from([0x3c00, 0xc000]));
  m.graph.constants.set('b', makeTensor('bool', [3], Uint8Array.from([1, 0, 1])));
  m.graph.constants.set('i4', makeTensor('int4', [2], Int8Array.from([-8, 7])));
  m.graph.constants.set('f64', makeTensor('float64', [1], Float64Array.from([Math.PI])));
  m.graph.constants.set('h', shared);
  m.graph.constants.set('h2', shared);
  m.graph.nodes.push({
    name: 'if0', opType: 'If', domain: 'custom.domain', inputs: ['cond'], outputs: ['z'],
    attributes: new Map<string, import('../../../src/ir/graph.js').Attribute>([
      ['then_branch', { type: 'graph', value: sub }],
      ['graphs', { type: 'graphs', value: [sub, sub] }],
      ['alpha', { type: 'float', value: -Infinity }],
      ['betas', { type: 'floats', value: [NaN, 1.5, Infinity] }],
      ['n', { type: 'int', value: -3 }],
      ['ns', { type: 'ints', value: [1, 2] }],
      ['s', { type: 'string', value: 'hé' }],
      ['ss', { type: 'strings', value: ['x', ''] }],
      ['ts', { type: 'tensors', value: [shared, makeTensor('uint64', [1], BigUint64Array.from([2n ** 63n]))] }],
    ]),
  });
  m.graph.valueInfo.set('y', { name: 'y', type: { kind: 'tensor', dtype: 'float32', shape: ['batch', 3] } });
  return m;
}

export function makePlanBytes(model: Model, opts: { target?: PlanTarget; profiles?: ShapeProfile[]; kernels?: Uint8Array } = {}): Uint8Array {
  const header: PlanHeader = {
    formatVersion: 1,
    producer: 'test',
    createdAt: new Date(0).toISOString(),
    target: opts.target ?? { backend: 'cpu', arch: 'cpu' },
    precision: 'fp32',
    ...ioInfos(model.graph),
    profiles: opts.profiles ?? [],
    buildOptions: {},
    sourceModelHash: '0'.repeat(64),
    opCounts: opCounts(model.graph),
    weightBytes: weightBytes(model.graph),
  };
  return serializePlan({ header, model, kernels: opts.kernels ?? new Uint8Array(0) });
}

export const f32 = (dims: number[], values: number[]): Tensor => makeTensor('float32', dims, Float32Array.from(values));
