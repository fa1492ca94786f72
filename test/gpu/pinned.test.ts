/**
 * I/O paths of CUDA infer() agree: a plain input larger than one staging chunk (4 MiB), the same input in a
 * pinned tensor (direct DMA), outputs into caller tensors (pinned, plain, device); disposed pinned inputs and
 * device outputs are refused. Skips without a GPU.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Model } from '../../src/ir/graph.js';
import { makeTensor } from '../../src/tensor/tensor.js';
import { randomFloats } from '../helpers.js';
import { kernelsFor, planOf } from './harness.js';

/** y = x @ w with x [n, n] (n * n * 4 bytes > one staging chunk for n = 1100). */
function matmulModel(n: number): Model {
  const w = makeTensor('float32', [n, 8], randomFloats(n * 8, 7, -1, 1));
  return {
    irVersion: 8, opsets: new Map([['', 17]]), producerName: 'pinned', producerVersion: '0',
    graph: {
      name: 'mm', nodes: [{ name: 'mm', opType: 'MatMul', domain: '', inputs: ['x', 'w'], outputs: ['y'], attributes: new Map() }],
      inputs: [{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: [n, n] } }],
      outputs: [{ name: 'y', type: { kind: 'tensor', dtype: 'float32', shape: [n, 8] } }],
      constants: new Map([['w', w]]), valueInfo: new Map(),
    },
  };
}

test('pinned and plain host I/O give the same results; disposed pinned tensors are refused', async (t) => {
  const cuda = await import('../../src/backends/cuda/index.js');
  const why = cuda.unavailableReason();
  if (why) return t.skip(`no GPU: ${why}`);
  const { Engine } = await import('../../src/runtime/engine.js');
  const { arch, kernels, deviceName } = await kernelsFor(0);
  const n = 1100;
  const engine = await Engine.load(planOf(matmulModel(n), arch, kernels, deviceName), { device: 0 });
  try {
    const ctx = engine.createContext();
    const plain = makeTensor('float32', [n, n], randomFloats(n * n, 5, -1, 1));
    const ref = (await ctx.infer({ x: plain })).y!.data as Float32Array;
    const x = engine.allocHostTensor('float32', [n, n]);
    assert.equal(x.pinned, true);
    (x.data as Float32Array).set(plain.data as Float32Array);
    const y = engine.allocHostTensor('float32', [n, 8]);
    (y.data as Float32Array).fill(NaN);
    const out = await ctx.infer({ x }, { outputs: { y } });
    assert.equal(out.y, y);
    assert.deepEqual([...(y.data as Float32Array)], [...ref], 'pinned input + pinned output');
    const yPlain = makeTensor('float32', [n, 8], new Float32Array(n * 8).fill(NaN));
    await ctx.infer({ x: plain }, { outputs: { y: yPlain } });
    assert.deepEqual([...(yPlain.data as Float32Array)], [...ref], 'plain input + plain caller output');
    const { DeviceTensor } = await import('../../src/backends/cuda/index.js');
    const yDev = DeviceTensor.fromHost(makeTensor('float32', [n, 8], new Float32Array(n * 8).fill(NaN)), 0);
    const outDev = await ctx.infer({ x }, { outputLocation: 'device', outputs: { y: yDev } });
    assert.equal(outDev.y, yDev, 'the caller device tensor is returned');
    assert.deepEqual([...((await yDev.toHost()).data as Float32Array)], [...ref], 'pinned input + caller device output');
    yDev.dispose();
    await assert.rejects(ctx.infer({ x }, { outputLocation: 'device', outputs: { y: yDev } }), /outputs\['y'\] is a disposed device tensor/);
    x.dispose();
    await assert.rejects(ctx.infer({ x }), (e: Error & { code?: string }) => e.code === 'E_DISPOSED' && /input 'x' is a disposed pinned tensor/.test(e.message));
    y.dispose();
  } finally {
    engine.dispose();
  }
});
