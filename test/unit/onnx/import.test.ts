import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { importModel, readTensorProto, readValueProto } from '../../../src/onnx/import.js';
import { ModelProtoType, TensorProtoType, OptionalProtoType, SequenceProtoType } from '../../../src/onnx/proto.js';
import { isTensor, type SequenceValue, type OptionalValue } from '../../../src/ir/value.js';
import { TensorJetError } from '../../../src/errors.js';
import type { Tensor } from '../../../src/tensor/tensor.js';

const DATA = path.resolve(process.cwd(), '../shared/onnx-backend-tests');
const hasData = fs.existsSync(DATA);

const code = (c: string) => (e: unknown) => e instanceof TensorJetError && e.code === c;

/** A minimal model around `graph` fields, encoded with the real schema. */
export function encodeRaw(graph: object, extra: object = {}): Uint8Array {
  return ModelProtoType.encode({ ir_version: 10, opset_import: [{ domain: '', version: 21 }], graph, ...extra }).finish();
}

const vi = (name: string, elem = 1, dims: (number | string)[] = [2]) => ({
  name,
  type: { tensor_type: { elem_type: elem, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
});

test('decodes node/test_relu and its data set', { skip: !hasData }, () => {
  const dir = path.join(DATA, 'node/test_relu');
  const m = importModel(path.join(dir, 'model.onnx'));
  assert.equal(m.graph.nodes.length, 1);
  assert.equal(m.graph.nodes[0].opType, 'Relu');
  assert.equal(m.graph.nodes[0].name, 'Relu_0'); // generated
  assert.ok((m.opsets.get('') ?? 0) >= 7);
  assert.deepEqual(m.graph.inputs[0].type, { kind: 'tensor', dtype: 'float32', shape: [3, 4, 5] });
  const x = readValueProto(fs.readFileSync(path.join(dir, 'test_data_set_0/input_0.pb')), m.graph.inputs[0].type);
  assert.ok(isTensor(x));
  assert.deepEqual(x.dims, [3, 4, 5]);
  assert.equal(x.data.length, 60);
});

test('decodes light_resnet50 (initializers, opsets)', { skip: !hasData }, () => {
  const m = importModel(path.join(DATA, 'light/light_resnet50.onnx'));
  assert.ok(m.graph.nodes.length > 100);
  const conv = m.graph.nodes.find((n) => n.opType === 'Conv')!;
  assert.deepEqual(conv.attributes.get('kernel_shape'), { type: 'ints', value: [7, 7] });
  // light models build their weights with ConstantOfShape from int64 shape initializers
  const cos = m.graph.nodes.find((n) => n.outputs[0] === conv.inputs[1])!;
  assert.equal(cos.opType, 'ConstantOfShape');
  const shape = m.graph.constants.get(cos.inputs[0])!;
  assert.equal(shape.dtype, 'int64');
  assert.deepEqual([...shape.data], [64n, 3n, 7n, 7n]);
  // graph inputs that have an initializer stay inputs and constants
  const both = m.graph.inputs.filter((i) => m.graph.constants.has(i.name));
  assert.ok(both.length > 0);
});

test('sequence and optional value files', { skip: !hasData }, () => {
  const dir = path.join(DATA, 'node/test_sequence_insert_at_back');
  if (fs.existsSync(dir)) {
    const m = importModel(path.join(dir, 'model.onnx'));
    assert.equal(m.graph.inputs[0].type.kind, 'sequence');
    const s = readValueProto(fs.readFileSync(path.join(dir, 'test_data_set_0/input_0.pb')), m.graph.inputs[0].type) as SequenceValue;
    assert.equal(s.kind, 'sequence');
    assert.ok(s.items.length > 0);
  }
  const seq = SequenceProtoType.encode({ elem_type: 1, tensor_values: [{ data_type: 1, dims: [1], float_data: [2.5] }] }).finish();
  const sv = readValueProto(seq) as SequenceValue;
  assert.equal(sv.kind, 'sequence');
  assert.equal(sv.elemDtype, 'float32');
  assert.equal(sv.items[0].data[0], 2.5);
  const none = readValueProto(OptionalProtoType.encode({ elem_type: 1 }).finish(), { kind: 'optional', elem: { kind: 'tensor', dtype: 'float32' } }) as OptionalValue;
  assert.deepEqual(none, { kind: 'optional', value: null });
  const some = readValueProto(OptionalProtoType.encode({ elem_type: 1, tensor_value: { data_type: 6, dims: [], int32_data: [7] } }).finish(), { kind: 'optional', elem: { kind: 'tensor', dtype: 'int32' } }) as OptionalValue;
  assert.equal((some.value as Tensor).data[0], 7);
});

test('truncated or garbage bytes -> E_MODEL_DECODE', { skip: !hasData }, () => {
  const bytes = fs.readFileSync(path.join(DATA, 'light/light_squeezenet.onnx'));
  for (const cut of [bytes.length - 1, Math.floor(bytes.length / 2), 40]) {
    assert.throws(() => importModel(bytes.subarray(0, cut)), (e: unknown) => {
      return code('E_MODEL_DECODE')(e) && /truncated|decode/.test((e as Error).message) && !(e as Error).message.includes('\n');
    });
  }
  assert.throws(() => importModel(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff])), code('E_MODEL_DECODE'));
  assert.throws(() => readTensorProto(new Uint8Array([0x0a, 0x50, 1])), code('E_MODEL_DECODE'));
});

