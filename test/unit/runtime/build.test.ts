import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build, Engine, inspect, tensor, TensorJetError } from '../../../src/index.js';
import { encodeModel } from '../../../src/onnx/encode.js';
import { simpleNet } from '../../../examples/simplenet/make-simplenet.js';

test('build -> Engine.load -> infer on SimpleNet', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tj-build-'));
  try {
    const steps: string[] = [];
    const source = encodeModel(simpleNet());
    const out = join(dir, 'simplenet.plan');
    const { plan, header } = await build(source, { output: out, onProgress: (m) => steps.push(m) });
    assert.deepEqual(readdirSync(dir), ['simplenet.plan']);
    assert.ok(steps.includes('optimizing') && steps.at(-1) === 'done');
    assert.equal(header.target.backend, 'cpu');
    assert.deepEqual(header.opCounts, { MatMul: 1 });
    assert.equal(header.weightBytes, 100);
    assert.match(header.sourceModelHash, /^[0-9a-f]{64}$/);
    assert.deepEqual(header.inputs, [{ name: 'input', dtype: 'float32', shape: [1, 5], mode: 'input' }]);
    for (const source of [plan, out]) {
      const engine = await Engine.load(source, { device: 'cpu' });
      const ctx = engine.createContext();
      const r = await ctx.infer({ input: tensor('float32', [1, 5], [0, 1, 2, 3, 4]) });
      assert.deepEqual([...(r.output!.data as Float32Array)], [0, 2, 4, 6, 8]);
      engine.dispose();
    }
    const report = inspect(out);
    assert.equal(report.kind, 'plan');
    assert.equal(report.layers, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('build reports every unsupported node in one error', async () => {
  const m = simpleNet();
  m.graph.nodes.push(
    { name: 'n1', opType: 'Foo', domain: '', inputs: ['output'], outputs: ['a'], attributes: new Map() },
    { name: 'n2', opType: 'Bar', domain: 'my.ops', inputs: ['a'], outputs: ['b'], attributes: new Map() },
  );
  m.graph.outputs = [{ name: 'b', type: { kind: 'tensor', dtype: 'float32' } }];
  m.opsets.set('my.ops', 1);
  await assert.rejects(build(encodeModel(m)), (e: unknown) => {
    assert.ok(e instanceof TensorJetError);
    assert.equal(e.code, 'E_UNSUPPORTED_OP');
    assert.match(e.message, /^2 nodes are not supported by the cpu backend: 'n1' \(Foo\), 'n2' \(Bar\)/);
    assert.deepEqual(e.fields.nodes, [{ node: 'n1', opType: 'Foo' }, { node: 'n2', opType: 'Bar' }]);
    return true;
  });
});

test('build pins symbolic dims that the profile fixes and keeps ranges otherwise', async () => {
  const m = simpleNet();
  m.graph.inputs[0]!.type = { kind: 'tensor', dtype: 'float32', shape: ['batch', 5] };
  m.graph.outputs[0]!.type = { kind: 'tensor', dtype: 'float32', shape: ['batch', 5] };
  const fixed = await build(encodeModel(m), { shapes: { input: { min: [3, 5], opt: [3, 5], max: [3, 5] } } });
  assert.deepEqual(fixed.header.inputs[0]!.shape, [3, 5]);
  const ranged = await build(encodeModel(m), { shapes: [{ input: { min: [1, 5], opt: [4, 5], max: [8, 5] } }] });
  assert.deepEqual(ranged.header.inputs[0]!.shape, ['batch', 5]);
  const engine = await Engine.load(ranged.plan);
  assert.deepEqual(engine.inputs[0]!.profiles, [{ min: [1, 5], opt: [4, 5], max: [8, 5] }]);
  const ctx = engine.createContext();
  const r = await ctx.infer({ input: tensor('float32', [2, 5], [0, 1, 2, 3, 4, 1, 1, 1, 1, 1]) });
  assert.deepEqual([...(r.output!.data as Float32Array)], [0, 2, 4, 6, 8, 2, 2, 2, 2, 2]);
  await assert.rejects(ctx.infer({ input: tensor('float32', [9, 5]) }), /input 'input' dim 0 is 9, outside the profile range \[1, 8\]/);
  engine.dispose();
  await assert.rejects(build(encodeModel(m), { shapes: { input: { min: [1, 4], opt: [1, 4], max: [1, 4] } } }), /model fixes it to 5/);
});
