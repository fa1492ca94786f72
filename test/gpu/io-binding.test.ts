/**
 * Device inputs and caller device outputs bound in place (io-binding.ts) give the host path's results on
 * every route: the first call with new pointers (plain graph + copies), the repeat that captures a bound graph,
 * its replays, a new output buffer, a graph output that is a view of the input, and eager runs (graphs off).
 * Outputs are poisoned before each call. Skips without a GPU.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Model } from '../../src/ir/graph.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { randomFloats } from '../helpers.js';
import { kernelsFor, planOf } from './harness.js';

/** y = relu(x @ w + 1) [n, 8]; v = Reshape(x) [n * n] (an output sharing the input's memory). */
function model(n: number): Model {
  const w = makeTensor('float32', [n, 8], randomFloats(n * 8, 7, -1, 1));
  const node = (name: string, opType: string, inputs: string[], outputs: string[]) => ({ name, opType, domain: '', inputs, outputs, attributes: new Map() });
  return {
    irVersion: 8, opsets: new Map([['', 17]]), producerName: 'io-binding', producerVersion: '0',
    graph: {
      name: 'bind',
      nodes: [node('mm', 'MatMul', ['x', 'w'], ['m']), node('add', 'Add', ['m', 'one'], ['a']), node('relu', 'Relu', ['a'], ['y']), node('view', 'Reshape', ['x', 'flat'], ['v'])],
      inputs: [{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: [n, n] } }],
      outputs: [
        { name: 'y', type: { kind: 'tensor', dtype: 'float32', shape: [n, 8] } },
        { name: 'v', type: { kind: 'tensor', dtype: 'float32', shape: [n * n] } },
      ],
      constants: new Map<string, Tensor>([['w', w], ['one', makeTensor('float32', [1], Float32Array.of(1))], ['flat', makeTensor('int64', [1], BigInt64Array.of(BigInt(n * n)))]]),
      valueInfo: new Map(),
    },
  };
}

test('bound device inputs and outputs match the host path on every route', async (t) => {
  const cuda = await import('../../src/backends/cuda/index.js');
  const why = cuda.unavailableReason();
  if (why) return t.skip(`no GPU: ${why}`);
  const { DeviceTensor } = cuda;
  const { Engine } = await import('../../src/runtime/engine.js');
  const { arch, kernels, deviceName } = await kernelsFor(0);
  const n = 64;
  const { getDriver } = await import('../../src/backends/cuda/ffi/driver.js');
  const drv = getDriver();
  const poison = (t: InstanceType<typeof DeviceTensor>) => {
    t.device.makeCurrent();
    drv.check(drv.fn.cuMemsetD32Async(t.ptr, 0x7fc00000, t.bytes / 4, 0), 'cuMemsetD32Async');
    drv.check(drv.fn.cuStreamSynchronize(0), 'cuStreamSynchronize');
  };
  const plan = planOf(model(n), arch, kernels, deviceName);
  for (const graphs of [true, false]) {
    const load = cuda.cudaBackend.load as (p: typeof plan, device: number, o: { graphs: boolean }) => ReturnType<typeof cuda.cudaBackend.load>;
    const backend = { ...cuda.cudaBackend, load: (p: typeof plan, device: number) => load(p, device, { graphs }) };
    const engine = await Engine.load(plan, { device: 0, backend });
    try {
      const ctx = engine.createContext();
      const inputs = [1, 2].map((seed) => makeTensor('float32', [n, n], randomFloats(n * n, seed, -1, 1)));
      const refs = await Promise.all(inputs.map(async (x) => (await ctx.infer({ x })).y!.data as Float32Array));
      const xs = inputs.map((x) => DeviceTensor.fromHost(x, 0));
      const poisoned = () => ({
        y: DeviceTensor.fromHost(makeTensor('float32', [n, 8], new Float32Array(n * 8).fill(NaN)), 0),
        v: DeviceTensor.fromHost(makeTensor('float32', [n * n], new Float32Array(n * n).fill(NaN)), 0),
      });
      const outs = [poisoned(), poisoned()];
      // calls: new pointers, repeat (bound graph captured), replay, the other input, a new output buffer, back
      const route: [number, number][] = [[0, 0], [0, 0], [0, 0], [1, 0], [1, 1], [1, 1], [0, 0]];
      for (const [k, [xi, oi]] of route.entries()) {
        const o = outs[oi]!;
        poison(o.y);
        poison(o.v);
        const fresh = poisoned();
        const call = await ctx.infer({ x: xs[xi]! }, { outputLocation: 'device', outputs: { y: fresh.y, v: fresh.v } });
        assert.equal(call.y, fresh.y);
        assert.deepEqual([...((await fresh.y.toHost()).data as Float32Array)], [...refs[xi]!], `graphs ${graphs}, call ${k}: y`);
        assert.deepEqual([...((await fresh.v.toHost()).data as Float32Array)], [...(inputs[xi]!.data as Float32Array)], `graphs ${graphs}, call ${k}: v`);
        // the same output buffers again (the bound route for this pair)
        const again = await ctx.infer({ x: xs[xi]! }, { outputLocation: 'device', outputs: o });
        assert.equal(again.y, o.y);
        assert.deepEqual([...((await o.y.toHost()).data as Float32Array)], [...refs[xi]!], `graphs ${graphs}, call ${k} again: y`);
        assert.deepEqual([...((await o.v.toHost()).data as Float32Array)], [...(inputs[xi]!.data as Float32Array)], `graphs ${graphs}, call ${k} again: v`);
        fresh.y.dispose();
        fresh.v.dispose();
      }
      // host outputs from a device input read the bound input where it lies
      const host = await ctx.infer({ x: xs[1]! });
      assert.deepEqual([...(host.y!.data as Float32Array)], [...refs[1]!]);
      assert.deepEqual([...(host.v!.data as Float32Array)], [...(inputs[1]!.data as Float32Array)]);
      for (const d of [...xs, ...outs.flatMap((o) => [o.y, o.v])]) d.dispose();
    } finally {
      engine.dispose();
    }
  }
});
