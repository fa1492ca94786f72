import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePlan, readPlanFile, readPlanHeader, isPlanBytes } from '../../../src/plan/read.js';
import { writeFileAtomic, writePlan } from '../../../src/plan/write.js';
import { PLAN_FORMAT_VERSION } from '../../../src/plan/format.js';
import { TensorJetError } from '../../../src/errors.js';
import { Engine } from '../../../src/runtime/engine.js';
import { addModel, makePlanBytes, richModel, testBackend } from '../runtime/fixtures.js';

const code = (c: string, re?: RegExp) => (e: unknown) => {
  assert.ok(e instanceof TensorJetError, `expected TensorJetError, got ${e}`);
  assert.equal(e.code, c, e.message);
  if (re) assert.match(e.message, re);
  return true;
};

test('plan round trip keeps graph, attributes, weights and kernels', () => {
  const model = richModel();
  const kernels = Uint8Array.from([1, 2, 3, 250]);
  const bytes = makePlanBytes(model, { kernels });
  assert.ok(isPlanBytes(bytes));
  const plan = parsePlan(bytes);
  assert.deepEqual(plan.kernels, kernels);
  assert.equal(plan.header.formatVersion, PLAN_FORMAT_VERSION);
  assert.deepEqual([...plan.model.opsets], [['', 17]]);
  const g = plan.model.graph;
  assert.deepEqual(g.inputs, model.graph.inputs);
  assert.deepEqual(g.outputs, model.graph.outputs);
  assert.deepEqual([...g.valueInfo.keys()], ['y']);
  for (const [name, t] of model.graph.constants) {
    const r = g.constants.get(name)!;
    assert.equal(r.dtype, t.dtype, name);
    assert.deepEqual(r.dims, t.dims, name);
    assert.deepEqual(r.data, t.data, name);
  }
  assert.equal(g.constants.get('h'), g.constants.get('h2'), 'a tensor used twice is stored once');
  const node = g.nodes[1]!;
  assert.equal(node.domain, 'custom.domain');
  const a = Object.fromEntries(node.attributes);
  assert.equal(a.alpha!.value, -Infinity);
  assert.ok(Number.isNaN((a.betas!.value as number[])[0]));
  assert.deepEqual((a.betas!.value as number[]).slice(1), [1.5, Infinity]);
  assert.equal(a.n!.value, -3);
  assert.deepEqual(a.ns!.value, [1, 2]);
  assert.equal(a.s!.value, 'hé');
  assert.deepEqual(a.ss!.value, ['x', '']);
  const ts = a.ts!.value as { data: unknown }[];
  assert.deepEqual(ts[1]!.data, BigUint64Array.from([2n ** 63n]));
  const sub = (a.then_branch!.value as { nodes: { attributes: Map<string, { value: { data: unknown } }> }[]; constants: Map<string, { data: unknown }> });
  assert.deepEqual(sub.nodes[0]!.attributes.get('value')!.value.data, BigInt64Array.from([5n, -7n]));
  assert.deepEqual(sub.constants.get('k')!.data, ['a', 'bé']);
  assert.equal((a.graphs!.value as unknown[]).length, 2);
});

test('weights are 64-byte aligned in the file', () => {
  const bytes = makePlanBytes(richModel());
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(12, true);
  const json = JSON.parse(Buffer.from(bytes.subarray(16, 16 + headerLength)).toString());
  const blobStart = Math.ceil((16 + headerLength) / 64) * 64;
  assert.equal(blobStart % 64, 0);
  for (const w of json.weights) if (w.offset !== undefined) assert.equal(w.offset % 64, 0, w.name);
});

test('a truncated plan is E_PLAN_CORRUPT with sizes', () => {
  const bytes = makePlanBytes(addModel());
  assert.throws(() => parsePlan(bytes.subarray(0, bytes.length - 10)), code('E_PLAN_CORRUPT', /truncated: expected \d+ bytes, the file has \d+/));
  assert.throws(() => parsePlan(bytes.subarray(0, 40)), code('E_PLAN_CORRUPT', /truncated/));
  assert.throws(() => parsePlan(bytes.subarray(0, 8)), code('E_PLAN_CORRUPT', /truncated/));
});