test('missing graph -> E_MODEL_INVALID; missing file -> E_IO', () => {
  assert.throws(() => importModel(new Uint8Array(0)), code('E_MODEL_INVALID'));
  assert.throws(() => importModel('/nonexistent/model.onnx'), code('E_IO'));
});

test('a tiny model claiming a huge initializer fails fast and clearly', () => {
  const bytes = encodeRaw({ name: 'g', initializer: [{ name: 'huge', data_type: 1, dims: [100000, 100000, 100000] }], output: [vi('huge')] });
  assert.ok(bytes.length < 200);
  const t0 = Date.now();
  assert.throws(() => importModel(bytes), (e: unknown) => code('E_MODEL_INVALID')(e) && /huge/.test((e as Error).message) && /no data/.test((e as Error).message));
  // raw_data present but far too short
  const b2 = encodeRaw({ name: 'g', initializer: [{ name: 'huge', data_type: 1, dims: [100000, 100000, 100000], raw_data: new Uint8Array(8) }] });
  assert.throws(() => importModel(b2), (e: unknown) => code('E_MODEL_INVALID')(e) && /8 are present/.test((e as Error).message));
  assert.ok(Date.now() - t0 < 1000);
});

test('typed-field tensors of every storage kind', () => {
  const rd = (tp: object) => readTensorProto(TensorProtoType.encode(tp).finish());
  assert.deepEqual([...rd({ data_type: 3, dims: [3], int32_data: [-1, 5, -128] }).data], [-1, 5, -128]);
  assert.deepEqual([...rd({ data_type: 22, dims: [3], int32_data: [0xf7, 0x08] }).data], [7, -1, -8]); // int4 packed
  assert.deepEqual([...rd({ data_type: 21, dims: [3], raw_data: new Uint8Array([0x21, 0x0f]) }).data], [1, 2, 15]);
  assert.deepEqual([...rd({ data_type: 26, dims: [5], raw_data: new Uint8Array([0b11100100, 0b10]) }).data], [0, 1, -2, -1, -2]); // int2
  assert.deepEqual([...rd({ data_type: 10, dims: [2], int32_data: [0x3c00, 0xc000] }).data], [0x3c00, 0xc000]); // f16 bits
  assert.deepEqual([...rd({ data_type: 9, dims: [2], int32_data: [1, 0] }).data], [1, 0]);
  assert.deepEqual([...rd({ data_type: 7, dims: [2], int64_data: ['9223372036854775807', -3] }).data], [9223372036854775807n, -3n]);
  assert.deepEqual([...rd({ data_type: 12, dims: [1], uint64_data: [4294967295] }).data], [4294967295]);
  assert.deepEqual([...rd({ data_type: 13, dims: [1], uint64_data: ['18446744073709551615'] }).data], [18446744073709551615n]);
  assert.deepEqual([...rd({ data_type: 11, dims: [1], double_data: [0.1] }).data], [0.1]);
  assert.deepEqual(rd({ data_type: 8, dims: [2], string_data: [Buffer.from('héllo'), Buffer.from('')] }).data, ['héllo', '']);
  assert.deepEqual([...rd({ data_type: 17, dims: [2], int32_data: [0x38, 0x7f] }).data], [0x38, 0x7f]); // float8 bits
  const f = new Float32Array([1.5, -2]);
  assert.deepEqual([...rd({ data_type: 1, dims: [2], raw_data: new Uint8Array(f.buffer) }).data], [1.5, -2]);
  assert.deepEqual(rd({ data_type: 1, dims: [0, 3] }).dims, [0, 3]);
  assert.throws(() => rd({ data_type: 14, dims: [1], float_data: [1, 2] }), code('E_UNSUPPORTED_DTYPE'));
  assert.throws(() => rd({ data_type: 1, dims: [3], float_data: [1, 2] }), code('E_MODEL_INVALID'));
});

