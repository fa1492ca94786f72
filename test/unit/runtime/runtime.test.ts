import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Engine } from '../../../src/runtime/engine.js';
import { DevicePool } from '../../../src/runtime/pool.js';
import { tensor } from '../../../src/runtime/tensors.js';
import { parseShapeRange, validateProfiles, resolveSymbolicDims } from '../../../src/runtime/profiles.js';
import { TensorJetError } from '../../../src/errors.js';
import { addModel, f32, makePlanBytes, testBackend } from './fixtures.js';

const code = (c: string, re?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof TensorJetError, `expected TensorJetError, got ${e}`);
  assert.equal(e.code, c, e.message);
  if (re) assert.match(e.message, re);
  return true;
};

const profiled = () => makePlanBytes(addModel(), { profiles: [{ x: { min: [1, 3], opt: [8, 3], max: [32, 3] } }] });

test('engine describes its inputs and outputs and runs', async () => {
  const engine = await Engine.load(profiled(), { backend: testBackend() });
  assert.equal(engine.device, 'cpu');
  assert.deepEqual(engine.inputs, [{ name: 'x', dtype: 'float32', shape: ['batch', 3], dynamic: true, profiles: [{ min: [1, 3], opt: [8, 3], max: [32, 3] }] }]);
  assert.equal(engine.outputs[0]!.name, 'y');
  const ctx = engine.createContext();
  const out = await ctx.infer({ x: f32([2, 3], [0, 0, 0, 10, 10, 10]) });
  assert.deepEqual([...(out.y!.data as Float32Array)], [1, 2, 3, 11, 12, 13]);
  assert.deepEqual(out.y!.dims, [2, 3]);
  assert.deepEqual(engine.memory(), { engineBytes: 12, contextBytes: 0, contexts: 1 });
  engine.dispose();
});

