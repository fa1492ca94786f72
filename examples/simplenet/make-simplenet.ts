/**
 * Generates simplenet.onnx: the seeds' SimpleNet, a bias-free Linear 5 -> 5 whose weight is 2 * I.
 *   input 'input' float32 [1, 5]  --MatMul(W = 2I)-->  output 'output' float32 [1, 5]
 * so running it on 0,1,2,3,4 prints [0, 2, 4, 6, 8].
 *
 *   npm run build && node dist/examples/simplenet/make-simplenet.js [out.onnx]
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { encodeModel } from '../../src/onnx/encode.js';
import type { Model } from '../../src/ir/graph.js';
import { makeTensor } from '../../src/tensor/tensor.js';

export function simpleNet(): Model {
  const w = new Float32Array(25);
  for (let i = 0; i < 5; i++) w[i * 5 + i] = 2;
  return {
    irVersion: 8,
    opsets: new Map([['', 17]]),
    producerName: 'tensorjet-examples',
    producerVersion: '0.1.0',
    graph: {
      name: 'SimpleNet',
      nodes: [{ name: 'linear', opType: 'MatMul', domain: '', inputs: ['input', 'linear.weight'], outputs: ['output'], attributes: new Map() }],
      inputs: [{ name: 'input', type: { kind: 'tensor', dtype: 'float32', shape: [1, 5] } }],
      outputs: [{ name: 'output', type: { kind: 'tensor', dtype: 'float32', shape: [1, 5] } }],
      constants: new Map([['linear.weight', makeTensor('float32', [5, 5], w)]]),
      valueInfo: new Map(),
    },
  };
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const out = process.argv[2] ?? 'examples/simplenet/simplenet.onnx';
  writeFileSync(out, encodeModel(simpleNet()));
  console.log(`wrote ${out}`);
}