test('Constant nodes become constants; names are unique; omitted inputs stay empty', () => {
  const m = importModel(encodeRaw({
    name: 'g',
    node: [
      { op_type: 'Constant', output: ['c1'], attribute: [{ name: 'value_ints', type: 7, ints: ['9223372036854775807', 2] }] },
      { op_type: 'Constant', output: ['c2'], attribute: [{ name: 'value_float', type: 1, f: 0.5 }] },
      { op_type: 'Constant', output: ['c3'], attribute: [{ name: 'value_strings', type: 8, strings: [Buffer.from('a')] }] },
      { op_type: 'Clip', input: ['x', '', 'c2'], output: ['y'] },
      { op_type: 'Relu', name: 'Relu_4', input: ['y'], output: ['z'] },
      { op_type: 'Relu', input: ['z'], output: ['w'] },
      { op_type: 'Relu', name: 'Relu_4', input: ['w'], output: ['v'], attribute: [{ name: 'dummy', ints: [1, 2] }] },
    ],
    input: [vi('x', 1, ['N', 2])],
    output: [vi('v')],
  }));
  assert.deepEqual([...m.graph.constants.get('c1')!.data], [9223372036854775807n, 2n]);
  assert.deepEqual(m.graph.constants.get('c2'), { dtype: 'float32', dims: [], data: new Float32Array([0.5]) });
  assert.deepEqual(m.graph.constants.get('c3')!.data, ['a']);
  assert.equal(m.graph.nodes.length, 4);
  assert.deepEqual(m.graph.nodes[0].inputs, ['x', '', 'c2']);
  const names = m.graph.nodes.map((n) => n.name);
  assert.equal(new Set(names).size, names.length);
  assert.deepEqual(names.slice(0, 2), ['Clip_3', 'Relu_4']);
  assert.deepEqual(m.graph.nodes[3].attributes.get('dummy'), { type: 'ints', value: [1, 2] }); // IR v1: no type field
  assert.deepEqual(m.graph.inputs[0].type, { kind: 'tensor', dtype: 'float32', shape: ['N', 2] });
});

test('sparse initializers and sparse Constant are rejected clearly', () => {
  const sp = { values: { name: 's', data_type: 1, dims: [1], float_data: [1] }, indices: { data_type: 7, dims: [1], int64_data: [0] }, dims: [4] };
  assert.throws(() => importModel(encodeRaw({ name: 'g', sparse_initializer: [sp] })), (e: unknown) => code('E_UNSUPPORTED_DTYPE')(e) && /sparse/.test((e as Error).message));
  assert.throws(() => importModel(encodeRaw({ name: 'g', node: [{ op_type: 'Constant', output: ['c'], attribute: [{ name: 'sparse_value', type: 11, sparse_tensor: sp }] }] })),
    (e: unknown) => code('E_UNSUPPORTED_DTYPE')(e) && /sparse/.test((e as Error).message));
});