test('infer checks its feeds and says what is wrong', async () => {
  const engine = await Engine.load(profiled(), { backend: testBackend() });
  const ctx = engine.createContext();
  const x = f32([2, 3], [0, 1, 2, 3, 4, 5]);
  await assert.rejects(ctx.infer({}), code('E_INPUT', /^missing input 'x' \(float32 \[batch, 3\]\)/));
  await assert.rejects(ctx.infer({ x, z: x }), code('E_INPUT', /^unknown input 'z'; the model's inputs are: x$/));
  await assert.rejects(ctx.infer({ x: tensor('int32', [2, 3], [0, 1, 2, 3, 4, 5]) }), code('E_INPUT', /^input 'x' has dtype int32, expected float32$/));
  await assert.rejects(ctx.infer({ x: f32([6], [0, 1, 2, 3, 4, 5]) }), code('E_INPUT', /^input 'x' has rank 1 \(\[6\]\), expected rank 2 \(\[batch, 3\]\)$/));
  await assert.rejects(ctx.infer({ x: f32([3, 2], [0, 1, 2, 3, 4, 5]) }), code('E_INPUT', /^input 'x' dim 1 is 2, expected 3/));
  await assert.rejects(ctx.infer({ x: f32([64, 3], new Array(192).fill(0)) }), code('E_INPUT', /^input 'x' dim 0 is 64, outside the profile range \[1, 32\]$/));
  await assert.rejects(ctx.infer({ x: { dtype: 'float32', dims: [2, 3], data: new Float32Array(5) } }), code('E_INPUT', /^input 'x' has 5 values, but dims \[2, 3\] need 6$/));
  await assert.rejects(ctx.infer({ x: { dtype: 'float32', dims: [1, 3], data: new Float64Array(3) } }), code('E_INPUT', /data is Float64Array, expected Float32Array/));
  await assert.rejects(ctx.infer({ x: [1, 2] as never }), code('E_INPUT', /not a tensor/));
  const out = await ctx.infer({ x });
  assert.equal(out.y!.data.length, 6);
  engine.dispose();
});

test('several profiles: inputs must fit one of them', async () => {
  const engine = await Engine.load(makePlanBytes(addModel(), {
    profiles: [{ x: { min: [1, 3], opt: [1, 3], max: [4, 3] } }, { x: { min: [16, 3], opt: [16, 3], max: [32, 3] } }],
  }), { backend: testBackend() });
  const ctx = engine.createContext();
  await ctx.infer({ x: f32([20, 3], new Array(60).fill(1)) });
  await assert.rejects(ctx.infer({ x: f32([8, 3], new Array(24).fill(1)) }), code('E_INPUT', /fit none of the 2 profiles: profile 0: input 'x' dim 0 is 8, outside the profile range \[1, 4\]; profile 1: .*\[16, 32\]/));
  engine.dispose();
});

test('disposed engines and contexts throw E_DISPOSED', async () => {
  const engine = await Engine.load(profiled(), { backend: testBackend() });
  const a = engine.createContext();
  const b = engine.createContext();
  a.dispose();
  a.dispose();
  await assert.rejects(a.infer({ x: f32([1, 3], [1, 2, 3]) }), code('E_DISPOSED'));
  assert.equal(engine.memory().contexts, 1);
  engine.dispose();
  await assert.rejects(b.infer({ x: f32([1, 3], [1, 2, 3]) }), code('E_DISPOSED'));
  assert.throws(() => engine.createContext(), code('E_DISPOSED'));
  assert.throws(() => engine.memory(), code('E_DISPOSED'));
});

test('calls on one context run one at a time, in order', async () => {
  const engine = await Engine.load(profiled(), { backend: testBackend() });
  const ctx = engine.createContext();
  const results = await Promise.all([1, 2, 3, 4].map((v) => ctx.infer({ x: f32([1, 3], [v, v, v]) })));
  assert.deepEqual(results.map((r) => (r.y!.data as Float32Array)[0]), [2, 3, 4, 5]);
  assert.equal(ctx.busy, 0);
  engine.dispose();
});

test('a device pool spreads work over its contexts and returns results in order', async () => {
  const plan = profiled();
  const engines = [await Engine.load(plan, { backend: testBackend() }), await Engine.load(plan, { backend: testBackend() })];
  const pool = new DevicePool(engines, 2);
  assert.equal(pool.size, 4);
  const inputs = Array.from({ length: 24 }, (_, i) => ({ x: f32([1, 3], [i, i, i]) }));
  const outs = await pool.run(inputs);
  assert.deepEqual(outs.map((o) => (o.y!.data as Float32Array)[2]), inputs.map((_, i) => i + 3));
  const stats = pool.stats();
  assert.equal(stats.reduce((a, s) => a + s.completed, 0), 24);
  for (const s of stats) assert.ok(s.completed >= 4, `context ${s.context} on engine did ${s.completed}`);
  await assert.rejects(pool.infer({ x: f32([1, 2], [1, 2]) }), code('E_INPUT'));
  pool.dispose();
  assert.ok(engines.every((e) => e.disposed));
  await assert.rejects(pool.infer(inputs[0]!), code('E_DISPOSED'));
});

test('disposing a pool rejects queued requests', async () => {
  const pool = new DevicePool([await Engine.load(profiled(), { backend: testBackend() })], 1);
  const jobs = [1, 2, 3].map((v) => pool.infer({ x: f32([1, 3], [v, v, v]) }));
  assert.equal(pool.queued, 2);
  pool.dispose();
  const settled = await Promise.allSettled(jobs);
  assert.equal(settled.filter((s) => s.status === 'rejected').length >= 2, true);
});

test('DevicePool.create loads a cpu plan on cpu by default', async () => {
  const pool = await DevicePool.create(profiled(), { devices: ['cpu'], contextsPerDevice: 3 });
  assert.equal(pool.size, 3);
  assert.deepEqual(pool.engines.map((e) => e.device), ['cpu']);
  pool.dispose();
});

test('tensor() converts plain arrays to the dtype storage', () => {
  assert.ok(tensor('float32', [2], [1, 2]).data instanceof Float32Array);
  assert.deepEqual(tensor('int64', [2], [1, 2]).data, BigInt64Array.from([1n, 2n]));
  assert.deepEqual(tensor('bool', [2], [true, false]).data, Uint8Array.from([1, 0]));
  assert.deepEqual(tensor('float16', [1], [1]).data, Uint16Array.from([0x3c00]));
  assert.deepEqual(tensor('string', [1], ['a']).data, ['a']);
  assert.throws(() => tensor('float32', [3], [1, 2]), code('E_SHAPE', /2 values, but dims \[3\] need 3/));
  assert.throws(() => tensor('float32', [1e6, 1e6]), code('E_ALLOCATION_LIMIT'));
  // A fractional number for an int64 tensor is a typed usage error, not BigInt's raw RangeError.
  assert.throws(() => tensor('int64', [1], [1.5]), code('E_USAGE', /int64 tensor data must be integers, got 1.5/));
});

test('profiles are validated against the model and pin symbolic dims', () => {
  const g = addModel().graph;
  assert.throws(() => validateProfiles({ y: { min: [1, 3], opt: [1, 3], max: [1, 3] } }, g), code('E_USAGE', /'y', which is not a model input \(inputs: x\)/));
  assert.throws(() => validateProfiles({ x: { min: [4, 3], opt: [2, 3], max: [8, 3] } }, g), code('E_USAGE', /min <= opt <= max, got 4, 2, 8/));
  assert.throws(() => validateProfiles({ x: { min: [1], opt: [1], max: [1] } }, g), code('E_USAGE', /rank 1, the input has rank 2/));
  assert.throws(() => validateProfiles({ x: { min: [1, 2], opt: [1, 3], max: [1, 3] } }, g), code('E_USAGE', /dim 1 is \[2, 3\], but the model fixes it to 3/));
  const ps = validateProfiles({ x: { min: [4, 3], opt: [4, 3], max: [4, 3] } }, g);
  resolveSymbolicDims(g, ps);
  assert.deepEqual(g.inputs[0]!.type, { kind: 'tensor', dtype: 'float32', shape: [4, 3] });
  assert.deepEqual(parseShapeRange('1x3/8x3/32x3', 'x'), { min: [1, 3], opt: [8, 3], max: [32, 3] });
  assert.deepEqual(parseShapeRange('2x3', 'x'), { min: [2, 3], opt: [2, 3], max: [2, 3] });
  assert.throws(() => parseShapeRange('1x3/2x3', 'x'), code('E_USAGE'));
  assert.throws(() => parseShapeRange('1xa', 'x'), code('E_USAGE'));
});

test('the cpu backend finds unsupported nodes inside subgraphs too', async () => {
  const { richModel } = await import('./fixtures.js');
  const names = testBackend().unsupportedNodes(richModel()).map((n) => `${n.name}:${n.opType}`);
  assert.deepEqual(names, ['if0:If', 'inner:Constant', 'inner:Constant', 'inner:Constant']);
});

test('outputs can be written into caller tensors (allocHostTensor: plain memory on cpu)', async () => {
  const engine = await Engine.load(profiled(), { backend: testBackend() });
  const ctx = engine.createContext();
  const x = engine.allocHostTensor('float32', [2, 3]);
  assert.equal(x.pinned, false);
  (x.data as Float32Array).set([0, 0, 0, 10, 10, 10]);
  const y = engine.allocHostTensor('float32', [2, 3]);
  const out = await ctx.infer({ x }, { outputs: { y } });
  assert.equal(out.y, y, 'the caller tensor is returned');
  assert.deepEqual([...(y.data as Float32Array)], [1, 2, 3, 11, 12, 13]);
  await assert.rejects(ctx.infer({ x }, { outputs: { y: f32([3, 2], new Array(6).fill(0)) } }), code('E_USAGE', /^outputs\['y'\] is float32 \[3,2\], but this inference produces float32 \[2,3\]$/));
  await assert.rejects(ctx.infer({ x }, { outputs: { z: y } }), code('E_USAGE', /^outputs\['z'\]: the model has no output 'z' \(outputs: y\)$/));
  x.dispose();
  y.dispose();
  engine.dispose();
});
