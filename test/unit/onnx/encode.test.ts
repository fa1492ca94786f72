import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { encodeModel, encodeTensorProto } from '../../../src/onnx/encode.js';
import { importModel, readTensorProto } from '../../../src/onnx/import.js';
import type { Graph, Model } from '../../../src/ir/graph.js';
import type { Tensor } from '../../../src/tensor/tensor.js';

const DATA = path.resolve(process.cwd(), '../shared/onnx-backend-tests');

const tensors: Tensor[] = [
  { dtype: 'float32', dims: [2, 2], data: new Float32Array([1, -2, 3.5, NaN]) },
  { dtype: 'float64', dims: [1], data: new Float64Array([0.1]) },
  { dtype: 'int64', dims: [2], data: new BigInt64Array([-(2n ** 63n), 2n ** 62n]) },
  { dtype: 'uint64', dims: [1], data: new BigUint64Array([2n ** 64n - 1n]) },
  { dtype: 'int8', dims: [3], data: new Int8Array([-128, 0, 127]) },
  { dtype: 'bool', dims: [2], data: new Uint8Array([1, 0]) },
  { dtype: 'float16', dims: [2], data: new Uint16Array([0x3c00, 0x7e00]) },
  { dtype: 'bfloat16', dims: [1], data: new Uint16Array([0x3f80]) },
  { dtype: 'int4', dims: [3], data: new Int8Array([-8, 7, -1]) },
  { dtype: 'uint4', dims: [1], data: new Uint8Array([15]) },
  { dtype: 'int2', dims: [5], data: new Int8Array([-2, -1, 0, 1, -2]) },
  { dtype: 'uint2', dims: [2], data: new Uint8Array([3, 2]) },
  { dtype: 'float4e2m1', dims: [3], data: new Uint8Array([0x1, 0xf, 0x8]) },
  { dtype: 'float8e5m2', dims: [1], data: new Uint8Array([0x3c]) },
  { dtype: 'string', dims: [2], data: ['a', 'ünï'] },
  { dtype: 'uint32', dims: [0], data: new Uint32Array(0) },
];

test('TensorProto round trip for every storage kind', () => {
  for (const t of tensors) {
    const back = readTensorProto(encodeTensorProto(t, 'x'));
    assert.deepEqual(back, t, t.dtype);
  }
});

test('model round trip: nodes, attributes, subgraphs, constants, types', () => {
  const sub: Graph = {
    name: 'body', nodes: [{ name: 'id', opType: 'Identity', domain: '', inputs: ['x'], outputs: ['o'], attributes: new Map() }],
    inputs: [], outputs: [{ name: 'o', type: { kind: 'tensor', dtype: 'float32', shape: [2, 2] } }], constants: new Map(), valueInfo: new Map(),
  };
  const model: Model = {
    irVersion: 10, opsets: new Map([['', 21], ['com.microsoft', 1]]), producerName: 'tensorjet', producerVersion: '0.1',
    graph: {
      name: 'main',
      nodes: [
        { name: 'n0', opType: 'If', domain: '', inputs: ['c'], outputs: ['y'], attributes: new Map([['then_branch', { type: 'graph', value: sub }], ['else_branch', { type: 'graph', value: sub }]]) },
        {
          name: 'n1', opType: 'Foo', domain: 'com.microsoft', inputs: ['y', '', 'k0'], outputs: ['z'], attributes: new Map<string, never>(Object.entries({
            f: { type: 'float', value: 0.5 }, i: { type: 'int', value: -3 }, s: { type: 'string', value: 'hé' }, t: { type: 'tensor', value: tensors[0] },
            fs: { type: 'floats', value: [0.25, 1] }, is: { type: 'ints', value: [1, 2, 3] }, ss: { type: 'strings', value: ['a', ''] },
            ts: { type: 'tensors', value: [tensors[2], tensors[8]] }, gs: { type: 'graphs', value: [sub] },
          }) as never),
        },
      ],
      inputs: [{ name: 'c', type: { kind: 'tensor', dtype: 'bool', shape: [] } }, { name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: ['N', '?'] } },
        { name: 's', type: { kind: 'sequence', elem: { kind: 'tensor', dtype: 'int64' } } }, { name: 'o', type: { kind: 'optional', elem: { kind: 'tensor', dtype: 'float32' } } }],
      outputs: [{ name: 'z', type: { kind: 'tensor', dtype: 'float32' } }],
      constants: new Map(tensors.map((t, i) => [`k${i}`, t])),
      valueInfo: new Map([['y', { name: 'y', type: { kind: 'tensor', dtype: 'float32', shape: [2, 2] } }]]),
    },
  };
  const back = importModel(encodeModel(model));
  assert.deepEqual(back, model);
});

test('real models survive decode -> encode -> decode', () => {
  for (const rel of ['node/test_relu/model.onnx', 'light/light_resnet50.onnx', 'node/test_loop11/model.onnx', 'node/test_if_opt/model.onnx']) {
    const file = path.join(DATA, rel);
    if (!fs.existsSync(file)) continue;
    const m = importModel(file);
    assert.deepEqual(importModel(encodeModel(m)), m, rel);
  }
});
