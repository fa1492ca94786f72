/**
 * trtexec-style timing of one model on GPU 0: latency p50/p90/p99, throughput, H2D / compute / D2H split,
 * and device memory for N contexts of one engine vs N engines.   node dist/bench/gpu/bench.js [--iters 200]
 * The model: an MLP (MatMul 1024x1024 + bias + Relu, x4) on batch 64, float32.
 */
import type { Model, Node } from '../../src/ir/graph.js';
import { makeTensor, type Tensor } from '../../src/tensor/tensor.js';
import { kernelsFor, planOf } from '../../test/gpu/harness.js';
import { cpuRegistry, randomFloats } from '../../test/helpers.js';

function mlp(width: number, layers: number): Model {
  const nodes: Node[] = [];
  const constants = new Map<string, Tensor>();
  let x = 'input';
  for (let l = 0; l < layers; l++) {
    constants.set(`w${l}`, makeTensor('float32', [width, width], randomFloats(width * width, 11 + l, -0.05, 0.05)));
    constants.set(`b${l}`, makeTensor('float32', [width], randomFloats(width, 91 + l)));
    nodes.push({ name: `gemm${l}`, opType: 'Gemm', domain: '', inputs: [x, `w${l}`, `b${l}`], outputs: [`g${l}`], attributes: new Map() });
    nodes.push({ name: `relu${l}`, opType: 'Relu', domain: '', inputs: [`g${l}`], outputs: [`r${l}`], attributes: new Map() });
    x = `r${l}`;
  }
  return {
    irVersion: 8, opsets: new Map([['', 17]]), producerName: 'bench', producerVersion: '0',
    graph: { name: 'mlp', nodes, inputs: [{ name: 'input', type: { kind: 'tensor', dtype: 'float32', shape: [64, width] } }], outputs: [{ name: x, type: { kind: 'tensor', dtype: 'float32' } }], constants, valueInfo: new Map() },
  };
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];

async function main(): Promise<void> {
  const iters = Number(process.argv[process.argv.indexOf('--iters') + 1]) || 200;
  const cuda = await import('../../src/backends/cuda/index.js');
  const why = cuda.unavailableReason();
  if (why) return console.log(`SKIP: ${why}`);
  const { arch, kernels, deviceName } = await kernelsFor(0);
  const model = mlp(1024, 4);
  const plan = planOf(model, arch, kernels, deviceName);
  const input = makeTensor('float32', [64, 1024], randomFloats(64 * 1024, 5));
  const feeds = new Map([['input', input]]);
  for (const graphs of [true, false]) {
    const engine = new cuda.CudaEngine(plan, 0, { graphs }, cpuRegistry);
    const ctx = engine.createContext();
    for (let i = 0; i < 20; i++) await ctx.infer(feeds);
    const lat: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < iters; i++) {
      const s = performance.now();
      await ctx.infer(feeds);
      lat.push(performance.now() - s);
    }
    const total = performance.now() - t0;
    const flops = 2 * 64 * 1024 * 1024 * 4;
    console.log(`${deviceName} MLP 4x1024 b64 fp32, CUDA graphs ${graphs ? 'on ' : 'off'}: p50 ${pct(lat, 50).toFixed(3)} ms  p90 ${pct(lat, 90).toFixed(3)} ms  p99 ${pct(lat, 99).toFixed(3)} ms  throughput ${((iters * 1000) / total).toFixed(0)} infer/s (${((flops * iters) / (total / 1000) / 1e12).toFixed(2)} TFLOP/s end to end)`);
    // device-resident in/out: compute only (no host copies)
    const dIn = (await ctx.infer(feeds, { outputLocation: 'device' })).get('r3')!;
    const s = performance.now();
    for (let i = 0; i < iters; i++) (await ctx.infer(feeds, { outputLocation: 'device' })).forEach((t) => (t as unknown as { dispose(): void }).dispose());
    console.log(`  host input -> device output: ${((performance.now() - s) / iters).toFixed(3)} ms/infer`);
    (dIn as unknown as { dispose(): void }).dispose();
    ctx.dispose();
    engine.dispose();
  }
  // memory: N contexts of one engine vs N engines
  const N = 4;
  const one = new cuda.CudaEngine(plan, 0, {}, cpuRegistry);
  const ctxs = Array.from({ length: N }, () => one.createContext());
  await Promise.all(ctxs.map((c) => c.infer(feeds)));
  const shared = one.memoryBytes() + ctxs.reduce((a, c) => a + c.memoryBytes(), 0);
  one.dispose();
  const engines = Array.from({ length: N }, () => new cuda.CudaEngine(plan, 0, {}, cpuRegistry));
  const cs = engines.map((e) => e.createContext());
  await Promise.all(cs.map((c) => c.infer(feeds)));
  const separate = engines.reduce((a, e) => a + e.memoryBytes(), 0) + cs.reduce((a, c) => a + c.memoryBytes(), 0);
  engines.forEach((e) => e.dispose());
  console.log(`device memory for ${N} contexts of one engine: ${(shared / 2 ** 20).toFixed(1)} MiB; ${N} engines: ${(separate / 2 ** 20).toFixed(1)} MiB`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
