/**
 * The event loop stays live during a long GPU inference: a 1 ms setInterval keeps firing while we await
 * infer() on a MatMul chain (32 x [4096x4096] @ [4096x4096], ~4.4 TFLOP). Skips without a GPU.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Model, Node } from '../../src/ir/graph.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { randomFloats } from '../helpers.js';
import { kernelsFor, planOf } from './harness.js';

function matmulChain(n: number, layers: number): Model {
  const w = makeTensor('float32', [n, n], randomFloats(n * n, 3, -1 / 64, 1 / 64));
  const nodes: Node[] = [];
  const constants = new Map<string, Tensor>();
  let x = 'x';
  for (let l = 0; l < layers; l++) {
    constants.set(`w${l}`, w);
    nodes.push({ name: `mm${l}`, opType: 'MatMul', domain: '', inputs: [x, `w${l}`], outputs: [`y${l}`], attributes: new Map() });
    x = `y${l}`;
  }
  return {
    irVersion: 8, opsets: new Map([['', 17]]), producerName: 'event-loop', producerVersion: '0',
    graph: { name: 'chain', nodes, inputs: [{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: [n, n] } }], outputs: [{ name: x, type: { kind: 'tensor', dtype: 'float32' } }], constants, valueInfo: new Map() },
  };
}

test('a timer keeps firing while a long GPU inference is awaited', async (t) => {
  const cuda = await import('../../src/backends/cuda/index.js');
  const why = cuda.unavailableReason();
  if (why) return t.skip(`no GPU: ${why}`);
  const { Engine } = await import('../../src/runtime/engine.js');
  const { arch, kernels, deviceName } = await kernelsFor(0);
  const n = 4096;
  const engine = await Engine.load(planOf(matmulChain(n, 32), arch, kernels, deviceName), { device: 0 });
  try {
    const ctx = engine.createContext();
    const feeds = { x: makeTensor('float32', [n, n], randomFloats(n * n, 5)) };
    await ctx.infer(feeds); // warm-up: shape plan + graph capture
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const t0 = performance.now();
    const out = await ctx.infer(feeds);
    const ms = performance.now() - t0;
    clearInterval(timer);
    console.log(`event loop: ${ticks} ticks of a 1 ms interval during a ${ms.toFixed(1)} ms inference on ${engine.device}`);
    assert.equal(out[`y31`]!.dims.join(), `${n},${n}`);
    assert.ok(ms > 10, `inference took only ${ms.toFixed(1)} ms; the check needs a long one`);
    assert.ok(ticks >= Math.floor(ms / 4), `only ${ticks} timer ticks in ${ms.toFixed(1)} ms: the event loop was blocked`);
  } finally {
    engine.dispose();
  }
});