test('subgraph attributes decode recursively', () => {
  const body = { name: 'then', node: [{ op_type: 'Identity', input: ['x'], output: ['o'] }], output: [{ name: 'o' }] };
  const m = importModel(encodeRaw({
    name: 'g',
    node: [{ op_type: 'If', input: ['cond'], output: ['y'], attribute: [{ name: 'then_branch', type: 5, g: body }, { name: 'else_branch', type: 5, g: body }] }],
    input: [vi('cond', 9, []), vi('x')],
    output: [vi('y')],
  }));
  const a = m.graph.nodes[0].attributes.get('then_branch')!;
  assert.equal(a.type, 'graph');
  if (a.type === 'graph') {
    assert.equal(a.value.nodes[0].opType, 'Identity');
    assert.equal(a.value.outputs[0].type, undefined); // untyped subgraph output stays unknown
  }
  const names = [m.graph.nodes[0].name, ...['then_branch', 'else_branch'].map((k) => (m.graph.nodes[0].attributes.get(k) as { value: { nodes: { name: string }[] } }).value.nodes[0].name)];
  assert.equal(new Set(names).size, 3);
});

test('model-local functions are inlined with attribute references resolved', () => {
  const fn = {
    name: 'ScaledLeaky', domain: 'my.fn', input: ['a', 'b'], output: ['out'], attribute: ['alpha'],
    attribute_proto: [{ name: 'beta', type: 1, f: 2 }],
    opset_import: [{ domain: '', version: 21 }],
    node: [
      { op_type: 'LeakyRelu', input: ['a'], output: ['t'], attribute: [{ name: 'alpha', type: 1, ref_attr_name: 'alpha' }] },
      { op_type: 'Constant', output: ['k'], attribute: [{ name: 'value_float', type: 1, ref_attr_name: 'beta' }] },
      { op_type: 'Mul', input: ['t', 'k'], output: ['u'] },
      { op_type: 'Add', input: ['u', 'b'], output: ['out'] },
    ],
  };
  const m = importModel(encodeRaw({
    name: 'g',
    node: [
      { op_type: 'ScaledLeaky', domain: 'my.fn', input: ['x', 'y'], output: ['z1'], attribute: [{ name: 'alpha', type: 1, f: 0.25 }] },
      { op_type: 'ScaledLeaky', domain: 'my.fn', input: ['z1', 'y'], output: ['z2'], attribute: [{ name: 'alpha', type: 1, f: 0.5 }, { name: 'beta', type: 1, f: 3 }] },
    ],
    input: [vi('x'), vi('y')],
    output: [vi('z2')],
  }, { functions: [fn], opset_import: [{ domain: '', version: 21 }, { domain: 'my.fn', version: 1 }] }));
  const ops = m.graph.nodes.map((n) => n.opType);
  assert.deepEqual(ops, ['LeakyRelu', 'Mul', 'Add', 'LeakyRelu', 'Mul', 'Add']);
  const [l1, m1, a1, l2, m2, a2] = m.graph.nodes;
  assert.equal(l1.inputs[0], 'x');
  assert.equal(a1.outputs[0], 'z1');
  assert.equal(l2.inputs[0], 'z1');
  assert.equal(a2.outputs[0], 'z2');
  assert.notEqual(l1.outputs[0], l2.outputs[0]);
  assert.deepEqual(l1.attributes.get('alpha'), { type: 'float', value: 0.25 });
  assert.deepEqual(l2.attributes.get('alpha'), { type: 'float', value: 0.5 });
  assert.deepEqual([...m.graph.constants.get(m1.inputs[1])!.data], [2]);
  assert.deepEqual([...m.graph.constants.get(m2.inputs[1])!.data], [3]);
  assert.equal(new Set(m.graph.nodes.map((n) => n.name)).size, 6);
});

test('ref_attr_name outside a function is rejected', () => {
  assert.throws(() => importModel(encodeRaw({ name: 'g', node: [{ op_type: 'Relu', input: ['x'], output: ['y'], attribute: [{ name: 'a', type: 1, ref_attr_name: 'q' }] }] })), code('E_MODEL_INVALID'));
});
