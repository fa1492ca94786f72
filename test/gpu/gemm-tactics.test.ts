/**
 * GEMM tactics through the public build API: an fp16 BERT-sized projection chain ([128 x 768] through
 * [768 x 768], [768 x 3072], [3072 x 768]) is built on GPU 0 with cuBLASLt algorithms timed, loaded, and its
 * output compared with the fp32 CPU reference (relative L2); a rebuild takes every GEMM from the timing cache.
 * Skips without a GPU.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Model, Node } from '../../src/ir/graph.js';
import { encodeModel } from '../../src/onnx/encode.js';
import { float16ArrayToFloat32 } from '../../src/tensor/float16.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { randomFloats } from '../helpers.js';

function projections(): Model {
  const widths = [768, 768, 3072, 768];
  const nodes: Node[] = [];
  const constants = new Map<string, Tensor>();
  let x = 'x';
  for (let l = 1; l < widths.length; l++) {
    const [k, n] = [widths[l - 1], widths[l]];
    constants.set(`w${l}`, makeTensor('float32', [k, n], randomFloats(k * n, 10 + l, -1 / Math.sqrt(k), 1 / Math.sqrt(k))));
    nodes.push({ name: `mm${l}`, opType: 'MatMul', domain: '', inputs: [x, `w${l}`], outputs: [`y${l}`], attributes: new Map() });
    x = `y${l}`;
  }
  return {
    irVersion: 8, opsets: new Map([['', 17]]), producerName: 'gemm-tactics', producerVersion: '0',
    graph: {
      name: 'proj', nodes, inputs: [{ name: 'x', type: { kind: 'tensor', dtype: 'float32', shape: [128, 768] } }],
      outputs: [{ name: x, type: { kind: 'tensor', dtype: 'float32', shape: [128, 768] } }], constants, valueInfo: new Map(),
    },
  };
}

const floats = (t: Tensor): Float32Array => (t.dtype === 'float16' ? float16ArrayToFloat32(t.data as Uint16Array) : (t.data as Float32Array));

test('fp16 GEMMs built with timed cuBLASLt algorithms match the CPU reference', async (t) => {
  const cuda = await import('../../src/backends/cuda/index.js');
  const why = cuda.unavailableReason();
  if (why) return t.skip(`no GPU: ${why}`);
  const { build, Engine } = await import('../../src/index.js');
  const bytes = encodeModel(projections());
  const msgs: string[] = [];
  const res = await build(bytes, { target: 0, precision: 'fp16', onProgress: (m) => msgs.push(m) });
  const summary = msgs.find((m) => m.startsWith('GEMM tactics'));
  console.log(summary);
  assert.ok(summary, `no GEMM tactics summary in the build progress: ${msgs.slice(-5).join(' | ')}`);
  const again: string[] = [];
  await build(bytes, { target: 0, precision: 'fp16', onProgress: (m) => again.push(m) });
  assert.match(again.find((m) => m.startsWith('GEMM tactics')) ?? '', /, 0 timed,/, 'the rebuild should take every GEMM from the timing cache');

  const x = makeTensor('float32', [128, 768], randomFloats(128 * 768, 3, -1, 1));
  const engine = await Engine.load(res.plan, { device: 0 });
  const cpu = await Engine.load((await build(bytes, { target: 'cpu' })).plan, { device: 'cpu' });
  try {
    const got = floats((await engine.createContext().infer({ x })).y3!);
    const ref = floats((await cpu.createContext().infer({ x })).y3!);
    let num = 0;
    let den = 0;
    for (let i = 0; i < ref.length; i++) {
      num += (got[i] - ref[i]) ** 2;
      den += ref[i] ** 2;
    }
    const rel = Math.sqrt(num / den);
    console.log(`GEMM chain fp16 on ${engine.device}: relative L2 ${rel.toExponential(2)} against the CPU reference`);
    assert.ok(den > 0 && rel < 1e-2, `relative L2 ${rel}`);
  } finally {
    engine.dispose();
    cpu.dispose();
  }
});
