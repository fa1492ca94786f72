/** Channel views (src/backends/cuda/channel-views.ts): which Concats the CUDA planner elides, which not and why. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { c2fModel, elisions } from '../../gpu/cases-concat.js';
import type { ConvSpec } from '../../../src/backends/cuda/ffi/cudnn.js';
import type { ShapePlan } from '../../../src/backends/cuda/planner.js';

/** conv specs by the output they write */
const convsByOutput = (plan: ShapePlan): Map<string, ConvSpec> =>
  new Map(plan.steps.flatMap((s) => (s.lowered.conv ? [[s.outputs[0].name, s.lowered.conv] as [string, ConvSpec]] : [])));

test('C2f with Split: the Concat and the Split do nothing, convs read and write the buffer', async () => {
  const { elided, steps, plan } = await elisions(c2fModel('float16', 'split'));
  assert.equal(elided, 1);
  assert.ok(!steps.includes('Concat') && !steps.includes('Split'), steps.join(' '));
  const c = convsByOutput(plan);
  assert.equal(c.get('y')!.yStride, 64); // cv1 writes channels [0, 32) of the 64-channel buffer
  assert.equal(c.get('t1')!.xStride, 64); // reads the y1 view
  assert.equal(c.get('m1')!.zStride, 64); // residual y1 from the buffer
  assert.equal(c.get('m1')!.yStride, 64);
  assert.equal(c.get('m2')!.yStride, 64);
  assert.equal(c.get('out')!.xStride, undefined); // the whole buffer is contiguous
  const byName = new Map(plan.steps.flatMap((s) => [...s.inputs, ...s.outputs]).flatMap((v) => (v ? [[v.name, v] as const] : [])));
  const at = (n: string) => {
    const s = byName.get(n)!.storage;
    return s.kind === 'arena' ? [s.slot, s.offset ?? 0] : [];
  };
  const buf = at('cat')[0];
  assert.deepEqual(at('y'), [buf, 0]);
  assert.deepEqual(at('y1'), [buf, 32]); // 16 fp16 channels in
  assert.deepEqual(at('m1'), [buf, 64]);
  assert.deepEqual(at('m2'), [buf, 96]);
});

test('C2f with Slices: both Slices become views', async () => {
  const { elided, steps } = await elisions(c2fModel('float16', 'slice'));
  assert.equal(elided, 1);
  assert.ok(!steps.includes('Concat') && !steps.includes('Slice'), steps.join(' '));
});

test('a view read by an elementwise op keeps the Concat (and says why)', async () => {
  const { elided, kept, steps } = await elisions(c2fModel('float16', 'eltwise'));
  assert.equal(elided, 0);
  assert.match(kept.get('cat')!, /Relu/);
  assert.ok(steps.includes('Concat') && steps.includes('Split'));
});

test('a value in one buffer read by a second Concat: that one copies it (strided source)', async () => {
  const { elided, kept, steps } = await elisions(c2fModel('float16', 'nested'));
  assert.equal(elided, 1);
  assert.match(kept.get('cat2')!, /another concat buffer/);
  assert.equal(steps.filter((s) => s === 'Concat').length, 1);
});

test('float32 (no graph-API conv) and TENSORJET_CONCAT_VIEWS=0 keep every Concat', async () => {
  const f32 = await elisions(c2fModel('float32', 'split'));
  assert.equal(f32.elided, 0);
  assert.match(f32.kept.get('cat')!, /dtype float32/);
  const prev = process.env.TENSORJET_CONCAT_VIEWS;
  process.env.TENSORJET_CONCAT_VIEWS = '0';
  try {
    const { buildShapePlan } = await import('../../../src/backends/cuda/planner.js');
    const { createCpuRegistry } = await import('../../../src/backends/cpu/kernels/index.js');
    const m = c2fModel('float16', 'split');
    const r = createCpuRegistry();
    const plan = buildShapePlan({ graph: m.graph, opsets: m.opsets, weights: new Map(), inputs: new Map([['x', { dtype: 'float16', dims: [2, 10, 12, 16] }]]), cpuRegistry: () => r });
    const ops = plan.steps.map((s) => s.node?.opType);
    assert.ok(ops.includes('Concat') && ops.includes('Split'));
  } finally {
    if (prev === undefined) delete process.env.TENSORJET_CONCAT_VIEWS;
    else process.env.TENSORJET_CONCAT_VIEWS = prev;
  }
});