test('a header length past the end of the file is refused before use', () => {
  const bytes = makePlanBytes(addModel()).slice();
  new DataView(bytes.buffer).setUint32(12, 0xffffffff, true);
  assert.throws(() => parsePlan(bytes), code('E_PLAN_CORRUPT', /truncated: its header needs/));
});

test('a flipped byte anywhere is a checksum mismatch', () => {
  const good = makePlanBytes(addModel());
  for (const at of [good.length - 40, good.length - 1, 200]) {
    const bytes = good.slice();
    bytes[at]! ^= 0x01;
    assert.throws(() => parsePlan(bytes), code('E_PLAN_CORRUPT'), `byte ${at}`);
  }
});

test('wrong magic says it is not a TensorJet plan', () => {
  const bytes = makePlanBytes(addModel()).slice();
  bytes[0] = 0x08;
  assert.throws(() => parsePlan(bytes), code('E_PLAN_CORRUPT', /not a TensorJet plan/));
  assert.throws(() => readPlanHeader(new Uint8Array(100)), code('E_PLAN_CORRUPT', /not a TensorJet plan/));
});

test('another format version is E_PLAN_VERSION naming both', () => {
  const bytes = makePlanBytes(addModel()).slice();
  new DataView(bytes.buffer).setUint32(8, 7, true);
  assert.throws(() => parsePlan(bytes), code('E_PLAN_VERSION', new RegExp(`version 7.*version ${PLAN_FORMAT_VERSION}`)));
});

test('a plan for another target is E_PLAN_TARGET naming both', async () => {
  const gpuPlan = makePlanBytes(addModel(), { target: { backend: 'cuda', arch: 'sm_90', deviceName: 'NVIDIA H100' } });
  await assert.rejects(Engine.load(gpuPlan, { device: 'cpu' }), code('E_PLAN_TARGET', /^plan built for sm_90 \(NVIDIA H100\) cannot run on cpu/));
  await assert.rejects(Engine.load(gpuPlan, { backend: testBackend() }), code('E_PLAN_TARGET', /sm_90 .*cannot run on cpu/));
  const cpuPlan = makePlanBytes(addModel());
  await assert.rejects(Engine.load(cpuPlan, { device: 1 }), code('E_PLAN_TARGET', /^plan built for cpu cannot run on cuda:1/));
});

test('plan files are written atomically; failures leave no temp file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tj-plan-'));
  try {
    const path = join(dir, 'm.plan');
    const bytes = writePlan(path, { header: parsePlan(makePlanBytes(addModel())).header, model: addModel(), kernels: new Uint8Array(0) });
    assert.deepEqual(new Uint8Array(readFileSync(path)), bytes);
    assert.equal(readPlanFile(path).model.graph.nodes.length, 1);
    assert.deepEqual(readdirSync(dir), ['m.plan']);
    // rename onto a non-empty directory fails after the temp file was written
    mkdirSync(join(dir, 'taken'));
    writeFileSync(join(dir, 'taken', 'x'), 'x');
    assert.throws(() => writeFileAtomic(join(dir, 'taken'), bytes), code('E_IO', /cannot write plan/));
    assert.deepEqual(readdirSync(dir).sort(), ['m.plan', 'taken']);
    assert.throws(() => writeFileAtomic(join(dir, 'missing', 'm.plan'), bytes), code('E_IO'));
    assert.deepEqual(readdirSync(dir).sort(), ['m.plan', 'taken']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reading a missing plan file is E_IO naming the path', () => {
  assert.throws(() => readPlanFile('/nonexistent/x.plan'), code('E_IO', /cannot read plan '\/nonexistent\/x.plan': no such file/));
});
